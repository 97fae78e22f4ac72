"""Preference-centre links: JSON [owner, email] sealed with the signing key (signing.py).

They do not expire, like unsubscribe links: an old newsletter's link must still let its reader leave.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import NotFound
from app.signing import seal_json, unseal_json

_SCOPE = "preferences"


@dataclass(frozen=True)
class Reader:
    """Whose preferences a link opens: one address, at one owner."""

    owner_id: str
    email: str


def make_token(reader: Reader, *, key: bytes) -> str:
    """The token of one reader's link."""
    return seal_json([reader.owner_id, reader.email], scope=_SCOPE, key=key)


def preferences_url(app_url: str, reader: Reader, *, key: bytes) -> str:
    """The link `{{ preferences_url }}` renders to (the SPA's /preferences/<token> page)."""
    return f"{app_url.rstrip('/')}/preferences/{make_token(reader, key=key)}"


def read_token(token: str, *, key: bytes) -> Reader:
    """Whose link it is; NotFound when it was altered or is not one."""
    fields = unseal_json(token, scope=_SCOPE, key=key)
    if not isinstance(fields, list) or len(fields) != 2 or not all(isinstance(f, str) for f in fields):
        raise NotFound("This preferences link is not valid.", code="invalid_preferences_link")
    return Reader(owner_id=fields[0], email=fields[1])
