"""Fixed-window rate limits counted in the single table: one conditional ADD per request and limit.

| access pattern           | key                                                 | operation                 |
|--------------------------|-----------------------------------------------------|---------------------------|
| count a subject's hit    | PK=LIMIT#<limit>#<subject digest>, SK=W#<start>     | UpdateItem ADD if < limit |

A subject is whatever is limited (a client address, an account, an API key): each has an item of
its own per window, so no item is shared, hot, across tenants. Subjects are stored as digests, so
the table holds no address. Items expire with their window (`ttl`); an expired item that TTL has
not removed yet is never read again, since the next window has a key of its own.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from app.db import Repository
from app.digests import hex_digest
from app.errors import TooManyRequests

ENTITY = "rate_limit"
# The items outlive their window a little, so a slow clock elsewhere never resets a count early.
_GRACE_SECONDS = 60


@dataclass(frozen=True)
class Limit:
    """At most `max_hits` per `window_seconds` for one subject; `name` keeps each limit's counts apart."""

    name: str
    max_hits: int
    window_seconds: int


class RateLimitRepository(Repository):
    """Hit counters in the single table."""

    def hit(self, limit: Limit, subject: str, *, now: float | None = None) -> int | None:
        """Count one hit; None when it is within the limit, else the seconds until the window ends
        (a refused hit is not counted, so a client that waits is let in when the window turns)."""
        stamp = time.time() if now is None else now
        start = int(stamp // limit.window_seconds) * limit.window_seconds
        end = start + limit.window_seconds
        counted = self.table.update(
            f"LIMIT#{limit.name}#{hex_digest(subject, 32)}",
            f"W#{start}",
            adds={"hits": 1},
            sets={"type": ENTITY, "ttl": end + _GRACE_SECONDS},
            condition="attribute_not_exists(#hits) OR #hits < :max",
            names={"#hits": "hits"},
            values={":max": limit.max_hits},
            returns="NONE",
        )
        if counted is not None:
            return None
        return max(1, math.ceil(end - stamp))


def enforce(
    checks: Sequence[tuple[Limit, str]],
    *,
    repo: RateLimitRepository,
    message: str = "Too many attempts; wait a moment and try again.",
    now: float | None = None,
) -> None:
    """Count a hit against each (limit, subject) in order; TooManyRequests (with `retry_after`) at the
    first that is spent. Put the broad limits first (the client's address before the account): a
    refused client then spends nothing of the account's allowance, so one address cannot lock an
    account out faster than its own limit lets it try.
    """
    for limit, subject in checks:
        wait = repo.hit(limit, subject, now=now)
        if wait is not None:
            raise TooManyRequests(message, code="rate_limited", retry_after=wait)
