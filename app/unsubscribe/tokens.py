"""Signed unsubscribe tokens: base64url(JSON [owner, list, campaign, email]) + HMAC-SHA256 (signing key)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass

from app.errors import NotFound
from app.pagination import KeySource

_SCOPE = b"unsubscribe\0"


@dataclass(frozen=True)
class UnsubscribeTarget:
    """Whom a link unsubscribes, from which list, and which campaign's mail carried it."""

    owner_id: str
    list_id: str
    campaign_id: str
    email: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _invalid() -> NotFound:
    return NotFound("This unsubscribe link is not valid.", code="invalid_unsubscribe_link")


def make_token(target: UnsubscribeTarget, *, key: bytes) -> str:
    """The token for one recipient (the caller passes the key: one SSM read per batch)."""
    payload = json.dumps(
        [target.owner_id, target.list_id, target.campaign_id, target.email], separators=(",", ":")
    ).encode()
    signature = hmac.new(key, _SCOPE + payload, hashlib.sha256).digest()[:16]
    return f"{_b64(payload)}.{_b64(signature)}"


def read_token(token: str, *, key: KeySource) -> UnsubscribeTarget:
    """Whom a token stands for; NotFound when it was altered or is not a token."""
    try:
        payload_text, signature_text = token.split(".", 1)
        payload, signature = _unb64(payload_text), _unb64(signature_text)
    except (ValueError, binascii.Error) as exc:
        raise _invalid() from exc
    expected = hmac.new(key(), _SCOPE + payload, hashlib.sha256).digest()[:16]
    if not hmac.compare_digest(signature, expected):
        raise _invalid()
    try:
        fields = json.loads(payload)
    except ValueError as exc:
        raise _invalid() from exc
    if not isinstance(fields, list) or len(fields) != 4 or not all(isinstance(f, str) for f in fields):
        raise _invalid()
    return UnsubscribeTarget(owner_id=fields[0], list_id=fields[1], campaign_id=fields[2], email=fields[3])
