"""Contact entities, commands and API shapes; email validation and normalisation."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, StrictBool

from app import addresses
from app.pagination import Page

SubscriberStatus = Literal["subscribed", "unconfirmed", "unsubscribed", "bounced", "complained"]
# What an owner may set: `unconfirmed` is where a subscriber starts (a form, or the API asking
# Herald to confirm), never where one is moved back to.
SettableStatus = Literal["subscribed", "unsubscribed", "bounced", "complained"]
# Statuses that put the address on the account's suppression list.
SUPPRESSING_STATUSES: frozenset[str] = frozenset({"unsubscribed", "bounced", "complained"})
SuppressionReason = Literal["unsubscribed", "bounced", "complained", "manual"]
# How a subscriber came to be confirmed (`confirmed_by`): a confirmation link, a single opt-in
# form, the owner's word (API, import, the list page), or the reader's own preference centre.
ConfirmedBy = Literal["double_opt_in", "single_opt_in", "api", "import", "owner", "preferences"]
OptIn = Literal["double", "single"]
SubscriberSource = Literal["api", "import", "form", "preferences"]
# An unconfirmed subscriber (and its confirmation link) lives this long.
CONFIRM_DAYS = 7
MAX_REASON = 500
MAX_CONSENT_TEXT = 2000

MAX_NAME = 200
MAX_ATTRIBUTES_BYTES = 4096
MAX_ATTRIBUTE_KEY = 64


class InvalidEmail(ValueError):
    """The text is not an email address we can send to."""


def new_id() -> str:
    """A 28-character id that sorts by creation time (ms timestamp, then 64 random bits)."""
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(8)}"


def id_time(value: str) -> float | None:
    """When an id from `new_id` was made (epoch seconds), or None for another kind of id."""
    try:
        return int(value[:12], 16) / 1000 if len(value) == 28 else None
    except ValueError:
        return None


def normalise_email(value: str) -> str:
    """The canonical form of an address (validated, lower-cased); InvalidEmail with the reason."""
    from email_validator import EmailNotValidError, validate_email

    text = value.strip()
    if not text:
        raise InvalidEmail("The email address is empty.")
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmail(str(exc)) from exc
    return str(checked.normalized).lower()


def _email(value: str) -> str:
    return normalise_email(value)


def _attributes(value: dict[str, Any]) -> dict[str, Any]:
    for key in value:
        if not key.strip() or len(key) > MAX_ATTRIBUTE_KEY:
            raise ValueError(f"attribute names must be 1-{MAX_ATTRIBUTE_KEY} characters")
    if len(attributes_json(value).encode()) > MAX_ATTRIBUTES_BYTES:
        raise ValueError(f"attributes must be at most {MAX_ATTRIBUTES_BYTES} bytes as JSON")
    return value


def attributes_json(value: dict[str, Any]) -> str:
    """Attributes as stored: compact JSON text (exact round trip, no float/Decimal games)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


# The schema states the plain form every client may send (app/addresses.py).
Email = Annotated[
    str, Field(max_length=addresses.MAX_LENGTH, json_schema_extra=addresses.SCHEMA), AfterValidator(_email)
]
# Attribute names as the validator wants them, stated in the schema (1-64 characters, not blank).
# "Not blank" is a character str.strip keeps, listed: \s differs between ECMA and Python regexes.
_NOT_BLANK = r"[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
_ATTRIBUTE_NAMES = {"minLength": 1, "maxLength": MAX_ATTRIBUTE_KEY, "pattern": _NOT_BLANK}
Attributes = Annotated[
    dict[str, Any], Field(json_schema_extra={"propertyNames": _ATTRIBUTE_NAMES}), AfterValidator(_attributes)
]
Name = Annotated[str, Field(max_length=MAX_NAME), AfterValidator(str.strip)]


# ---------------------------------------------------------------------- lists


class ConfirmationTemplate(BaseModel):
    """The confirmation email of a double opt-in list (merge tags as in campaigns, plus
    `{{ confirm_url }}`, `{{ lists }}` and `{{ preferences_url }}`); an empty field uses the default."""

    subject: Annotated[str, Field(max_length=500)] = ""
    html_body: Annotated[str, Field(max_length=100_000)] = ""
    text_body: Annotated[str, Field(max_length=100_000)] = ""


class ListCreate(BaseModel):
    """A new list."""

    name: Annotated[str, Field(min_length=1, max_length=120), AfterValidator(str.strip)]
    description: Annotated[str, Field(max_length=1000)] = ""


class ListUpdate(BaseModel):
    """Fields of a list that may change (omitted fields stay as they are): its name and description,
    and how people join it by themselves (forms, the preference centre)."""

    name: Annotated[str, Field(min_length=1, max_length=120), AfterValidator(str.strip)] | None = None
    description: Annotated[str, Field(max_length=1000)] | None = None
    opt_in: OptIn | None = None
    public: StrictBool | None = None
    confirmation: ConfirmationTemplate | None = None


class ContactList(BaseModel):
    """A list of subscribers."""

    id: str
    name: str
    description: str
    subscriber_count: int  # every subscriber but the unconfirmed ones
    created_at: datetime
    updated_at: datetime
    # Forms: `double` sends a confirmation email first; `single` subscribes at once.
    opt_in: OptIn = "double"
    # Shown in the preference centre (readers may join and leave it there).
    public: bool = False
    confirmation: ConfirmationTemplate = Field(default_factory=ConfirmationTemplate)


class ListPage(Page[ContactList]):
    """A page of lists; pass `next_cursor` back to get the next one."""


# ---------------------------------------------------------------------- subscribers


Reason = Annotated[str, Field(max_length=MAX_REASON), AfterValidator(str.strip)]


class SubscriberCreate(BaseModel):
    """A new subscriber of a list: `subscribed` on your word (say why in `confirmed_reason`: it is
    recorded), or `unconfirmed` to have Herald send the list's confirmation email first."""

    email: Email
    name: Name = ""
    status: SubscriberStatus = "subscribed"
    attributes: Attributes = Field(default_factory=dict)
    confirmed_reason: Reason = ""


class SubscriberUpdate(BaseModel):
    """Fields of a subscriber that may change (omitted fields stay; `attributes` is replaced whole).

    Moving an unconfirmed subscriber to `subscribed` confirms it on your word (`confirmed_reason`)."""

    name: Name | None = None
    status: SettableStatus | None = None
    attributes: Attributes | None = None
    confirmed_reason: Reason | None = None


class Consent(BaseModel):
    """What a person agreed to on a form: when, from where, on which form, and the words shown."""

    at: datetime
    ip: str
    form_id: str
    text: str


class Subscriber(BaseModel):
    """One address on one list."""

    email: str
    list_id: str
    name: str
    status: SubscriberStatus
    attributes: dict[str, Any]
    source: SubscriberSource
    created_at: datetime
    updated_at: datetime
    campaigns_received: int = 0  # campaigns sent to this address on this list
    last_sent_at: datetime | None = None  # when the last of them went out
    confirmed_at: datetime | None = None
    confirmed_by: ConfirmedBy | None = None
    confirmed_reason: str = ""
    consent: Consent | None = None


@dataclass(frozen=True)
class Confirmation:
    """How a subscriber was confirmed (stored with it; shown and exported)."""

    by: str
    reason: str = ""
    at: str | None = None  # ISO time; None: now
    ip: str = ""


@dataclass(frozen=True)
class NewSubscriber:
    """A subscriber to write (the repository builds the stored item from it)."""

    email: str
    name: str = ""
    status: str = "subscribed"
    attributes: dict[str, Any] = field(default_factory=dict)
    source: str = "api"
    correlation_id: str | None = None
    confirmation: Confirmation | None = None
    consent: Consent | None = None


class SubscriberPage(Page[Subscriber]):
    """A page of subscribers in email order; pass `next_cursor` back to get the next one."""


# ---------------------------------------------------------------------- suppression


class SuppressionCreate(BaseModel):
    """Suppress an address account-wide."""

    email: Email
    reason: SuppressionReason = "manual"


class Suppression(BaseModel):
    """An address no campaign of this account may send to."""

    email: str
    reason: SuppressionReason
    source: str
    created_at: datetime


@dataclass(frozen=True)
class SuppressionEntry:
    """Why an address is suppressed and what suppressed it (an existing entry keeps its first)."""

    reason: str
    source: str
    correlation_id: str | None = None


class SuppressionPage(Page[Suppression]):
    """A page of suppressed addresses in email order."""
