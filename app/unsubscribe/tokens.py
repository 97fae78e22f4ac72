"""Opaque unsubscribe tokens: whom a link unsubscribes, encrypted (AES-256-GCM) under the signing keys.

A token is `1` (the format), a 4-character key id, then base64url(nonce || ciphertext || tag) of
"owner\\nlist\\ncampaign\\nemail": a recipient learns nothing from it, and any change to it is
refused. The AEAD key is derived (HKDF-SHA256) from a signing key of the SSM parameter, which
holds the current key and, after a rotation, the previous one (app/secrets.py): a token names its
key, so mail sent before a rotation keeps working until that key is removed from the parameter.

Tokens of the earlier, signed-but-readable format (`payload.signature`, app/signing.py) are still
accepted for mail already sent, under the same rule: while the key that signed them is the
current or the previous one, so until the second rotation after this format shipped.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from app.errors import NotFound
from app.signing import unseal_json

FORMAT = "1"
_KEY_ID_LENGTH = 4  # base64url of 3 bytes
_NONCE_BYTES = 12
_CONTEXT = b"herald unsubscribe token v1"  # HKDF info and GCM associated data
_LEGACY_SCOPE = "unsubscribe"

# The signing keys, newest first (a single key is a ring of one).
Keyring = Callable[[], bytes | Sequence[bytes]]


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


@lru_cache(maxsize=8)
def _derived(secret: bytes) -> tuple[str, bytes]:
    """(key id, AEAD key) of a signing key; derived once per key and process."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_CONTEXT).derive(secret)
    return _b64(hashlib.sha256(key).digest()[:3]), key


def make_token(target: UnsubscribeTarget, *, key: bytes) -> str:
    """The token for one recipient, under the current signing key (the caller passes it: one SSM
    read per batch)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key_id, aead_key = _derived(key)
    plain = "\n".join((target.owner_id, target.list_id, target.campaign_id, target.email)).encode()
    nonce = os.urandom(_NONCE_BYTES)
    return f"{FORMAT}{key_id}{_b64(nonce + AESGCM(aead_key).encrypt(nonce, plain, _CONTEXT))}"


def _invalid() -> NotFound:
    return NotFound("This unsubscribe link is not valid.", code="invalid_unsubscribe_link")


def _ring(keys: Keyring) -> tuple[bytes, ...]:
    found = keys()
    return (found,) if isinstance(found, bytes) else tuple(found)


def read_token(token: str, *, key: Keyring) -> UnsubscribeTarget:
    """Whom a token stands for; NotFound when it was altered, its key is gone, or it is not a token."""
    ring = _ring(key)
    fields = _legacy_fields(token, ring) if "." in token else _fields(token, ring)
    if fields is None or len(fields) != 4 or not all(fields):
        raise _invalid()
    return UnsubscribeTarget(owner_id=fields[0], list_id=fields[1], campaign_id=fields[2], email=fields[3])


def _fields(token: str, ring: Sequence[bytes]) -> list[str] | None:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not token.startswith(FORMAT):
        return None
    key_id, body = token[1 : 1 + _KEY_ID_LENGTH], token[1 + _KEY_ID_LENGTH :]
    aead_key = next((k for kid, k in map(_derived, ring) if kid == key_id), None)
    try:
        sealed = _unb64(body)
    except (ValueError, binascii.Error):
        return None
    if aead_key is None or len(sealed) <= _NONCE_BYTES:
        return None
    try:
        plain = AESGCM(aead_key).decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], _CONTEXT)
        return plain.decode().split("\n")
    except (InvalidTag, UnicodeDecodeError):
        return None


def _legacy_fields(token: str, ring: Sequence[bytes]) -> list[str] | None:
    """The fields of a signed token of the earlier format, if one of the keys signed it."""
    for secret in ring:
        fields = unseal_json(token, scope=_LEGACY_SCOPE, key=secret)
        if isinstance(fields, list) and all(isinstance(f, str) for f in fields):
            return [str(f) for f in fields]
    return None
