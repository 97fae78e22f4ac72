"""Secrets from SSM Parameter Store (SecureString), through Powertools parameters (cached)."""

from __future__ import annotations

CACHE_SECONDS = 300


def signing_key() -> bytes:
    """The HMAC key for cursors and unsubscribe links (rotating it invalidates both)."""
    from aws_lambda_powertools.utilities import parameters

    from app.config import get_settings

    value = parameters.get_parameter(
        get_settings().signing_key_parameter, decrypt=True, max_age=CACHE_SECONDS
    )
    if not isinstance(value, str) or len(value) < 32:
        raise RuntimeError("the signing key parameter is missing or shorter than 32 characters")
    return value.encode()


def clear_cache() -> None:
    """Forget cached parameter values (tests, rotation)."""
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()  # type: ignore[no-untyped-call]
