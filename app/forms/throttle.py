"""Rate limits on the public sign-up routes: fixed-window counters in the table.

The interface is small on purpose, the shape of the account routes' limiter: a `Limit` (a name, at
most `max_hits` per `window_seconds`), a repository whose `hit(limit, subject)` counts one hit
(None when allowed, else the seconds until the window ends) and `enforce` that checks several in
order and raises Throttled (429, `Retry-After`). Subjects are stored as digests (they name
addresses and IPs), and each counter expires with its window (`ttl`).

Keys: counter T = PK=THROTTLE#<limit>#<sha256(subject)>, SK=W#<window start, epoch seconds>.

| access pattern                 | key | operation                                            |
|--------------------------------|-----|------------------------------------------------------|
| count one hit, if under limit  | T   | UpdateItem ADD hits, condition hits < limit          |
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from app.db import Table
from app.errors import TooManyRequests

_GRACE_SECONDS = 60  # a counter outlives its window a little: DynamoDB's TTL deletes late anyway


@dataclass(frozen=True)
class Limit:
    """At most `max_hits` per `window_seconds` for one subject; `name` keeps each limit's counts apart."""

    name: str
    max_hits: int
    window_seconds: int


class Throttled(TooManyRequests):
    """Too many requests for one subject: try again after `retry_after` seconds."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, details=[{"retry_after": retry_after}])
        self.retry_after = retry_after


class CounterRepository:
    """Hit counters per limit, subject and window, in the single table."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def hit(self, limit: Limit, subject: str, *, now: float | None = None) -> int | None:
        """Count one hit: None when within the limit, else the seconds until the window ends (a
        refused hit is not counted, so whoever waits is let in when the window turns)."""
        stamp = time.time() if now is None else now
        start = int(stamp // limit.window_seconds) * limit.window_seconds
        end = start + limit.window_seconds
        digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
        counted = self.table.update(
            f"THROTTLE#{limit.name}#{digest}",
            f"W#{start}",
            sets={"type": "throttle", "ttl": end + _GRACE_SECONDS},
            adds={"hits": 1},
            condition="attribute_not_exists(hits) OR hits < :max",
            values={":max": limit.max_hits},
            returns="NONE",
        )
        return None if counted is not None else max(1, math.ceil(end - stamp))


def enforce(
    checks: Sequence[tuple[Limit, str]], *, repo: CounterRepository, message: str, now: float | None = None
) -> None:
    """Count a hit against each (limit, subject) in order; Throttled at the first that is spent
    (the broad limits go first, so a refused client spends nothing of the narrower ones)."""
    for limit, subject in checks:
        wait = repo.hit(limit, subject, now=now)
        if wait is not None:
            raise Throttled(message, retry_after=wait)
