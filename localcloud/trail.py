"""The trail of a correlation id: API and function log lines, events, pushes and mail, in time order.

Kept in memory, bounded, from the cloud's start: the structured (Powertools JSON) log lines of
the services the template names (`POWERTOOLS_SERVICE_NAME`), each event as the console sees it,
and each message pushed to a WebSocket. Mail joins in when a log line names its SES message id.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from localcloud.functions import CURRENT_FUNCTION, CURRENT_INVOCATION
from localcloud.replay import Deliveries, Delivery

KEEP = 5000
# Keys of a log line that the entry carries elsewhere, or that every line repeats.
_NOT_DETAILS = frozenset(
    {
        "message",
        "correlation_id",
        "timestamp",
        "service",
        "sampling_rate",
        "cold_start",
        "function_name",
        "function_memory_size",
        "function_arn",
        "function_request_id",
        "xray_trace_id",
    }
)


@dataclass(frozen=True)
class TrailEntry:
    """One thing that happened under a correlation id."""

    at: float
    correlation_id: str
    source: str  # "api" | "worker" | "event" | "push" | "email" | "delivery"
    message: str
    function_name: str | None = None
    kind: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    entry_id: str | None = None  # a delivery's id: what replay and fixture name

    def as_json(self) -> dict[str, Any]:
        """The dev console's shape."""
        return {
            "id": self.entry_id,
            "replayable": self.entry_id is not None,
            "time": iso_time(self.at),
            "source": self.source,
            "function_name": self.function_name,
            "kind": self.kind,
            "message": self.message,
            "details": dict(self.details),
        }


def iso_time(moment: float) -> str:
    """Epoch seconds as ISO 8601 UTC with milliseconds."""
    stamp = dt.datetime.fromtimestamp(moment, dt.UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


def _epoch(text: Any) -> float | None:
    try:
        return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


class Trail:
    """A ring of the last `keep` entries that carry a correlation id."""

    def __init__(self, keep: int = KEEP) -> None:
        self._entries: deque[TrailEntry] = deque(maxlen=keep)
        self._lock = threading.Lock()
        self._handler = _LogCapture(self)
        self._loggers: list[logging.Logger] = []
        self.deliveries = Deliveries()

    def add(self, entry: TrailEntry) -> None:
        """Remember an entry (the oldest goes when the ring is full)."""
        with self._lock:
            self._entries.append(entry)

    def entries(self, correlation_id: str) -> list[TrailEntry]:
        """What was recorded for `correlation_id`, oldest first."""
        with self._lock:
            found = [entry for entry in self._entries if entry.correlation_id == correlation_id]
        return sorted(found, key=lambda entry: entry.at)

    # ------------------------------------------------------------------ feeds

    def capture(self, logger_names: Iterable[str]) -> None:
        """Record the log lines of these loggers (the functions' Powertools service names)."""
        for name in sorted(set(logger_names)):
            target = logging.getLogger(name)
            if self._handler not in target.handlers:
                target.addHandler(self._handler)
                self._loggers.append(target)

    def release(self) -> None:
        """Stop recording log lines."""
        for target in self._loggers:
            target.removeHandler(self._handler)
        self._loggers = []

    def record_event(self, event: Mapping[str, Any], at: float | None = None) -> None:
        """An EventBridge event, placed when it was put on its bus (`at`; unknown: now)."""
        entry = _event_entry(event, at=time.time() if at is None else at)
        if entry is not None:
            self.add(entry)

    def record_push(self, connection_id: str, data: bytes) -> None:
        """A message posted to a WebSocket connection (JSON with a `correlation_id`)."""
        try:
            message = json.loads(data)
        except ValueError:
            return
        if not isinstance(message, dict) or not message.get("correlation_id"):
            return
        kind = str(message.get("type")) if message.get("type") else None
        self.add(
            TrailEntry(
                at=time.time(),
                correlation_id=str(message["correlation_id"]),
                source="push",
                message=f"pushed {kind or 'a message'} to connection {connection_id}",
                kind=kind,
                details={"connection_id": connection_id, "bytes": len(data), "body": message},
            )
        )

    def record_log(self, record: logging.LogRecord, line: Mapping[str, Any]) -> None:
        """A structured log line; attributed to the local function that runs in this thread, else the API."""
        correlation_id = line.get("correlation_id")
        if not correlation_id:
            return
        invocation = CURRENT_INVOCATION.get()
        if invocation is not None:
            self.deliveries.learn(invocation.id, str(correlation_id))
        function = CURRENT_FUNCTION.get()
        self.add(
            TrailEntry(
                at=record.created,
                correlation_id=str(correlation_id),
                source="worker" if function is not None else "api",
                message=str(line.get("message", record.getMessage())),
                function_name=function.name if function is not None else None,
                kind=str(line.get("level", record.levelname)),
                details={key: value for key, value in line.items() if key not in _NOT_DETAILS},
            )
        )


class _LogCapture(logging.Handler):
    """Formats each record as its own logger's handler does (Powertools JSON) and records it."""

    def __init__(self, trail: Trail) -> None:
        super().__init__()
        self._trail = trail

    def emit(self, record: logging.LogRecord) -> None:
        """Record the line; never let the trail break logging."""
        try:
            self._trail.record_log(record, self._line(record))
        except Exception:  # a dev-console feature must not fail a request or a worker
            return

    def _line(self, record: logging.LogRecord) -> Mapping[str, Any]:
        formatter = self._formatter_for(record.name)
        if formatter is not None:
            try:
                line = json.loads(formatter.format(record))
            except ValueError:
                line = None
            if isinstance(line, dict):
                return line
        return {"message": record.getMessage(), "level": record.levelname}

    def _formatter_for(self, name: str) -> logging.Formatter | None:
        """The formatter of the logger's own output handler (Powertools registers its JSON one)."""
        current: logging.Logger | None = logging.getLogger(name)
        while current is not None:
            for handler in current.handlers:
                if handler is not self and handler.formatter is not None:
                    return handler.formatter
            current = current.parent if current.propagate else None
        return None


def _event_entry(event: Mapping[str, Any], *, at: float) -> TrailEntry | None:
    detail = event.get("detail")
    if not isinstance(detail, Mapping) or not detail.get("correlation_id"):
        return None
    kind = str(event.get("detail-type", ""))
    return TrailEntry(
        at=at,
        correlation_id=str(detail["correlation_id"]),
        source="event",
        message=f"{kind} from {event.get('source')}",
        kind=kind,
        details={
            "id": event.get("id"),
            "time": event.get("time"),
            "source": event.get("source"),
            "detail": detail,
        },
    )


def _delivery_entry(correlation_id: str, delivery: Delivery) -> TrailEntry:
    target = delivery.function.logical_id if delivery.function else None
    message = f"{delivery.summary} -> {target}" if target else delivery.summary
    return TrailEntry(
        at=delivery.at,
        correlation_id=correlation_id,
        source="delivery",
        message=message,
        function_name=delivery.function.name if delivery.function else None,
        kind=delivery.kind,
        details={"function": target, "replay_of": delivery.replay_of},
        entry_id=delivery.id,
    )


def trail_of(
    correlation_id: str,
    *,
    trail: Trail,
    events: Iterable[Mapping[str, Any]],
    outbox: Iterable[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """Everything known about `correlation_id`, oldest first: the ring, older events, and mail."""
    entries = trail.entries(correlation_id)
    entries.extend(
        _delivery_entry(correlation_id, d) for d in trail.deliveries.for_correlation(correlation_id)
    )
    seen_events = {entry.details.get("id") for entry in entries if entry.source == "event"}
    for event in events:
        # Events from before this start (a snapshot) are not in the ring: place them by their time.
        at = _epoch(event.get("time"))
        entry = _event_entry(event, at=at) if at is not None else None
        if (
            entry is not None
            and entry.correlation_id == correlation_id
            and event.get("id") not in seen_events
        ):
            entries.append(entry)
    mentioned = {
        str(entry.details["message_id"]): entry for entry in entries if entry.details.get("message_id")
    }
    for mail in outbox:
        tags = mail.get("tags") or {}
        cause = mentioned.get(str(mail.get("id")))
        if cause is None and tags.get("correlation_id") != correlation_id:
            continue
        at = _epoch(mail.get("sent_at")) or (cause.at if cause is not None else time.time())
        entries.append(
            TrailEntry(
                at=at,
                correlation_id=correlation_id,
                source="email",
                message=f"mail to {', '.join(mail.get('to') or [])}: {mail.get('subject', '')}",
                function_name=cause.function_name if cause is not None else None,
                kind="sent",
                details={key: mail.get(key) for key in ("id", "from", "to", "subject", "configuration_set")},
            )
        )
    return [entry.as_json() for entry in sorted(entries, key=lambda entry: entry.at)]
