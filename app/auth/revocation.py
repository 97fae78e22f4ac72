"""Log-out revokes: access tokens issued before it, and every token of the ended session, are refused.

Cognito's global sign-out revokes refresh tokens only; an access token stays valid until it
expires (an hour), so Herald keeps its own mark per user and checks it on every private request
and WebSocket connect.

| access pattern                     | key                       | operation                              |
|------------------------------------|---------------------------|----------------------------------------|
| revoke a user's tokens (log-out)   | PK=USER#<id>, SK=REVOKED  | UpdateItem SET before, ADD sessions    |
| is this token revoked              | PK=USER#<id>, SK=REVOKED  | GetItem, kept for a few seconds        |

`before` (epoch seconds) revokes every token issued in an earlier second; `sessions` holds the
`origin_jti` of each logged-out session, which also covers a token issued in the very second of
the log-out, while a new log-in in that second (another session) stays valid. The item expires
once every token it could refuse has expired on its own.

A mark read is kept by the repository for CACHE_SECONDS, so a burst of requests costs one read;
a log-out clears it in its own process at once, and in every other process (Lambda container)
within CACHE_SECONDS.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from app.auth.principal import Principal
from app.db import Repository, Table

ENTITY = "token_revocation"
CACHE_SECONDS = 5.0
_CACHE_LIMIT = 10_000  # users; past it the cache starts afresh
# The access token lifetime of the app client (template: AccessTokenValidity 60 minutes), plus
# the clock skew a token's `iat` may carry.
ACCESS_TOKEN_LIFETIME_SECONDS = 3600 + 300


def revocation_key(user_id: str) -> tuple[str, str]:
    """The key of a user's revocation mark."""
    return f"USER#{user_id}", "REVOKED"


@dataclass(frozen=True)
class _Mark:
    """A user's revocation mark as read (before=0 and no sessions: none)."""

    read_at: float
    before: int
    sessions: frozenset[str]


class RevocationRepository(Repository):
    """Per-user revocation marks in the single table, each read kept for a few seconds."""

    def __init__(self, table: Table, *, cache_seconds: float = CACHE_SECONDS) -> None:
        super().__init__(table)
        self.cache_seconds = cache_seconds
        self._marks: dict[str, _Mark] = {}
        self._lock = threading.Lock()

    def revoke(self, user_id: str, *, session: str | None, now: float | None = None) -> None:
        """Refuse the user's tokens issued before now, and every token of `session` (an origin_jti)."""
        stamp = int(time.time() if now is None else now)
        self.table.update(
            *revocation_key(user_id),
            sets={"type": ENTITY, "before": stamp, "ttl": stamp + ACCESS_TOKEN_LIFETIME_SECONDS},
            adds={"sessions": {session}} if session else {},
            returns="NONE",
        )
        with self._lock:
            self._marks.pop(user_id, None)

    def is_revoked(self, principal: Principal) -> bool:
        """True when the token predates the user's last log-out, or belongs to a logged-out session."""
        mark = self._mark(principal.user_id)
        if principal.issued_at < mark.before:
            return True
        return principal.session is not None and principal.session in mark.sessions

    def _mark(self, user_id: str) -> _Mark:
        now = time.monotonic()
        with self._lock:
            kept = self._marks.get(user_id)
        if kept is not None and now - kept.read_at < self.cache_seconds:
            return kept
        item = self.table.get(*revocation_key(user_id))
        if item is None or int(item.get("ttl", 0)) < time.time():
            mark = _Mark(read_at=now, before=0, sessions=frozenset())
        else:
            sessions = frozenset(str(s) for s in item.get("sessions", set()))
            mark = _Mark(read_at=now, before=int(item.get("before", 0)), sessions=sessions)
        with self._lock:
            if len(self._marks) >= _CACHE_LIMIT:
                self._marks.clear()
            self._marks[user_id] = mark
        return mark
