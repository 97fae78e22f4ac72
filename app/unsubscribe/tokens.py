"""Signed unsubscribe tokens: JSON [owner, list, campaign, email] sealed with the signing key (signing.py)."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import NotFound
from app.pagination import KeySource
from app.signing import seal_json, unseal_json

_SCOPE = "unsubscribe"


@dataclass(frozen=True)
class UnsubscribeTarget:
    """Whom a link unsubscribes, from which list, and which campaign's mail carried it."""

    owner_id: str
    list_id: str
    campaign_id: str
    email: str


def make_token(target: UnsubscribeTarget, *, key: bytes) -> str:
    """The token for one recipient (the caller passes the key: one SSM read per batch)."""
    fields = [target.owner_id, target.list_id, target.campaign_id, target.email]
    return seal_json(fields, scope=_SCOPE, key=key)


def read_token(token: str, *, key: KeySource) -> UnsubscribeTarget:
    """Whom a token stands for; NotFound when it was altered or is not a token."""
    fields = unseal_json(token, scope=_SCOPE, key=key())
    if not isinstance(fields, list) or len(fields) != 4 or not all(isinstance(f, str) for f in fields):
        raise NotFound("This unsubscribe link is not valid.", code="invalid_unsubscribe_link")
    return UnsubscribeTarget(owner_id=fields[0], list_id=fields[1], campaign_id=fields[2], email=fields[3])
