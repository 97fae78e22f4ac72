"""What every poller shares: the thread with its backoff and wake-ups, activity, checkpoints, filters.

Each poller (a stream or queue event source mapping, an async delivery, SES feedback, ...) is one
daemon thread that polls moto through boto3, builds the event shape Lambda would build, calls the
handler in-process and applies Lambda's success/failure rules. Idle polling backs off to one
request every MAX_INTERVAL seconds; a write through the dispatcher wakes the pollers it may feed.
The pollers themselves live with their service (`localcloud.services.*`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from localcloud.dispatch import Write
from localcloud.functions import Outcome

logger = logging.getLogger("localcloud")

MIN_INTERVAL = 0.1
# The longest idle sleep while something may change with no request at all (a visibility
# timeout running out, a schedule falling due, an execution timing out).
MAX_INTERVAL = 2.0
# The longest idle sleep of a poller whose work only a request can bring: the dispatcher wakes
# it at that request, so this is a safety net, not a delay anyone waits out.
QUIET_INTERVAL = 30.0


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

    def idle_cap(self) -> float:
        """How long this poller may sleep, idle, before it polls unasked (QUIET_INTERVAL when
        only a request the dispatcher sees can give it work)."""
        return MAX_INTERVAL

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
                interval *= 2
                if interval > MAX_INTERVAL:
                    interval = min(interval, self.idle_cap())
            else:
                interval = MIN_INTERVAL
            self._wake.wait(interval)
            self._wake.clear()


def trim_tracked(model: Any, keep: int = 1000) -> None:
    """Bound moto's list of every instance of `model` it ever made (kept for its dashboard).

    Pollers make new ones every round (shard iterators, copies of received messages); in a
    long session the list would only grow.
    """
    tracked = getattr(model, "instances_tracked", None)
    if isinstance(tracked, list) and len(tracked) > 2 * keep:
        del tracked[:-keep]


def matcher(filters: Sequence[Mapping[str, Any]]) -> Callable[[Mapping[str, Any]], bool]:
    """Lambda's FilterCriteria: a record passes when any one pattern matches it (moto's engine)."""
    from moto.events.models import EventPattern  # moto's EventBridge pattern engine

    patterns = _patterns(filters)
    if patterns is None:
        return lambda _record: True
    shape = _shape_of([pattern._pattern for pattern in patterns])

    def passes(record: Mapping[str, Any]) -> bool:
        # What `matches_event` does, without its JSON round trip (a deep copy; records here are
        # JSON already), flattened once for every pattern rather than once per pattern, and only
        # the fields some pattern names (a pattern looks at nothing else; a stream record's two
        # images are mostly other attributes).
        kept = _pruned(record, shape) if shape is not None else dict(record)
        flat = EventPattern._flatten_dict(kept)
        return any(pattern._does_event_match(flat, pattern._pattern) for pattern in patterns)

    return passes


def fields_named(filters: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The fields any of the patterns looks at, as a tree (`WHOLE` where one is matched whole);
    None when one looks at the whole record (no filters, an empty pattern, `$or` and the like)."""
    patterns = _patterns(filters)
    return None if patterns is None else _shape_of([pattern._pattern for pattern in patterns])


def _patterns(filters: Sequence[Mapping[str, Any]]) -> list[Any] | None:
    """The filters' patterns loaded by moto's engine; None when every record passes (no filters,
    or an empty pattern, which matches everything)."""
    if not filters:
        return None
    from moto.events.models import EventPattern

    patterns = [EventPattern.load(str(item["Pattern"])) for item in filters]
    return None if any(not pattern._pattern for pattern in patterns) else patterns


# A field a pattern matches on as a whole (its value is a list of conditions).
WHOLE: dict[str, Any] = {}


def _shape_of(patterns: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The fields the patterns name, as a tree (`WHOLE` where one is matched whole); None when
    one uses `$or` or the like, which is then given the whole record."""
    shape: dict[str, Any] = {}
    return shape if all(_add_fields(shape, pattern) for pattern in patterns) else None


def _add_fields(shape: dict[str, Any], pattern: Mapping[str, Any]) -> bool:
    """Add the fields `pattern` names to `shape`; False for a field this cannot prune for."""
    for name, below in pattern.items():
        if name.startswith("$"):
            return False
        if not isinstance(below, Mapping):
            shape[name] = WHOLE
        elif shape.get(name) is not WHOLE and not _add_fields(shape.setdefault(name, {}), below):
            return False
    return True


def _pruned(value: Any, shape: dict[str, Any]) -> Any:
    """`value` with only the fields of `shape` (lists kept, their objects pruned alike)."""
    if isinstance(value, list):
        return [_pruned(item, shape) if isinstance(item, Mapping) else item for item in value]
    if not isinstance(value, Mapping):
        return value
    kept: dict[str, Any] = {}
    for name, below in shape.items():
        if name in value:
            kept[name] = value[name] if below is WHOLE else _pruned(value[name], below)
    return kept


def batch_item_failures(outcome: Outcome, ids: Sequence[str]) -> list[str] | None:
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


# The name an older test imports.
_matcher = matcher
