"""Confirmation links: the owner, the address, each list with the id its subscriber waits for, and
an expiry, sealed with the signing key (signing.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from app.contacts.models import CONFIRM_DAYS
from app.errors import NotFound
from app.signing import seal_json, unseal_json

_SCOPE = "confirm-subscription"


@dataclass(frozen=True)
class ConfirmTarget:
    """Whom a confirmation link confirms, on which lists, until when (epoch seconds)."""

    owner_id: str
    email: str
    lists: tuple[tuple[str, str], ...]  # (list id, confirm id)
    expires: int


def make_token(
    owner_id: str, email: str, lists: tuple[tuple[str, str], ...], *, key: bytes, now: float | None = None
) -> str:
    """The token of one confirmation email (valid as long as its unconfirmed subscribers live)."""
    expires = int((now or time.time()) + CONFIRM_DAYS * 86400)
    return seal_json(
        {"o": owner_id, "e": email, "l": [list(pair) for pair in lists], "x": expires}, scope=_SCOPE, key=key
    )


def confirm_url(app_url: str, token: str) -> str:
    """The link in the email (a page served by the API: GET shows it, POST confirms)."""
    return f"{app_url.rstrip('/')}/api/public/confirm/{token}"


def _invalid() -> NotFound:
    return NotFound(
        "This confirmation link is not valid: it may have been cut short or changed.",
        code="invalid_confirmation_link",
    )


def read_token(token: str, *, key: bytes, now: float | None = None) -> ConfirmTarget:
    """Whom a token confirms; NotFound when it was altered, is not a token, or has expired."""
    value = unseal_json(token, scope=_SCOPE, key=key)
    try:
        target = ConfirmTarget(
            owner_id=str(value["o"]),
            email=str(value["e"]),
            lists=tuple((str(pair[0]), str(pair[1])) for pair in value["l"]),
            expires=int(value["x"]),
        )
    except (TypeError, KeyError, IndexError, ValueError):
        raise _invalid() from None
    if target.expires < (now or time.time()):
        raise NotFound(
            "This confirmation link has expired: subscribe again to get a new one.",
            code="confirmation_link_expired",
        )
    return target
