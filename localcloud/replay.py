"""What a correlation trail can replay: each event a function was given, and each task-token callback.

Every invocation is split into the units Lambda delivered: one stream record, one SQS message or
one S3 notification of a batch (replayed as a batch of that one record), an EventBridge event, or
the whole payload of any other invocation (a Step Functions task, a Cognito trigger). A unit
belongs to the correlation id found in it (an image's `correlation_id`, a body's, an event
detail's); one without is placed by the log lines of the invocation that received it. Calls of
`SendTaskSuccess`/`SendTaskFailure`/`SendTaskHeartbeat` are seen on the dispatcher's seam and
placed the same way. Kept in memory, bounded, from the cloud's start.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from localcloud.calls import Call
from localcloud.functions import CURRENT_INVOCATION, Invocation, LocalFunction
from localcloud.server import WsgiResponse

KEEP = 5000
_REMEMBERED = 2000
_CALLBACKS = frozenset({"SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat"})
_RECORD_KINDS = {"aws:dynamodb": "stream-record", "aws:sqs": "sqs-message", "aws:s3": "s3-notification"}


@dataclass(frozen=True)
class Delivery:
    """One replayable unit: what a function was given, or a callback a function made."""

    id: str
    at: float
    kind: (
        str  # stream-record | sqs-message | s3-notification | eventbridge-event | invocation | task-callback
    )
    summary: str
    event: Any  # what the function is given again; for a callback, {"operation", "params"}
    function: LocalFunction | None = None  # None for a callback
    replay_of: str | None = None

    def fixture(self) -> dict[str, Any]:
        """The unit as a JSON fixture for a test."""
        return {
            "kind": self.kind,
            "function": self.function.logical_id if self.function else None,
            "handler": self.function.handler if self.function else None,
            "event": self.event,
        }


class Deliveries:
    """The replayable units of recent invocations and callbacks, by correlation id."""

    def __init__(self, keep: int = KEEP) -> None:
        self._lock = threading.Lock()
        self._ring: deque[tuple[str, Delivery]] = deque(maxlen=keep)
        self._pending: OrderedDict[str, list[Delivery]] = OrderedDict()  # by invocation id
        self._known: OrderedDict[str, str] = OrderedDict()  # invocation id -> correlation id

    def record_invocation(self, invocation: Invocation) -> None:
        """The units of one invocation (called as it starts)."""
        for correlation_id, delivery in _units(invocation):
            self._place(invocation.id, correlation_id, delivery)

    def learn(self, invocation_id: str, correlation_id: str) -> None:
        """A log line says which correlation id an invocation works for: its waiting units go there."""
        with self._lock:
            if invocation_id not in self._known:
                self._known[invocation_id] = correlation_id
                while len(self._known) > _REMEMBERED:
                    self._known.popitem(last=False)
            waiting = self._pending.pop(invocation_id, [])
            self._ring.extend((correlation_id, delivery) for delivery in waiting)

    def for_correlation(self, correlation_id: str) -> list[Delivery]:
        """The units under `correlation_id`, oldest first."""
        with self._lock:
            return [delivery for cid, delivery in self._ring if cid == correlation_id]

    def find(self, correlation_id: str, delivery_id: str) -> Delivery | None:
        """One unit of a trail."""
        return next((d for d in self.for_correlation(correlation_id) if d.id == delivery_id), None)

    # ------------------------------------------------------------------ the seam (callbacks)

    def before(self, call: Call) -> WsgiResponse | None:
        """Nothing is refused here."""
        del call
        return None

    def after(self, call: Call, response: WsgiResponse) -> None:
        """A task-token callback a function (or the app) made, with its answer."""
        if call.service != "stepfunctions" or call.operation not in _CALLBACKS or call.internal:
            return
        invocation = CURRENT_INVOCATION.get()
        delivery = Delivery(
            id=uuid.uuid4().hex[:12],
            at=time.time(),
            kind="task-callback",
            summary=f"{call.operation} (answered {response.status})",
            event={"operation": call.operation, "params": dict(call.params or {})},
            replay_of=invocation.replay_of if invocation else None,
        )
        correlation_id = _correlation_of(call.params)
        self._place(invocation.id if invocation else "", correlation_id, delivery)

    def _place(self, invocation_id: str, correlation_id: str | None, delivery: Delivery) -> None:
        with self._lock:
            correlation_id = correlation_id or self._known.get(invocation_id)
            if correlation_id:
                self._ring.append((correlation_id, delivery))
            elif invocation_id:
                self._pending.setdefault(invocation_id, []).append(delivery)
                while len(self._pending) > _REMEMBERED:
                    self._pending.popitem(last=False)


def _units(invocation: Invocation) -> Iterator[tuple[str | None, Delivery]]:
    event, function = invocation.event, invocation.function

    def unit(kind: str, summary: str, payload: Any) -> Delivery:
        return Delivery(
            uuid.uuid4().hex[:12], time.time(), kind, summary, payload, function, invocation.replay_of
        )

    records = event.get("Records") if isinstance(event, Mapping) else None
    if isinstance(records, list) and records:
        for record in records:
            source = record.get("eventSource") if isinstance(record, Mapping) else None
            kind = _RECORD_KINDS.get(str(source), "record")
            yield _correlation_of(record), unit(kind, _record_summary(kind, record), {"Records": [record]})
    elif isinstance(event, Mapping) and "detail-type" in event:
        summary = f"{event.get('detail-type')} from {event.get('source')}"
        yield _correlation_of(event.get("detail")), unit("eventbridge-event", summary, event)
    else:
        yield _correlation_of(event), unit("invocation", f"invoked {function.logical_id}", event)


def _record_summary(kind: str, record: Mapping[str, Any]) -> str:
    if kind == "stream-record":
        keys = record.get("dynamodb", {}).get("Keys", {})
        key = " ".join(str(next(iter(v.values()), "")) for v in keys.values() if isinstance(v, Mapping))
        return f"{record.get('eventName')} {key}".strip()
    if kind == "sqs-message":
        return f"message {record.get('messageId')}"
    if kind == "s3-notification":
        s3 = record.get("s3", {})
        bucket, key = s3.get("bucket", {}).get("name"), s3.get("object", {}).get("key")
        return f"{record.get('eventName')} s3://{bucket}/{key}"
    return "record"


def _correlation_of(value: Any, depth: int = 0) -> str | None:
    """The first `correlation_id` in a payload (DynamoDB images, JSON bodies, event details)."""
    if depth > 6:
        return None
    if isinstance(value, str):
        # Parse only JSON that names the key (json.dumps never escapes it): most bodies do not.
        if value[:1] not in "{[" or "correlation_id" not in value:
            return None
        try:
            return _correlation_of(json.loads(value), depth + 1)
        except ValueError:
            return None
    if isinstance(value, Mapping):
        found = value.get("correlation_id")
        if isinstance(found, str) and found:
            return found
        if isinstance(found, Mapping) and isinstance(found.get("S"), str) and found["S"]:
            return str(found["S"])
        values: Any = value.values()
    elif isinstance(value, list):
        values = value
    else:
        return None
    for item in values:
        if _may_hold(item):  # most of a DynamoDB image is leaves: passed over without a call down
            found_below = _correlation_of(item, depth + 1)
            if found_below:
                return found_below
    return None


def _may_hold(value: Any) -> bool:
    """Whether `_correlation_of` could find anything in `value` (a mapping, a list, or JSON text
    that names the key). A mapping of one text (an attribute value such as {"S": "..."}, most of
    a DynamoDB image) holds one only as that key or in that text."""
    if isinstance(value, str):
        return value[:1] in "{[" and "correlation_id" in value
    if isinstance(value, Mapping):
        if len(value) != 1:
            return True
        key, inner = next(iter(value.items()))
        return key == "correlation_id" or not isinstance(inner, str) or _may_hold(inner)
    return isinstance(value, list)
