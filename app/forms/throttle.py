"""Rate limits on public routes: fixed-window counters in the table, answering how long to wait.

The interface is one call, `Throttle.take(key, limit=, per_seconds=)`: None when the caller may go
on, else the seconds until its window ends (what `Retry-After` says). Keys are hashed before they
are stored (they name addresses and IPs), and each counter expires with its window (`ttl`).

Keys: counter T = PK=THROTTLE#<sha256(key)>, SK=<window start, epoch seconds>.

| access pattern                 | key | operation                                            |
|--------------------------------|-----|------------------------------------------------------|
| count one use, if under limit  | T   | UpdateItem ADD hits, condition hits < limit          |
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable

from app.db import Table
from app.errors import TooManyRequests

_SLACK_SECONDS = 60  # a counter outlives its window a little: DynamoDB's TTL deletes late anyway


class Throttled(TooManyRequests):
    """Too many requests for one key: try again after `retry_after` seconds."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, details=[{"retry_after": retry_after}])
        self.retry_after = retry_after


class CounterRepository:
    """Counters of uses per key and window, in the single table."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def hit(self, key: str, window: int, *, limit: int, expires: int) -> bool:
        """Count one use in `window` unless `limit` uses are counted already; True when counted."""
        digest = hashlib.sha256(key.encode()).hexdigest()
        counted = self.table.update(
            f"THROTTLE#{digest}",
            str(window),
            sets={"type": "throttle", "ttl": expires},
            adds={"hits": 1},
            condition="attribute_not_exists(hits) OR hits < :limit",
            values={":limit": limit},
            returns="NONE",
        )
        return counted is not None


class Throttle:
    """Fixed windows of `per_seconds` (a burst of up to twice the limit may straddle two)."""

    def __init__(self, counters: CounterRepository, *, clock: Callable[[], float] = time.time) -> None:
        self.counters = counters
        self.clock = clock

    def take(self, key: str, *, limit: int, per_seconds: int) -> int | None:
        """Use the key once: None when allowed, else the seconds until its window ends."""
        now = self.clock()
        window = int(now // per_seconds) * per_seconds
        end = window + per_seconds
        if self.counters.hit(key, window, limit=limit, expires=end + _SLACK_SECONDS):
            return None
        return max(1, math.ceil(end - now))

    def check(self, key: str, *, limit: int, per_seconds: int, message: str) -> None:
        """Use the key once; Throttled (with how long to wait) when it is over its limit."""
        wait = self.take(key, limit=limit, per_seconds=per_seconds)
        if wait is not None:
            raise Throttled(message, retry_after=wait)
