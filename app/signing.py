"""Tamper-checked strings: base64url(payload) "." base64url(HMAC-SHA256(key, scope NUL payload)[:16]).

Cursors and unsubscribe links are made this way; the scope keeps one kind from passing as another.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

# What `seal` makes: base64url payload, a dot, the 16-byte signature in base64url (22 characters).
SEALED_PATTERN = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload: bytes, *, scope: str, key: bytes) -> bytes:
    return hmac.new(key, scope.encode() + b"\0" + payload, hashlib.sha256).digest()[:16]


def seal(payload: bytes, *, scope: str, key: bytes) -> str:
    """The payload with its signature, as URL-safe text."""
    return f"{_b64(payload)}.{_b64(_signature(payload, scope=scope, key=key))}"


def unseal(token: str, *, scope: str, key: bytes) -> bytes | None:
    """The payload of a sealed token; None when it is malformed, altered or sealed for another scope."""
    try:
        payload_text, signature_text = token.split(".", 1)
        payload, signature = _unb64(payload_text), _unb64(signature_text)
    except (ValueError, binascii.Error):
        return None
    if not hmac.compare_digest(signature, _signature(payload, scope=scope, key=key)):
        return None
    return payload


def seal_json(value: Any, *, scope: str, key: bytes) -> str:
    """`value` as compact JSON (keys sorted), sealed."""
    return seal(json.dumps(value, separators=(",", ":"), sort_keys=True).encode(), scope=scope, key=key)


def unseal_json(token: str, *, scope: str, key: bytes) -> Any:
    """The JSON value of a sealed token; None when the token or its JSON is not valid."""
    payload = unseal(token, scope=scope, key=key)
    try:
        return None if payload is None else json.loads(payload)
    except ValueError:
        return None
