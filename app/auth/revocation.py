"""Log-out revokes: access tokens issued before it, and every token of the ended session, are refused.

Cognito's global sign-out revokes refresh tokens only; an access token stays valid until it
expires (an hour), so Herald keeps its own mark per user and checks it on every private request
and WebSocket connect.

| access pattern                     | key                       | operation                              |
|------------------------------------|---------------------------|----------------------------------------|
| revoke a user's tokens (log-out)   | PK=USER#<id>, SK=REVOKED  | UpdateItem SET before, ADD sessions    |
| is this token revoked              | PK=USER#<id>, SK=REVOKED  | GetItem (one per request)              |

`before` (epoch seconds) revokes every token issued in an earlier second; `sessions` holds the
`origin_jti` of each logged-out session, which also covers a token issued in the very second of
the log-out, while a new log-in in that second (another session) stays valid. The item expires
once every token it could refuse has expired on its own.
"""

from __future__ import annotations

import time

from app.auth.principal import Principal
from app.db import Table

ENTITY = "token_revocation"
# The access token lifetime of the app client (template: AccessTokenValidity 60 minutes), plus
# the clock skew a token's `iat` may carry.
ACCESS_TOKEN_LIFETIME_SECONDS = 3600 + 300


def revocation_key(user_id: str) -> tuple[str, str]:
    """The key of a user's revocation mark."""
    return f"USER#{user_id}", "REVOKED"


class RevocationRepository:
    """Per-user revocation marks in the single table."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def revoke(self, user_id: str, *, session: str | None, now: float | None = None) -> None:
        """Refuse the user's tokens issued before now, and every token of `session` (an origin_jti)."""
        stamp = int(time.time() if now is None else now)
        self.table.update(
            *revocation_key(user_id),
            sets={"type": ENTITY, "before": stamp, "ttl": stamp + ACCESS_TOKEN_LIFETIME_SECONDS},
            adds={"sessions": {session}} if session else {},
            returns="NONE",
        )

    def is_revoked(self, principal: Principal) -> bool:
        """True when the token predates the user's last log-out, or belongs to a logged-out session."""
        item = self.table.get(*revocation_key(principal.user_id))
        if item is None or int(item.get("ttl", 0)) < time.time():
            return False
        if principal.issued_at < int(item.get("before", 0)):
            return True
        return principal.session is not None and principal.session in item.get("sessions", set())
