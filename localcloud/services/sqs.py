"""SQS: queues and queue policies, and the pollers that read queues (Lambda's SQS event source).

A queue poller receives through boto3, builds the record shape Lambda builds, calls the function
in-process and applies Lambda's rules: partial batch failures, failed messages visible again
after `LOCAL_RETRY_VISIBILITY` seconds, the queue's own RedrivePolicy moving them to its DLQ.
Whether a receive would find anything is read from moto's queue first (`QueuePeek`): a poller
asks for messages only when one is visible, as an empty receive changes nothing and no observer
sees one (the meter bills a poller's receive only when it returns messages; IAM, the faults and
the trail skip the cloud's own calls).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from localcloud.clients import Clients, queue_url
from localcloud.context import Core, Fed, ProvisionContext, Provisioned
from localcloud.dispatch import Write
from localcloud.functions import Invoker, LocalFunction
from localcloud.pollers import (
    MAX_INTERVAL,
    QUIET_INTERVAL,
    Activity,
    Poller,
    batch_item_failures,
    matcher,
    trim_tracked,
)
from localcloud.services.properties import attribute_text, error_code, filters, tags
from localcloud.shapes import sqs_record
from localcloud.template import ResourceSpec

# Locally a failed message is visible again after this long (SQS would wait out the queue's
# VisibilityTimeout, 30 s by default): retries, and the redrive to a DLQ, happen in seconds.
LOCAL_RETRY_VISIBILITY = 1

_QUEUE_ATTRIBUTES = (
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "DelaySeconds",
    "FifoQueue",
    "FifoThroughputLimit",
    "KmsDataKeyReusePeriodSeconds",
    "KmsMasterKeyId",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "RedriveAllowPolicy",
    "RedrivePolicy",
    "SqsManagedSseEnabled",
    "VisibilityTimeout",
)


def ensure_queue(clients: Clients, name: str, attributes: Mapping[str, str]) -> tuple[str, str]:
    """Create the queue, or bring an existing one's attributes in line; (url, status)."""
    sqs = clients.sqs()
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except ClientError as exc:
        if error_code(exc) not in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
            raise
        return sqs.create_queue(QueueName=name, Attributes=dict(attributes))["QueueUrl"], "created"  # type: ignore[arg-type]
    current = queue_attributes(clients, url)
    # FifoQueue cannot be set after creation; everything else can.
    changed = {
        key: value
        for key, value in attributes.items()
        if key != "FifoQueue" and _normalised(current.get(key)) != _normalised(value)
    }
    if changed:
        sqs.set_queue_attributes(QueueUrl=url, Attributes=changed)  # type: ignore[arg-type]
        return url, "updated"
    return url, "exists"


def queue_attributes(clients: Clients, url: str) -> dict[str, str]:
    """Every attribute of the queue at `url`, as plain strings."""
    response = clients.sqs().get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    return {str(key): str(value) for key, value in response.get("Attributes", {}).items()}


def _normalised(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value


def queue_arn(clients: Clients, url: str) -> str:
    """The ARN of the queue at `url`."""
    attributes = clients.sqs().get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])


def provision_queue(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A queue with its attributes (RedrivePolicy included)."""
    fifo = bool(props.get("FifoQueue"))
    name = str(props.get("QueueName") or ctx.default_name(spec, max_length=75))
    if fifo and not name.endswith(".fifo"):
        name += ".fifo"
    attributes = {key: attribute_text(props[key]) for key in _QUEUE_ATTRIBUTES if key in props}
    url, status = ensure_queue(ctx.clients, name, attributes)
    if props.get("Tags"):
        ctx.clients.sqs().tag_queue(QueueUrl=url, Tags={t["Key"]: t["Value"] for t in tags(props)})
    arn = queue_arn(ctx.clients, url)
    return Provisioned(ref=url, attributes={"Arn": arn, "QueueName": name, "QueueUrl": url}, status=status)


def provision_queue_policy(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A policy on each listed queue (stored; moto does not enforce it)."""
    policy = json.dumps(props["PolicyDocument"])
    for url in props.get("Queues", []):
        ctx.clients.sqs().set_queue_attributes(QueueUrl=str(url), Attributes={"Policy": policy})
    return Provisioned(ref=spec.logical_id, status="updated", detail="stored, not enforced")


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


# Writes to these services never put a message on a queue (their deliveries, such as a stream
# batch's failure record or SES feedback on SNS, are separate SQS/SNS calls that do wake us).
_NEVER_ENQUEUES = frozenset({"dynamodb", "ses", "ssm", "cognito-idp", "scheduler", "execute-api"})


@dataclass(frozen=True)
class QueuePeek:
    """A look at one queue in moto's state (under the shared state lock): no request, no receive."""

    core: Core
    queue_name: str

    @classmethod
    def of(cls, core: Core, url: str) -> QueuePeek:
        """The peek at the queue at `url`."""
        return cls(core, url.rstrip("/").rsplit("/", 1)[-1])

    def _messages(self) -> list[Any] | None:
        from moto.sqs.models import sqs_backends

        queue = sqs_backends[self.core.account_id][self.core.region].queues.get(self.queue_name)
        return None if queue is None else list(queue._messages)

    def visible(self) -> bool:
        """Whether a receive could return a message now (a gone queue: True, the receive says why)."""
        from moto.core.utils import unix_time_millis

        with self.core.state_lock.shared():
            messages = self._messages()
        if messages is None:
            return True
        now = unix_time_millis()
        return any(now > m.visible_at and now >= m.delayed_until for m in messages)

    def busy(self) -> bool:
        """Whether it holds any message: visible, in flight or delayed (SQS's three counters)."""
        with self.core.state_lock.shared():
            messages = self._messages()
        return messages is None or bool(messages)


class QueueReader(Poller):
    """What every poller that reads an SQS queue shares: receive, delete, retry soon, wake-ups."""

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
        peek: QueuePeek,
        fed_by: frozenset[str] | None = None,
    ):
        super().__init__(name, activity)
        self.queue_url = queue_url
        self._peek = peek
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

    def idle_cap(self) -> float:
        """Messages arrive with requests that wake this poller, unless some are delayed or in flight
        (they become visible with no request)."""
        return MAX_INTERVAL if self._peek.busy() else QUIET_INTERVAL

    def _receive(self, count: int) -> list[dict[str, Any]]:
        if not self._peek.visible():  # the receive would be empty: no request
            if self._retry_pending:
                self._retry_pending = self._peek.busy()
            return []
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
            self._retry_pending = self._peek.busy()
        return messages

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


class QueuePoller(QueueReader):
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
        peek: QueuePeek,
    ) -> None:
        super().__init__(
            f"{function.logical_id}-sqs", queue_url=queue_url, clients=clients, activity=activity, peek=peek
        )
        self.function = function
        self.options = options
        self._invoker = invoker
        self._passes = matcher(options.filters)
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
            named = batch_item_failures(outcome, ids)
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


def feed_from_queue(
    ctx: ProvisionContext, function: LocalFunction, event_name: str, props: Mapping[str, Any]
) -> Fed:
    """`Events: Type: SQS`: a queue poller with the mapping's batch size, window and filters."""
    del event_name
    if props.get("Enabled") is False:
        return Fed("disabled")
    arn = str(props["Queue"])
    options = QueueOptions(
        queue_arn=arn,
        batch_size=int(props.get("BatchSize", 10)),
        batching_window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
        report_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
        filters=filters(props),
    )
    core = ctx.core
    url = queue_url(core.clients, arn)
    poller = QueuePoller(
        function=function,
        invoker=core.invoker,
        clients=core.clients,
        queue_url=url,
        options=options,
        activity=core.activity,
        peek=QueuePeek.of(core, url),
    )
    poller.sns_fed = subscribed_to_sns(core.account_id, core.region, arn)
    how = (
        f"SQS poller (batch {options.batch_size}"
        f"{', partial batch failures' if options.report_item_failures else ''}); failures are "
        "visible again after 1 s and reach the queue's DLQ through its RedrivePolicy"
    )
    return Fed(how, [poller])
