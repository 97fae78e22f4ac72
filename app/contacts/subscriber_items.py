"""A subscriber as stored: its keys, its item, and the typed records read back from one.

Keys: subscriber S = PK=LIST#<owner>#<list>, SK=SUB#<email> (its list's partition, lists.py).
The subscriber repository (subscribers.py) writes the items built here and reads them back as records.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.contacts.attributes import filter_map
from app.contacts.lists import ListRepository
from app.contacts.models import (
    CONFIRM_DAYS,
    Confirmation,
    Consent,
    NewSubscriber,
    Subscriber,
    attributes_json,
)
from app.db import Item, moment, new_item, now_iso, stamps
from app.writes import Update

ENTITY = "subscriber"


def members_pk(owner_id: str, list_id: str) -> str:
    """The partition holding a list's subscribers."""
    return f"LIST#{owner_id}#{list_id}"


def subscriber_key(owner_id: str, list_id: str, email: str) -> tuple[str, str]:
    """The key of one subscriber (one per normalised email per list)."""
    return members_pk(owner_id, list_id), f"SUB#{email}"


def to_subscriber(item: Mapping[str, Any]) -> Subscriber:
    """A subscriber item as the API shows it."""
    consent = item.get("consent")
    return Subscriber(
        email=str(item["email"]),
        list_id=str(item["list_id"]),
        name=str(item.get("name", "")),
        status=item["status"],
        attributes=json.loads(str(item.get("attributes") or "{}")),
        source=item.get("source", "api"),
        **stamps(item),
        campaigns_received=int(item.get("campaigns_received", 0)),
        last_sent_at=moment(item.get("last_sent_at")),
        confirmed_at=moment(item.get("confirmed_at")),
        confirmed_by=item.get("confirmed_by") or None,
        confirmed_reason=str(item.get("confirmed_reason", "")),
        consent=Consent.model_validate(consent) if consent else None,
    )


@dataclass(frozen=True)
class SubscriberRecord:
    """A stored subscriber as an import sees it: the API view and the imports that wrote it."""

    subscriber: Subscriber
    created_import: str | None
    updated_import: str | None
    # What is stored, read back only by this repository: a rewrite keeps what the view leaves out.
    stored: Mapping[str, Any] = field(repr=False, compare=False)
    confirm_id: str | None = field(default=None, compare=False)  # the link a waiting address needs

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> SubscriberRecord:
        """Build from a stored item."""
        created, updated = item.get("created_import"), item.get("updated_import")
        pending = item.get("confirm_id")
        return cls(
            subscriber=to_subscriber(item),
            created_import=str(created) if created else None,
            updated_import=str(updated) if updated else None,
            confirm_id=str(pending) if pending else None,
            stored=item,
        )


def expiry(now: str) -> int:
    """When an unconfirmed subscriber asking at `now` expires (epoch seconds, the table's `ttl`)."""
    return int((datetime.fromisoformat(now) + timedelta(days=CONFIRM_DAYS)).timestamp())


def confirmation_fields(confirmation: Confirmation) -> dict[str, Any]:
    """What a subscriber stores of why it may be mailed."""
    return {
        "confirmed_at": confirmation.at or now_iso(),
        "confirmed_by": confirmation.by,
        "confirmed_reason": confirmation.reason or None,
        "confirmed_ip": confirmation.ip or None,
    }


def subscriber_item(owner_id: str, list_id: str, new: NewSubscriber, *, now: str) -> Item:
    """The item of a new subscriber (an unconfirmed one expires; a subscribed one says why)."""
    key = subscriber_key(owner_id, list_id, new.email)
    item = new_item(
        key,
        ENTITY,
        owner_id=owner_id,
        list_id=list_id,
        email=new.email,
        name=new.name,
        status=new.status,
        attributes=attributes_json(new.attributes),
        attrs=filter_map(new.attributes),
        source=new.source,
        correlation_id=new.correlation_id,
        created_at=now,
        updated_at=now,
    )
    if new.status == "unconfirmed":
        item["ttl"] = expiry(now)
    elif new.status == "subscribed" and new.confirmation is not None:
        item.update({k: v for k, v in confirmation_fields(new.confirmation).items() if v is not None})
    if new.consent is not None:
        item["consent"] = new.consent.model_dump(mode="json")
    return item


def count_change(owner_id: str, list_id: str, delta: int) -> Update:
    """Move a list's subscriber count (the list must exist)."""
    return Update(
        *ListRepository.key(owner_id, list_id),
        adds={"subscriber_count": delta},
        condition="attribute_exists(PK)",
    )
