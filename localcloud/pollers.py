"""Pollers: the event source mappings and async deliveries moto cannot invoke by itself.

Each poller is one daemon thread that polls moto through boto3, builds the event shape Lambda
would build, calls the handler in-process and applies Lambda's success/failure rules. Idle
polling backs off to one request a second; any write through the dispatcher wakes them up.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from botocore.exceptions import ClientError

from localcloud.clients import Clients, send_to_destination
from localcloud.functions import Invoker, LocalFunction, Outcome
from localcloud.server import StateLock, Write
from localcloud.shapes import (
    async_failure_record,
    eventbridge_envelope,
    sqs_record,
    stream_failure_record,
    stream_record,
)

logger = logging.getLogger("localcloud")

MIN_INTERVAL = 0.1
MAX_INTERVAL = 2.0
SHARD_READ_INTERVAL = 0.25
# Locally a failed message is visible again after this long (SQS would wait out the queue's
# VisibilityTimeout, 30 s by default): retries, and the redrive to a DLQ, happen in seconds.
LOCAL_RETRY_VISIBILITY = 1


class Activity:
    """When any poller last did work (a poll that began later and found nothing is 'idle')."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = time.monotonic()

    def touch(self) -> None:
        """Record that work was done just now."""
        with self._lock:
            self._last = time.monotonic()

    @property
    def last(self) -> float:
        """The monotonic time of the last work."""
        with self._lock:
            return self._last


class Poller:
    """A daemon thread that calls `poll()` with backoff while idle, until stopped."""

    def __init__(self, name: str, activity: Activity) -> None:
        self.name = name
        self._activity = activity
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._idle_poll_started = 0.0
        self.errors = 0
        self.invocations = 0
        self._last_error = ""

    def poll(self) -> bool:
        """Do one round of work; True when something was found (poll again at once)."""
        raise NotImplementedError

    def pending(self) -> bool:
        """Whether work is held back (a batching window, a retry in flight)."""
        return False

    def describe(self) -> dict[str, Any]:
        """A short status for the dev console."""
        return {"name": self.name, "invocations": self.invocations, "errors": self.errors}

    def start(self) -> None:
        """Start the thread."""
        self._thread = threading.Thread(target=self._run, name=f"localcloud-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to stop after its current round."""
        self._stopping.set()
        self._wake.set()

    def join(self, timeout: float) -> None:
        """Wait (bounded) for the thread to end."""
        if self._thread is not None:
            self._thread.join(timeout)

    def kick(self) -> None:
        """Poll now rather than after the backoff (something was written)."""
        self._wake.set()

    def wakes_on(self, write: Write) -> bool:  # noqa: ARG002 (subclasses look at it)
        """Whether `write` may give this poller work (one not woken still polls on its backoff,
        at most MAX_INTERVAL apart)."""
        return True

    def idle_since(self, mark: float) -> bool:
        """True when a poll that started after `mark` found nothing and nothing is pending."""
        return self._idle_poll_started > mark and not self.pending()

    @property
    def stopping(self) -> bool:
        """Whether stop() was called."""
        return self._stopping.is_set()

    def _report(self, exc: Exception) -> None:
        # The same failure every second (a deleted queue) is logged once, not once a round.
        message = f"{type(exc).__name__}: {exc}"
        if message != self._last_error:
            logger.exception("localcloud: poller %s failed a round", self.name)
        self._last_error = message
        self.reset()

    def reset(self) -> None:
        """Forget cached positions after a failed round (they may point at a deleted resource)."""

    def _run(self) -> None:
        interval = MIN_INTERVAL
        while not self._stopping.is_set():
            started = time.monotonic()
            try:
                worked = self.poll()
                self._last_error = ""
            except Exception as exc:  # a poller thread must survive anything a round throws
                self.errors += 1
                worked = False
                self._report(exc)
            if worked:
                self._activity.touch()
                interval = MIN_INTERVAL
                continue
            if not self.pending():
                self._idle_poll_started = started
                interval = min(interval * 2, MAX_INTERVAL)
            else:
                interval = MIN_INTERVAL
            self._wake.wait(interval)
            self._wake.clear()


def subscribed_to_sns(account_id: str, region: str, queue_arn: str) -> Callable[[], bool]:
    """A check whether any SNS subscription delivers to `queue_arn` (read from moto's state)."""

    def check() -> bool:
        from moto.sns.models import sns_backends

        try:
            backend = sns_backends[account_id][region]
            subscriptions = list(backend.subscriptions.values())
        except Exception:  # resized meanwhile: wake up rather than miss a message
            return True
        return any(sub.protocol == "sqs" and sub.endpoint == queue_arn for sub in subscriptions)

    return check


def trim_tracked(model: Any, keep: int = 1000) -> None:
    """Bound moto's list of every instance of `model` it ever made (kept for its dashboard).

    Pollers make new ones every round (shard iterators, copies of received messages); in a
    long session the list would only grow.
    """
    tracked = getattr(model, "instances_tracked", None)
    if isinstance(tracked, list) and len(tracked) > 2 * keep:
        del tracked[:-keep]


def _matcher(filters: Sequence[Mapping[str, Any]]) -> Callable[[Mapping[str, Any]], bool]:
    """Lambda's FilterCriteria: a record passes when any one pattern matches it."""
    if not filters:
        return lambda _record: True
    from moto.events.models import EventPattern  # moto's EventBridge pattern engine

    patterns = [EventPattern.load(str(item["Pattern"])) for item in filters]

    def passes(record: Mapping[str, Any]) -> bool:
        event: Any = dict(record)
        return any(pattern.matches_event(event) for pattern in patterns)

    return passes


def _batch_item_failures(outcome: Outcome, ids: Sequence[str]) -> list[str] | None:
    """The failed ids a ReportBatchItemFailures response names; None means the whole batch."""
    result = outcome.result
    if result is None or result == {}:
        return []
    if not isinstance(result, Mapping):
        return []
    failures = result.get("batchItemFailures")
    if failures is None:
        return []
    if not isinstance(failures, list):
        return None
    named: list[str] = []
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        if not identifier or identifier not in ids:
            return None  # Lambda treats an invalid response as a failure of the whole batch
        named.append(str(identifier))
    return named


# ---------------------------------------------------------------------- DynamoDB Streams


@dataclass(frozen=True)
class StreamOptions:
    """An `Events: Type: DynamoDB` entry."""

    stream_arn: str
    starting_position: str = "LATEST"
    batch_size: int = 100
    batching_window: float = 0.0
    max_retries: int = -1
    bisect: bool = False
    report_item_failures: bool = False
    on_failure: str | None = None
    filters: tuple[Mapping[str, Any], ...] = ()


class Checkpoints:
    """Last processed sequence number per (function, stream, shard); saved with the snapshot."""

    def __init__(self, on_change: Callable[[], None]) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, str] = {}
        self._on_change = on_change

    def get(self, key: str) -> str | None:
        """The checkpoint for `key`."""
        with self._lock:
            return self._values.get(key)

    def set(self, key: str, sequence_number: str) -> None:
        """Move the checkpoint for `key`."""
        with self._lock:
            if self._values.get(key) == sequence_number:
                return
            self._values[key] = sequence_number
        self._on_change()

    def dump(self) -> dict[str, str]:
        """A copy for the snapshot."""
        with self._lock:
            return dict(self._values)

    def load(self, values: Mapping[str, str]) -> None:
        """Restore from a snapshot."""
        with self._lock:
            self._values = dict(values)


@dataclass
class _Shard:
    shard_id: str
    iterator: str | None = None
    buffer: list[dict[str, Any]] = field(default_factory=list)
    buffer_started: float = 0.0
    read_upto: str | None = None
    drained_at: float = 0.0  # when a read last came back short (the shard had nothing more)


class StreamPoller(Poller):
    """A DynamoDB stream event source mapping: batches, partial failures, retries, bisection."""

    def wakes_on(self, write: Write) -> bool:
        """Only a table write adds stream records."""
        return write.service in ("dynamodb", "")

    def __init__(
        self,
        *,
        function: LocalFunction,
        invoker: Invoker,
        clients: Clients,
        options: StreamOptions,
        checkpoints: Checkpoints,
        activity: Activity,
        state_lock: StateLock,
        account_id: str,
    ) -> None:
        super().__init__(f"{function.logical_id}-stream", activity)
        self.function = function
        self.options = options
        self._invoker = invoker
        self._clients = clients
        self._checkpoints = checkpoints
        self._state_lock = state_lock
        self._account_id = account_id
        self._shards: dict[str, _Shard] = {}
        self._passes = _matcher(options.filters)
        self._missing_logged = False
        self._deferred = False

    def reset(self) -> None:
        """Rediscover the shards and start again from the checkpoints."""
        self._shards = {}

    def _key(self, shard_id: str) -> str:
        return f"{self.function.logical_id}|{self.options.stream_arn}|{shard_id}"

    def pending(self) -> bool:
        """Records read but not yet handed over (the batching window), or a read held back."""
        return self._deferred or any(shard.buffer for shard in self._shards.values())

    def poll(self) -> bool:
        """Read each shard, and hand over full (or timed-out) batches."""
        self._deferred = False
        if not self._shards and not self._discover():
            return False
        worked = False
        for shard in self._shards.values():
            worked |= self._read(shard)
            due = shard.buffer and (
                len(shard.buffer) >= self.options.batch_size
                or time.monotonic() - shard.buffer_started >= self.options.batching_window
            )
            if due:
                self._process(shard)
                worked = True
        return worked

    def _discover(self) -> bool:
        try:
            description = self._clients.streams().describe_stream(StreamArn=self.options.stream_arn)[
                "StreamDescription"
            ]
        except ClientError as exc:
            if not self._missing_logged:
                logger.warning("localcloud: stream %s: %s", self.options.stream_arn, exc)
                self._missing_logged = True
            return False
        for shard in description.get("Shards", []):
            self._shards[shard["ShardId"]] = _Shard(shard["ShardId"])
        return bool(self._shards)

    def _iterator(self, shard: _Shard) -> str:
        if shard.iterator is None:
            streams = self._clients.streams()
            checkpoint = self._checkpoints.get(self._key(shard.shard_id))
            if checkpoint is not None:
                shard.iterator = streams.get_shard_iterator(
                    StreamArn=self.options.stream_arn,
                    ShardId=shard.shard_id,
                    ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                    SequenceNumber=checkpoint,
                )["ShardIterator"]
            else:
                shard.iterator = streams.get_shard_iterator(
                    StreamArn=self.options.stream_arn,
                    ShardId=shard.shard_id,
                    ShardIteratorType=self.options.starting_position,  # type: ignore[arg-type]
                )["ShardIterator"]
        return shard.iterator

    def _read(self, shard: _Shard) -> bool:
        room = self.options.batch_size - len(shard.buffer)
        if room <= 0:
            return False
        if time.monotonic() - shard.drained_at < SHARD_READ_INTERVAL:
            # Lambda polls a drained shard four times a second, not once per write.
            self._deferred = True
            return False
        iterator = self._iterator(shard)
        limit = min(room, 1000)
        response = self._clients.streams().get_records(ShardIterator=iterator, Limit=limit)
        shard.iterator = response.get("NextShardIterator")
        self._forget_iterator(iterator)
        records = response.get("Records", [])
        if len(records) < limit:
            shard.drained_at = time.monotonic()
        if not records:
            return False
        for raw in records:
            record = stream_record(raw, stream_arn=self.options.stream_arn, region=self._clients.region)
            shard.read_upto = record["dynamodb"]["SequenceNumber"]
            if not self._passes(record):
                continue
            if not shard.buffer:
                shard.buffer_started = time.monotonic()
            shard.buffer.append(record)
        if not shard.buffer and shard.read_upto is not None:
            # Everything read was filtered out: Lambda moves past it.
            self._checkpoints.set(self._key(shard.shard_id), shard.read_upto)
        return True

    def _forget_iterator(self, iterator: str) -> None:
        # moto keeps every iterator it ever handed out (and would pickle them all): drop ours.
        from moto.dynamodbstreams.models import ShardIterator, dynamodbstreams_backends

        with self._state_lock.shared():
            backend = dynamodbstreams_backends[self._account_id][self._clients.region]
            backend.shard_iterators.pop(iterator, None)
        trim_tracked(ShardIterator)

    def _process(self, shard: _Shard) -> None:
        batch, shard.buffer = shard.buffer, []
        work: deque[tuple[list[dict[str, Any]], int, int]] = deque([(batch, 0, 0)])
        while work and not self.stopping:
            records, retries, invokes = work.popleft()
            outcome = self._invoker.invoke(self.function, {"Records": records})
            self.invocations += 1
            invokes += 1
            failed_from = self._failed_from(records, outcome)
            if failed_from is None:
                self._checkpoint(shard, records[-1])
                continue
            succeeded, remaining = records[:failed_from], records[failed_from:]
            if succeeded:
                self._checkpoint(shard, succeeded[-1])
            if not outcome.ok and self.options.bisect and len(remaining) > 1:
                # Splitting does not consume the retry quota (as in AWS).
                half = len(remaining) // 2
                # extendleft reverses: the first half ends up first in line.
                work.extendleft([(remaining[half:], retries, 0), (remaining[:half], retries, 0)])
                continue
            retries += 1
            if 0 <= self.options.max_retries < retries:
                self._discard(shard, remaining, invokes, outcome)
                continue
            self._stopping.wait(min(0.05 * 2**retries, 2.0))
            work.appendleft((remaining, retries, invokes))
        if shard.read_upto is not None and not work and not self.stopping:
            self._checkpoints.set(self._key(shard.shard_id), shard.read_upto)

    def _failed_from(self, records: list[dict[str, Any]], outcome: Outcome) -> int | None:
        """Index of the first record to retry, or None when the whole batch succeeded."""
        if not outcome.ok:
            return 0
        if not self.options.report_item_failures:
            return None
        sequence_numbers = [record["dynamodb"]["SequenceNumber"] for record in records]
        failures = _batch_item_failures(outcome, sequence_numbers)
        if failures is None:
            return 0
        if not failures:
            return None
        return min(sequence_numbers.index(identifier) for identifier in failures)

    def _checkpoint(self, shard: _Shard, record: Mapping[str, Any]) -> None:
        self._checkpoints.set(self._key(shard.shard_id), record["dynamodb"]["SequenceNumber"])

    def _discard(self, shard: _Shard, records: list[dict[str, Any]], invokes: int, outcome: Outcome) -> None:
        self._checkpoint(shard, records[-1])
        destination = self.options.on_failure
        logger.warning(
            "localcloud: %s gave up on %d stream record(s) after %d attempt(s)%s",
            self.function.logical_id,
            len(records),
            invokes,
            f"; sent to {destination}" if destination else "; dropped",
        )
        if destination is None:
            return
        record = stream_failure_record(
            function_arn=self.function.arn,
            stream_arn=self.options.stream_arn,
            shard_id=shard.shard_id,
            records=records,
            invoke_count=invokes,
            function_error=None if outcome.ok else "Unhandled",
        )
        send_to_destination(self._clients, destination, json.dumps(record))


# ---------------------------------------------------------------------- SQS


# Writes to these services never put a message on a queue (their deliveries, such as a stream
# batch's failure record or SES feedback on SNS, are separate SQS/SNS calls that do wake us).
_NEVER_ENQUEUES = frozenset({"dynamodb", "ses", "ssm", "cognito-idp", "scheduler", "execute-api"})


class _QueuePollerBase(Poller):
    """Shared by the pollers that read an SQS queue."""

    def wakes_on(self, write: Write) -> bool:
        """A write to this queue, or to what delivers to queues (SNS, EventBridge, S3, ...)."""
        if write.service == "sqs":
            return write.queue is None or write.queue == self.queue_name
        if self.fed_by is not None:
            return write.service in self.fed_by or not write.service
        if write.service == "sns" and self.sns_fed is not None:
            return self.sns_fed()
        return write.service not in _NEVER_ENQUEUES

    def __init__(
        self,
        name: str,
        *,
        queue_url: str,
        clients: Clients,
        activity: Activity,
        fed_by: frozenset[str] | None = None,
    ):
        super().__init__(name, activity)
        self.queue_url = queue_url
        # The services that deliver into this (local) queue besides SQS; None: any may.
        self.fed_by = fed_by
        # Whether an SNS topic delivers here now (None: assume so).
        self.sns_fed: Callable[[], bool] | None = None
        self.queue_name = queue_url.rstrip("/").rsplit("/", 1)[-1]
        self._clients = clients
        self._retry_pending = False

    def pending(self) -> bool:
        """Messages we left for redelivery that have not come back yet."""
        return self._retry_pending

    def _receive(self, count: int) -> list[dict[str, Any]]:
        response = self._clients.sqs().receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max(1, min(count, 10)),
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        )
        messages = [dict(message) for message in response.get("Messages", [])]
        if messages:
            from moto.sqs.models import Message

            trim_tracked(Message)
        if not messages and self._retry_pending:
            self._retry_pending = self._queue_busy()
        return messages

    def _queue_busy(self) -> bool:
        attributes = self._clients.sqs().get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ],
        )["Attributes"]
        return any(int(value) for value in attributes.values())

    def _delete(self, receipts: Iterable[str]) -> None:
        entries = [{"Id": str(i), "ReceiptHandle": r} for i, r in enumerate(receipts)]
        for start in range(0, len(entries), 10):
            self._clients.sqs().delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=entries[start : start + 10],  # type: ignore[arg-type]
            )

    def _retry_soon(self, receipts: Iterable[str]) -> None:
        entries = [
            {"Id": str(i), "ReceiptHandle": r, "VisibilityTimeout": LOCAL_RETRY_VISIBILITY}
            for i, r in enumerate(receipts)
        ]
        for start in range(0, len(entries), 10):
            self._clients.sqs().change_message_visibility_batch(
                QueueUrl=self.queue_url,
                Entries=entries[start : start + 10],  # type: ignore[arg-type]
            )
        if entries:
            self._retry_pending = True


@dataclass(frozen=True)
class QueueOptions:
    """An `Events: Type: SQS` entry."""

    queue_arn: str
    batch_size: int = 10
    batching_window: float = 0.0
    report_item_failures: bool = False
    filters: tuple[Mapping[str, Any], ...] = ()


class QueuePoller(_QueuePollerBase):
    """An SQS event source mapping: batches; failures go back to the queue (and its DLQ)."""

    def __init__(
        self,
        *,
        function: LocalFunction,
        invoker: Invoker,
        clients: Clients,
        queue_url: str,
        options: QueueOptions,
        activity: Activity,
    ) -> None:
        super().__init__(
            f"{function.logical_id}-sqs", queue_url=queue_url, clients=clients, activity=activity
        )
        self.function = function
        self.options = options
        self._invoker = invoker
        self._passes = _matcher(options.filters)
        self._buffer: list[dict[str, Any]] = []
        self._buffer_started = 0.0

    def pending(self) -> bool:
        """A batch being gathered, or messages awaiting redelivery."""
        return bool(self._buffer) or super().pending()

    def poll(self) -> bool:
        """Gather a batch, hand it over, delete what succeeded."""
        worked = False
        room = self.options.batch_size - len(self._buffer)
        if room > 0:
            messages = self._receive(room)
            filtered_out = []
            for message in messages:
                record = sqs_record(message, queue_arn=self.options.queue_arn, region=self._clients.region)
                if not self._passes(_with_parsed_body(record)):
                    filtered_out.append(record["receiptHandle"])
                    continue
                if not self._buffer:
                    self._buffer_started = time.monotonic()
                self._buffer.append(record)
            self._delete(filtered_out)  # Lambda deletes messages its filters drop
            worked = bool(messages)
        due = self._buffer and (
            len(self._buffer) >= self.options.batch_size
            or time.monotonic() - self._buffer_started >= self.options.batching_window
        )
        if due:
            self._hand_over()
            worked = True
        return worked

    def _hand_over(self) -> None:
        records, self._buffer = self._buffer, []
        outcome = self._invoker.invoke(self.function, {"Records": records})
        self.invocations += 1
        ids = [record["messageId"] for record in records]
        failed: set[str]
        if not outcome.ok:
            failed = set(ids)
        elif self.options.report_item_failures:
            named = _batch_item_failures(outcome, ids)
            failed = set(ids) if named is None else set(named)
        else:
            failed = set()
        self._delete(r["receiptHandle"] for r in records if r["messageId"] not in failed)
        self._retry_soon(r["receiptHandle"] for r in records if r["messageId"] in failed)


def _with_parsed_body(record: Mapping[str, Any]) -> dict[str, Any]:
    """Lambda filters on `body` as JSON when it is JSON."""
    shaped = dict(record)
    try:
        shaped["body"] = json.loads(record["body"])
    except (TypeError, ValueError):
        pass
    return shaped


# ---------------------------------------------------------------------- async deliveries


Unwrap = Callable[[Mapping[str, Any]], Any]


def eventbridge_event(message: Mapping[str, Any]) -> Any:
    """The EventBridge envelope carried by a rule's local queue."""
    return eventbridge_envelope(json.loads(message["Body"]))


def s3_event(message: Mapping[str, Any]) -> Any:
    """The S3 notification carried by a bucket's local queue (None for s3:TestEvent)."""
    event = json.loads(message["Body"])
    if event.get("Event") == "s3:TestEvent" or "Records" not in event:
        return None
    for record in event["Records"]:
        s3_object = record.get("s3", {}).get("object", {})
        if "key" in s3_object:
            # moto encodes '/' too; S3 leaves it (and encodes the rest form-style).
            s3_object["key"] = quote_plus(unquote_plus(s3_object["key"]), safe="/")
    return event


class AsyncQueuePoller(_QueuePollerBase):
    """Lambda's asynchronous invocation, fed from a local queue: one event per call."""

    def __init__(
        self,
        *,
        name: str,
        function: LocalFunction,
        invoker: Invoker,
        clients: Clients,
        queue_url: str,
        unwrap: Unwrap,
        max_attempts: int,
        has_redrive: bool,
        activity: Activity,
        fed_by: frozenset[str] | None = None,
    ) -> None:
        super().__init__(name, queue_url=queue_url, clients=clients, activity=activity, fed_by=fed_by)
        self.function = function
        self._invoker = invoker
        self._unwrap = unwrap
        self._max_attempts = max_attempts
        self._has_redrive = has_redrive

    def poll(self) -> bool:
        """Invoke once per message; delete on success, leave for redelivery on failure."""
        messages = self._receive(10)
        for message in messages:
            if self.stopping:
                break
            self._deliver(message)
        return bool(messages)

    def _deliver(self, message: Mapping[str, Any]) -> None:
        receipt = message["ReceiptHandle"]
        try:
            event = self._unwrap(message)
        except ValueError:
            logger.warning("localcloud: %s: dropping unreadable message %s", self.name, message)
            self._delete([receipt])
            return
        if event is None:
            self._delete([receipt])
            return
        outcome = self._invoker.invoke(self.function, event)
        self.invocations += 1
        if outcome.ok:
            self._delete([receipt])
            return
        attempts = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        if attempts < self._max_attempts:
            self._retry_soon([receipt])
            return
        destination = self.function.async_on_failure
        if destination is not None:
            # Lambda's on-failure destination receives an invocation record, not the event.
            record = async_failure_record(
                function_arn=self.function.arn,
                payload=event,
                invoke_count=attempts,
                error=outcome.error or {},
            )
            send_to_destination(self._clients, destination, json.dumps(record))
            self._delete([receipt])
            logger.warning("localcloud: %s failed %d times; sent to %s", self.name, attempts, destination)
        elif self._has_redrive:
            self._retry_soon([receipt])  # the queue's RedrivePolicy moves it to the DLQ
        else:
            self._delete([receipt])
            logger.warning("localcloud: %s failed %d times; event dropped", self.name, attempts)


class ConsolePoller(_QueuePollerBase):
    """Drains the catch-all rules' queue into a bounded list of recent events."""

    def __init__(self, *, queue_url: str, clients: Clients, activity: Activity, keep: int = 200) -> None:
        super().__init__(
            "console", queue_url=queue_url, clients=clients, activity=activity, fed_by=frozenset({"events"})
        )
        self.events: deque[dict[str, Any]] = deque(maxlen=keep)
        self._lock = threading.Lock()
        # Told about each event as it arrives (the cloud's trail keeps them by correlation id).
        self.on_event: Callable[[dict[str, Any]], None] | None = None

    def poll(self) -> bool:
        """Move every waiting event into the list."""
        messages = self._receive(10)
        for message in messages:
            try:
                event = eventbridge_envelope(json.loads(message["Body"]))
            except ValueError:
                continue
            with self._lock:
                self.events.append(event)
            if self.on_event is not None:
                self.on_event(event)
        self._delete(message["ReceiptHandle"] for message in messages)
        return bool(messages)

    def recent(self) -> list[dict[str, Any]]:
        """The events, newest first."""
        with self._lock:
            return list(reversed(self.events))

    def load(self, events: Iterable[dict[str, Any]]) -> None:
        """Restore (oldest first) from a snapshot."""
        with self._lock:
            self.events.extend(events)
