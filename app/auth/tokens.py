"""Verify Cognito access tokens against the pool's JWKS (signature, iss, exp, use, client)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from app.auth.principal import Principal
from app.errors import NotAuthenticated, UpstreamUnavailable

if TYPE_CHECKING:
    from jwt import PyJWKClient

    from app.auth.revocation import RevocationRepository
    from app.config import Settings


@cache
def _jwks_client(url: str) -> PyJWKClient:
    from jwt import PyJWKClient

    return PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=5)


def clear_cache() -> None:
    """Forget the cached key sets (tests)."""
    _jwks_client.cache_clear()


def verify_access_token(token: str, *, settings: Settings, verify_expiry: bool = True) -> Principal:
    """The principal of a valid access token of this pool's app client, else NotAuthenticated
    (`verify_expiry=False`: an expired one too, for a check that leaves expiry to the app)."""
    import jwt

    if not settings.user_pool_id or not settings.user_pool_client_id:
        raise UpstreamUnavailable("Authentication is not configured.")
    try:
        signing_key = _jwks_client(settings.jwks_url).get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            signing_key.key,
            algorithms=["RS256"],
            issuer=settings.cognito_issuer,
            options={
                "require": ["exp", "iat", "iss", "sub", "token_use"],
                "verify_aud": False,
                "verify_exp": verify_expiry,
            },
        )
    except jwt.PyJWKClientConnectionError as exc:
        raise UpstreamUnavailable("The identity provider's keys could not be fetched.") from exc
    except jwt.ExpiredSignatureError as exc:
        raise NotAuthenticated("The access token has expired.", code="token_expired") from exc
    except (jwt.InvalidTokenError, jwt.PyJWKClientError) as exc:
        raise NotAuthenticated("The access token is not valid.", code="invalid_token") from exc
    if claims.get("token_use") != "access":
        raise NotAuthenticated("An access token is required.", code="invalid_token")
    if claims.get("client_id") != settings.user_pool_client_id:
        raise NotAuthenticated("The token was issued to another client.", code="invalid_token")
    groups = claims.get("cognito:groups") or []
    session = claims.get("origin_jti")
    return Principal(
        user_id=str(claims["sub"]),
        username=str(claims.get("username", claims["sub"])),
        groups=tuple(str(g) for g in groups),
        token=token,
        issued_at=int(claims["iat"]),
        session=str(session) if session else None,
    )


def authorise(token: str, *, settings: Settings, revocations: RevocationRepository) -> Principal:
    """The principal of a valid access token that no log-out has revoked, else NotAuthenticated."""
    principal = verify_access_token(token, settings=settings)
    if revocations.is_revoked(principal):
        raise NotAuthenticated("This session has ended; log in again.", code="token_revoked")
    return principal
