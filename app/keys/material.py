"""What an API key is made of: `hrd_<id>_<secret>`, and the digest the table keeps instead of it.

The secret is 32 random bytes (`secrets.token_urlsafe`, 256 bits). A plain SHA-256 of the key is
therefore the right thing to store: nobody can search 2^256 secrets for a hash, so the slow,
salted hashes made for passwords (bcrypt, scrypt, Argon2) would add nothing but their cost,
paid on every request a key makes; and an unsalted digest can be the lookup key itself, so
verifying a key is one GetItem. The id (12 hex characters) is not secret: it names the key in
logs, in the owner's list and in the URL that revokes it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from app.digests import hex_digest

KEY_PREFIX = "hrd"
PATTERN = re.compile(rf"^{KEY_PREFIX}_(?P<id>[0-9a-f]{{12}})_(?P<secret>[A-Za-z0-9_-]{{43}})$")
SHAPE = f"{KEY_PREFIX}_<12 hex>_<43 base64url>"


@dataclass(frozen=True)
class NewKey:
    """A freshly made key: the whole key (shown once), its id and its digest (stored)."""

    key: str
    key_id: str
    digest: str


def digest(key: str) -> str:
    """What the table keeps of a key (hex SHA-256)."""
    return hex_digest(key)


def make_key() -> NewKey:
    """A new key with 256 bits of secret."""
    key_id = secrets.token_hex(6)
    key = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    return NewKey(key=key, key_id=key_id, digest=digest(key))


def is_api_key(credential: str) -> bool:
    """True when a bearer credential has the shape of an API key (else it may be an access token)."""
    return credential.startswith(f"{KEY_PREFIX}_")


def key_id_of(credential: str) -> str | None:
    """The id in a well-formed key (for logs), else None."""
    matched = PATTERN.match(credential)
    return matched.group("id") if matched else None
