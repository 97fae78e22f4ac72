"""The verified caller (kept apart from the API models: every private route imports it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """The caller, from a verified access token."""

    user_id: str
    username: str
    groups: tuple[str, ...]
    token: str
    # When the token was issued (`iat`) and the sign-in session it belongs to (`origin_jti`):
    # what a log-out revokes (app/auth/revocation.py).
    issued_at: int = 0
    session: str | None = None

    @property
    def is_admin(self) -> bool:
        """Member of the `admins` Cognito group."""
        return "admins" in self.groups
