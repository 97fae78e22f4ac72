"""Digests kept in place of a text: in keys (a rate-limited subject, a link, an API key, a client's
idempotency key, an erased address) and in what tells two things apart (a request's fingerprint)."""

from __future__ import annotations

import hashlib


def hex_digest(text: str, length: int = 64) -> str:
    """The hex SHA-256 of `text`, its first `length` characters (64: all of it)."""
    return hashlib.sha256(text.encode()).hexdigest()[:length]
