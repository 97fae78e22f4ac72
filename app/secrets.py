"""Secrets from SSM Parameter Store (SecureString), through Powertools parameters (cached).

The signing key parameter holds one key, or two separated by a space: the current one first, then
the previous one. Rotating is one write, `"<new> <current>"`: cursors and new unsubscribe links use
the new key at once, while links in mail already sent (which name their key) keep working. Writing
just `"<new>"` later retires the old key, and the links made with it.
"""

from __future__ import annotations

CACHE_SECONDS = 300
MIN_KEY_LENGTH = 32


def parse_keys(value: object) -> tuple[bytes, ...]:
    """The keys of the parameter's value, newest first; RuntimeError when one is missing or short."""
    keys = tuple(part.encode() for part in value.split()) if isinstance(value, str) else ()
    if not keys or any(len(key) < MIN_KEY_LENGTH for key in keys):
        raise RuntimeError(f"the signing key parameter is missing or a key is shorter than {MIN_KEY_LENGTH}")
    return keys


def signing_keys() -> tuple[bytes, ...]:
    """The signing keys, newest first (the current key, then the previous one after a rotation)."""
    from aws_lambda_powertools.utilities import parameters

    from app.config import get_settings

    value = parameters.get_parameter(
        get_settings().signing_key_parameter, decrypt=True, max_age=CACHE_SECONDS
    )
    return parse_keys(value)


def signing_key() -> bytes:
    """The current key for cursors and unsubscribe links."""
    return signing_keys()[0]


def clear_cache() -> None:
    """Forget cached parameter values (tests, rotation)."""
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()  # type: ignore[no-untyped-call]
