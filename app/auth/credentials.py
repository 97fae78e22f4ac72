"""A bearer credential, a Cognito access token or an API key, verified.

`verify` is what the HTTP API's authorizer (workers/authorize.py) asks: is this a live key or a
valid token (no writes, so its answer may be cached). `authorise` is what every private route
asks, on every request: the same, plus what must never be cached: a log-out's revocation, a key
just revoked, the key's scope for this route and its rate limit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.auth.principal import Principal
from app.auth.tokens import authorise as authorise_token
from app.auth.tokens import verify_access_token
from app.keys.material import is_api_key

if TYPE_CHECKING:
    from app.config import Settings
    from app.keys.repository import ApiKeyRepository
    from app.store import Store


def verify(credential: str, *, settings: Settings, keys: ApiKeyRepository) -> Principal:
    """Whose credential this is (a live key, or an access token of this pool's client), else
    NotAuthenticated. An expired token passes: the app answers it 401 `token_expired`, which tells
    the SPA to refresh, where an HTTP API's Lambda authorizer could only deny with a 403."""
    if is_api_key(credential):
        from app.keys import service

        return service.principal_of(service.identify(credential, repo=keys))
    return verify_access_token(credential, settings=settings, verify_expiry=False)


def authorise(credential: str, *, method: str, route: str, settings: Settings, store: Store) -> Principal:
    """The caller of `method route`: NotAuthenticated, Forbidden (a key's scope) or TooManyRequests
    (a key's rate limit) when the call may not go ahead."""
    if is_api_key(credential):
        from app.keys import service

        return service.authorise_key(
            credential,
            method=method,
            route=route,
            settings=settings,
            repo=store.api_keys,
            limits=store.limits,
        )
    return authorise_token(credential, settings=settings, revocations=store.revocations)
