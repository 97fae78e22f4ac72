"""The meter: every AWS request the app makes, and what AWS would bill for it, per run and correlation id.

An observer on the dispatcher's seam (`localcloud.calls`) plus a timing invoker. What needs the
cloud's internals is here (the items moto holds before and after a write, the executions'
history); how requests become billed units is `pricing.units`, which any caller can use.

Counted: the app's and the functions' requests; of the cloud's own requests only the SQS ones an
event source mapping makes on AWS too (receives that return messages, deletes), since AWS bills
those. Empty long polls depend on local timing, so they are left out (AWS bills them as a fixed
idle cost per queue). Lambda invocations and their GB-seconds come from the invoker (configured
memory × measured duration); Step Functions transitions from each started execution's history,
read when a usage is asked for. A correlation id is the first `correlation_id` in a request's
parameters, else the one in the running invocation's event, else the first one a request of
that invocation carried.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from localcloud.calls import Call
from localcloud.clients import Clients
from localcloud.functions import CURRENT_INVOCATION, Invoker, LocalFunction
from localcloud.replay import _correlation_of
from localcloud.server import WsgiResponse
from localcloud.services.events import CONSOLE_QUEUE
from pricing import units

logger = logging.getLogger("localcloud")

KEEP_CORRELATIONS = 2000
_READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})
_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
_SQS_INTERNAL = frozenset(
    {"ReceiveMessage", "DeleteMessage", "DeleteMessageBatch", "ChangeMessageVisibility",
     "ChangeMessageVisibilityBatch"}
)  # fmt: skip
_SES_SENDS = frozenset({"SendEmail", "SendRawEmail", "SendTemplatedEmail"})
_S3_TIER1_PREFIXES = ("Put", "Copy", "Post", "List", "CreateMultipartUpload", "UploadPart", "Complete")
History = Callable[[str], list[Mapping[str, Any]]]


@dataclass
class Usage:
    """Requests by `service:Operation` and billed units by meter name (`pricing.units.METERS`)."""

    requests: Counter[str] = field(default_factory=Counter)
    units: dict[str, float] = field(default_factory=dict)
    invocations: Counter[str] = field(default_factory=Counter)  # by function logical id
    executions: list[str] = field(default_factory=list)

    def add(self, other: Usage) -> None:
        """Fold `other` into this usage."""
        self.requests.update(other.requests)
        self.invocations.update(other.invocations)
        for name, value in other.units.items():
            self.units[name] = self.units.get(name, 0.0) + value
        self.executions.extend(other.executions)

    def count(self, name: str, value: float) -> None:
        """Add `value` billed units of the meter `name`."""
        self.units[name] = self.units.get(name, 0.0) + value

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: requests by service and operation, units by meter."""
        by_service: dict[str, dict[str, int]] = {}
        for key, count in sorted(self.requests.items()):
            service, _, operation = key.partition(":")
            by_service.setdefault(service, {})[operation] = count
        return {
            "requests": by_service,
            "invocations": dict(sorted(self.invocations.items())),
            "units": {name: round(self.units[name], 6) for name in units.METERS if name in self.units},
        }


class Run:
    """What the meter saw between `Meter.run` starting and ending (transitions read on `usage`)."""

    def __init__(self, name: str, meter: Meter) -> None:
        self.name = name
        self._meter = meter
        self._usage = Usage()
        self._by_source: dict[str, Usage] = {}

    def _add(self, usage: Usage, source: str) -> None:
        self._usage.add(usage)
        self._by_source.setdefault(source, Usage()).add(usage)

    def usage(self) -> Usage:
        """A copy of the run's usage, with the transitions of its executions so far."""
        return self._meter.complete(self._usage)

    def by_source(self) -> dict[str, Usage]:
        """The run's usage by who caused it: a function's logical id, `queue:<name>` (an event
        source mapping's polling), or `app` (the API and scripts)."""
        return {source: self._meter.complete(usage) for source, usage in sorted(self._by_source.items())}


class Meter:
    """Counts requests and billed units (thread-safe); `cloud.meter` of an embedded cloud."""

    def __init__(self, *, account_id: str, region: str) -> None:
        self._account_id = account_id
        self._region = region
        self._lock = threading.Lock()
        self._total = Usage()
        self._runs: list[Run] = []
        self._by_correlation: OrderedDict[str, Usage] = OrderedDict()
        self._learned: OrderedDict[str, str] = OrderedDict()  # invocation id -> correlation id
        self._labels: dict[str, str] = {}  # correlation id -> the API request that began it
        # invocation id -> its event's own correlation id, or None: an event is read once (a
        # batch of 100 SES events without one was parsed again at every call its handler made)
        self._in_event: OrderedDict[str, str | None] = OrderedDict()
        self._before: dict[int, list[Stored]] = {}  # id(call) -> the items a write replaces
        self._history: History | None = None

    def connect(self, history: History) -> None:
        """How to read an execution's history (the cloud's own client, so never metered)."""
        self._history = history

    # ------------------------------------------------------------------ reading

    @contextmanager
    def run(self, name: str = "run") -> Iterator[Run]:
        """Meter everything from now until the block ends."""
        run = Run(name, self)
        with self._lock:
            self._runs.append(run)
        try:
            yield run
        finally:
            with self._lock:
                self._runs.remove(run)

    def total(self) -> Usage:
        """Everything since the cloud started."""
        with self._lock:
            usage = Usage()
            usage.add(self._total)
        return self.complete(usage)

    def for_correlation(self, correlation_id: str) -> Usage:
        """Everything metered under `correlation_id` (the latest ids only)."""
        with self._lock:
            usage = Usage()
            usage.add(self._by_correlation.get(correlation_id, Usage()))
        return self.complete(usage)

    def recent(self, limit: int) -> list[tuple[str, str, Usage]]:
        """The latest correlation ids metered, newest first: (id, what began it, usage)."""
        with self._lock:
            latest = list(self._by_correlation.items())[-limit:][::-1]
            rows = [(cid, self._labels.get(cid, ""), usage) for cid, usage in latest]
        return [(cid, label, self.complete(usage)) for cid, label, usage in rows]

    def complete(self, usage: Usage) -> Usage:
        """A copy of `usage` with the state transitions of its executions, read now."""
        with self._lock:
            done = Usage()
            done.add(usage)
        if self._history is not None and done.executions:
            done.count("sfn_transitions", sum(self._transitions(arn) for arn in set(done.executions)))
        return done

    def _transitions(self, arn: str) -> int:
        assert self._history is not None
        try:
            return transitions(self._history(arn))
        except Exception:  # an execution moto no longer knows has no transitions to read
            logger.warning("localcloud: no history for %s", arn, exc_info=True)
            return 0

    # ------------------------------------------------------------------ recording

    def _record(self, usage: Usage, correlation_id: str | None, source: str) -> None:
        with self._lock:
            self._total.add(usage)
            for run in self._runs:
                run._add(usage, source)
            if correlation_id:
                kept = self._by_correlation.setdefault(correlation_id, Usage())
                self._by_correlation.move_to_end(correlation_id)
                kept.add(usage)
                while len(self._by_correlation) > KEEP_CORRELATIONS:
                    gone, _ = self._by_correlation.popitem(last=False)
                    self._labels.pop(gone, None)

    def record_http_request(self, method: str, path: str, size: int, correlation_id: str | None) -> None:
        """One request through the HTTP API (`size`: request plus response bytes, billed per 512 KB).

        The first request of a correlation id names it in the console (`POST /api/campaigns/.../send`).
        """
        usage = Usage()
        usage.requests["apigateway:HttpApiRequest"] += 1
        usage.count("apigw_http_requests", units.chunks(size, units.HTTP_API_CHUNK_BYTES))
        if correlation_id:
            with self._lock:
                self._labels.setdefault(correlation_id, f"{method} {path}")
        self._record(usage, correlation_id, "HttpApi")

    def record_ws_message(self, size: int) -> None:
        """A frame a client sent up a WebSocket, or a route's reply (the pushes are PostToConnection)."""
        usage = Usage()
        usage.requests["apigateway:WebSocketMessage"] += 1
        usage.count("apigw_ws_messages", units.chunks(size, units.WEBSOCKET_CHUNK_BYTES))
        self._record(usage, None, "WebSocketApi")

    def record_ws_connection(self, seconds: float) -> None:
        """A socket that closed after `seconds` connected."""
        usage = Usage()
        usage.requests["apigateway:WebSocketConnection"] += 1
        usage.count("apigw_ws_connection_minutes", units.connection_minutes(seconds))
        self._record(usage, None, "WebSocketApi")

    def record_invocation(self, function: LocalFunction, event: Any, seconds: float) -> None:
        """One Lambda invocation of `function` that ran `seconds` (billed, whether it failed or not)."""
        usage = Usage()
        usage.invocations[function.logical_id] += 1
        usage.count("lambda_requests", 1)
        usage.count("lambda_gb_seconds", units.gb_seconds(function.memory_mb, seconds))
        self._record(usage, _correlation_of(event), function.logical_id)

    def _correlation(self, call: Call) -> str | None:
        found = _correlation_of(call.params) if call.params else None
        invocation = CURRENT_INVOCATION.get()
        if invocation is None:
            return found
        with self._lock:
            known = self._learned.get(invocation.id)
            if known is None:
                known = self._event_correlation(invocation.id, invocation.event) or found
                if known is not None:
                    self._learned[invocation.id] = known
                    while len(self._learned) > KEEP_CORRELATIONS:
                        self._learned.popitem(last=False)
        return found or known

    def _event_correlation(self, invocation_id: str, event: Any) -> str | None:
        """The correlation id in an invocation's event (read once per invocation; lock held)."""
        if invocation_id in self._in_event:
            return self._in_event[invocation_id]
        found = self._in_event[invocation_id] = _correlation_of(event)
        while len(self._in_event) > KEEP_CORRELATIONS:
            self._in_event.popitem(last=False)
        return found

    # ------------------------------------------------------------------ the seam

    def before(self, call: Call) -> WsgiResponse | None:
        """Note the sizes of the items a DynamoDB write replaces (they bill as much as the new ones)."""
        if call.service == "dynamodb" and call.operation in _WRITES and call.params and not call.internal:
            stored = [self._stored_item(table, key) for table, key, _ in _write_targets(call)]
            with self._lock:
                if len(self._before) > KEEP_CORRELATIONS:  # answers that never came (a 500): forget
                    self._before.clear()
                self._before[id(call)] = stored
        return None

    def after(self, call: Call, response: WsgiResponse) -> None:
        """Count the request and what AWS bills for it."""
        with self._lock:
            before = self._before.pop(id(call), None)
        if not call.service or not call.operation or not self._counts(call, response):
            return
        usage = Usage()
        usage.requests[f"{call.service}:{call.operation}"] += 1
        if response.status < 400:
            self._bill(call, response, usage, before or [])
        elif call.service == "dynamodb" and _conditional_failure(response) and before is not None:
            # A write whose condition fails still consumes the write units of the item it read.
            usage.count("dynamodb_write_units", sum(units.write_units(old.size) for old in before))
        self._record(usage, self._correlation(call), _source(call))

    def _counts(self, call: Call, response: WsgiResponse) -> bool:
        if not call.internal:
            return True
        if call.service != "sqs" or call.operation not in _SQS_INTERNAL:
            return False
        if _source(call) == f"queue:{CONSOLE_QUEUE}":  # the dev console's own queue: not in AWS
            return False
        return call.operation != "ReceiveMessage" or bool(_json(response).get("Messages"))

    def _bill(self, call: Call, response: WsgiResponse, usage: Usage, before: list[Stored]) -> None:
        params = call.params or {}
        service = call.service
        if service == "dynamodb":
            if call.operation in _WRITES:
                self._bill_writes(call, usage, before)
            elif call.operation in _READS:
                _bill_reads(call.operation, params, _json(response), usage)
        elif service == "sqs":
            usage.count("sqs_requests", _sqs_requests(call.operation, params, _json(response)))
        elif service == "sns" and call.operation in ("Publish", "PublishBatch"):
            messages = params.get("PublishBatchRequestEntries") or [params]
            usage.count(
                "sns_requests",
                sum(
                    units.chunks(len(str(m.get("Message", "")).encode()), units.SQS_CHUNK_BYTES)
                    for m in messages
                ),
            )
        elif service in ("sesv2", "ses"):
            usage.count("ses_messages", _ses_messages(call.operation, params))
        elif service == "s3":
            tier = (
                "s3_tier1_requests" if call.operation.startswith(_S3_TIER1_PREFIXES) else "s3_tier2_requests"
            )
            usage.count(tier, 1)
        elif service == "events" and call.operation == "PutEvents":
            entries = params.get("Entries") or []
            usage.count(
                "eventbridge_events",
                sum(
                    units.chunks(len(json.dumps(e).encode()), units.EVENTBRIDGE_CHUNK_BYTES) for e in entries
                ),
            )
        elif service == "stepfunctions" and call.operation == "StartExecution":
            arn = _json(response).get("executionArn")
            if isinstance(arn, str):
                usage.executions.append(arn)
        elif service == "apigatewaymanagementapi" and call.operation == "PostToConnection":
            data = params.get("Data", b"")
            size = len(data) if isinstance(data, bytes | bytearray) else len(str(data).encode())
            usage.count("apigw_ws_messages", units.chunks(size, units.WEBSOCKET_CHUNK_BYTES))

    def _bill_writes(self, call: Call, usage: Usage, before: list[Stored]) -> None:
        transactional = call.operation == "TransactWriteItems"
        for index, (table, key, new_item) in enumerate(_write_targets(call)):
            old = before[index] if index < len(before) else Stored()
            new = self._stored_item(table, key) if new_item is None else _stored_of(new_item)
            size = max(old.size, new.size)
            written = units.write_units(size, transactional=transactional)
            # Each GSI the item is in (before or after the write) takes its own write.
            indexed = sum(1 for keys in self._index_keys(table) if keys <= old.names or keys <= new.names)
            usage.count("dynamodb_write_units", written + indexed * units.write_units(size))

    # ------------------------------------------------------------------ moto's items

    def _table(self, name: str) -> Any:
        from moto.dynamodb.models import dynamodb_backends

        try:
            return dynamodb_backends[self._account_id][self._region].get_table(name)
        except Exception:  # no such table: the request failed, nothing to bill
            return None

    def _stored_item(self, table_name: str, key: Mapping[str, Any] | None) -> Stored:
        from moto.dynamodb.models.dynamo_type import DynamoType

        table = self._table(table_name)
        if table is None or not key or table.hash_key_attr not in key:
            return Stored()
        hash_key = DynamoType(key[table.hash_key_attr])
        range_attr = table.range_key_attr
        range_key = DynamoType(key[range_attr]) if range_attr and range_attr in key else None
        try:
            item = table.get_item(hash_key, range_key)
        except Exception:  # a malformed key: moto answers the request with its error
            return Stored()
        return Stored() if item is None else _stored_of(item.attrs)  # moto's typed values, measured as such

    def _index_keys(self, table_name: str) -> list[set[str]]:
        table = self._table(table_name)
        return [set(gsi.schema_key_attrs) for gsi in table.global_indexes] if table is not None else []


@dataclass(frozen=True)
class Stored:
    """An item as DynamoDB bills it: its size and attribute names (empty: no item)."""

    size: int = 0
    names: frozenset[str] = frozenset()


def _stored_of(item: Mapping[str, Any]) -> Stored:
    return Stored(units.item_size(item), frozenset(item)) if item else Stored()


def history_of(clients: Clients) -> History:
    """An execution's whole history, read with the cloud's own (unmetered) client."""

    def read(arn: str) -> list[Mapping[str, Any]]:
        pages = clients.get("stepfunctions").get_paginator("get_execution_history").paginate(executionArn=arn)
        return [event for page in pages for event in page["events"]]

    return read


def transitions(events: Iterable[Mapping[str, Any]]) -> int:
    """State transitions AWS bills for an execution's history: each state entered, and each retry."""
    count = 0
    scheduled_in_state = 0
    for event in events:
        kind = str(event.get("type", ""))
        if kind.endswith("StateEntered"):
            count += 1
            scheduled_in_state = 0
        elif kind in ("TaskScheduled", "LambdaFunctionScheduled"):
            scheduled_in_state += 1
            if scheduled_in_state > 1:
                count += 1
    return count


class MeteredInvoker(Invoker):
    """The invoker, timing each invocation for the meter (Lambda bills the handler's duration)."""

    def __init__(self, *args: Any, meter: Meter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._meter = meter

    def call(self, function: LocalFunction, event: Any, *, replay_of: str | None = None) -> Any:
        """Call the handler (as the invoker does) and meter it, whether it returns or raises."""
        started = time.perf_counter()
        try:
            return super().call(function, event, replay_of=replay_of)
        finally:
            self._meter.record_invocation(function, event, time.perf_counter() - started)


# ---------------------------------------------------------------------- request shapes


def _source(call: Call) -> str:
    if call.caller is not None:
        return call.caller.logical_id
    url = (call.params or {}).get("QueueUrl")
    if call.internal and call.service == "sqs" and isinstance(url, str):
        return "queue:" + url.rstrip("/").rsplit("/", 1)[-1]
    return "app"


def _json(response: WsgiResponse) -> dict[str, Any]:
    try:
        body = json.loads(response.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _conditional_failure(response: WsgiResponse) -> bool:
    return b"ConditionalCheckFailed" in response.body


def _write_targets(call: Call) -> list[tuple[str, Mapping[str, Any] | None, Mapping[str, Any] | None]]:
    """(table, key, new item or None when the store decides it) for each item a write touches."""
    params = call.params or {}
    operation = call.operation
    if operation == "PutItem":
        item = params.get("Item") or {}
        return [(str(params.get("TableName")), item, item)]
    if operation in ("UpdateItem", "DeleteItem"):
        return [(str(params.get("TableName")), params.get("Key"), None if operation == "UpdateItem" else {})]
    targets: list[tuple[str, Mapping[str, Any] | None, Mapping[str, Any] | None]] = []
    if operation == "BatchWriteItem":
        for table, requests in (params.get("RequestItems") or {}).items():
            for request in requests:
                if "PutRequest" in request:
                    item = request["PutRequest"].get("Item") or {}
                    targets.append((str(table), item, item))
                elif "DeleteRequest" in request:
                    targets.append((str(table), request["DeleteRequest"].get("Key"), {}))
    elif operation == "TransactWriteItems":
        for entry in params.get("TransactItems") or []:
            kind, body = next(iter(entry.items()))
            table = str(body.get("TableName"))
            if kind == "Put":
                targets.append((table, body.get("Item"), body.get("Item")))
            elif kind == "Update":
                targets.append((table, body.get("Key"), None))
            else:  # Delete, ConditionCheck
                targets.append((table, body.get("Key"), {}))
    return targets


def _bill_reads(operation: str, params: Mapping[str, Any], answer: Mapping[str, Any], usage: Usage) -> None:
    if operation == "GetItem":
        size = units.item_size(answer.get("Item") or {})
        usage.count(
            "dynamodb_read_units", units.read_units(size, consistent=bool(params.get("ConsistentRead")))
        )
    elif operation in ("Query", "Scan"):
        # A page bills the items it read together, rounded up once (filters do not reduce it).
        size = sum(units.item_size(item) for item in answer.get("Items") or [])
        consistent = bool(params.get("ConsistentRead")) and not params.get("IndexName")
        usage.count("dynamodb_read_units", units.read_units(size, consistent=consistent))
    elif operation == "BatchGetItem":
        asked = params.get("RequestItems") or {}
        for table, items in (answer.get("Responses") or {}).items():
            consistent = bool((asked.get(table) or {}).get("ConsistentRead"))
            for item in items:
                usage.count(
                    "dynamodb_read_units", units.read_units(units.item_size(item), consistent=consistent)
                )
    elif operation == "TransactGetItems":
        for entry in answer.get("Responses") or []:
            size = units.item_size(entry.get("Item") or {})
            usage.count("dynamodb_read_units", units.read_units(size, consistent=True, transactional=True))


def _sqs_requests(operation: str, params: Mapping[str, Any], answer: Mapping[str, Any]) -> int:
    if operation == "SendMessage":
        return units.chunks(len(str(params.get("MessageBody", "")).encode()), units.SQS_CHUNK_BYTES)
    if operation == "SendMessageBatch":
        size = sum(len(str(entry.get("MessageBody", "")).encode()) for entry in params.get("Entries") or [])
        return units.chunks(size, units.SQS_CHUNK_BYTES)
    if operation == "ReceiveMessage":
        size = sum(len(str(message.get("Body", "")).encode()) for message in answer.get("Messages") or [])
        return units.chunks(size, units.SQS_CHUNK_BYTES)
    return 1


def _ses_messages(operation: str, params: Mapping[str, Any]) -> int:
    if operation in _SES_SENDS:
        destination = params.get("Destination") or {}
        recipients = sum(
            len(destination.get(k) or []) for k in ("ToAddresses", "CcAddresses", "BccAddresses")
        )
        return max(1, recipients)
    if operation in ("SendBulkEmail", "SendBulkTemplatedEmail"):
        entries = params.get("BulkEmailEntries") or params.get("Destinations") or []
        return len(entries)
    return 0
