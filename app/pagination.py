"""Opaque, tamper-checked page cursors: base64url(JSON) + HMAC-SHA256 with the signing key."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from typing import Any

from app.errors import InvalidInput

KeySource = Callable[[], bytes]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _invalid() -> InvalidInput:
    return InvalidInput("The cursor is not valid; start again from the first page.", code="invalid_cursor")


def encode_cursor(position: Mapping[str, Any], *, scope: str, key: KeySource) -> str:
    """A cursor for `position`, valid only for the same `scope` (e.g. the owner and the list)."""
    payload = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    signature = hmac.new(key(), scope.encode() + b"\0" + payload, hashlib.sha256).digest()[:16]
    return f"{_b64(payload)}.{_b64(signature)}"


def decode_cursor(cursor: str, *, scope: str, key: KeySource) -> dict[str, Any]:
    """The position a cursor stands for; InvalidInput if it was altered or made for another scope."""
    try:
        payload_text, signature_text = cursor.split(".", 1)
        payload, signature = _unb64(payload_text), _unb64(signature_text)
    except (ValueError, binascii.Error) as exc:
        raise _invalid() from exc
    expected = hmac.new(key(), scope.encode() + b"\0" + payload, hashlib.sha256).digest()[:16]
    if not hmac.compare_digest(signature, expected):
        raise _invalid()
    try:
        position = json.loads(payload)
    except ValueError as exc:
        raise _invalid() from exc
    if not isinstance(position, dict):
        raise _invalid()
    return position
