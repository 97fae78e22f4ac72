"""moto's Cognito tokens, signed with the cloud's own key instead of the one moto publishes.

moto signs every pool's tokens with a private key shipped in its package (kid "dummy"), so
anyone who can reach a dev server could mint an administrator's token. A pool that holds a
signing key of its cloud (under `SIGNING_KEY`) has its tokens signed again with that key; the
claims stay exactly moto's. A pool without one (moto used without a cloud) is left as it was.
"""

from __future__ import annotations

from typing import Any, Protocol

from localcloud.patches.installing import install

# The pool attribute that holds the cloud's key (`localcloud.services.cognito.keys`).
SIGNING_KEY = "localcloud_signing_key"


class TokenSigner(Protocol):
    """What the patch needs of a key: the same claims, signed again."""

    def resign(self, token: str) -> str:
        """`token`'s claims signed with this key."""
        ...


def apply() -> None:
    """Install the patch (idempotent)."""
    from moto.cognitoidp.models import CognitoIdpUserPool

    def create_jwt(self: Any, *args: Any, **kwargs: Any) -> tuple[str, int]:
        token, expires_in = create_jwt.__wrapped__(self, *args, **kwargs)  # type: ignore[attr-defined]
        key: TokenSigner | None = getattr(self, SIGNING_KEY, None)
        return (token if key is None else key.resign(token)), expires_in

    install(CognitoIdpUserPool, "create_jwt", create_jwt)
