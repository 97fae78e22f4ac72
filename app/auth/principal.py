"""The verified caller (kept apart from the API models: every private route imports it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# How a caller proved who they are: a Cognito access token (a person in the SPA or a script that
# logged in) or an API key (app/keys/). The scope of a key: what it may call (app/keys/scopes.py).
Method = Literal["token", "api_key"]
Scope = Literal["read_only", "read_write", "send_only"]


@dataclass(frozen=True)
class Principal:
    """The caller, from a verified access token or API key."""

    user_id: str
    username: str
    groups: tuple[str, ...]
    token: str
    # When the token was issued (`iat`) and the sign-in session it belongs to (`origin_jti`):
    # what a log-out revokes (app/auth/revocation.py).
    issued_at: int = 0
    session: str | None = None
    method: Method = "token"
    # For an API key: its scope and id (what logs name it by); None for a token.
    scope: Scope | None = None
    key_id: str | None = None

    @property
    def is_admin(self) -> bool:
        """Member of the `admins` Cognito group (an API key never is)."""
        return "admins" in self.groups
