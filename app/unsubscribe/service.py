"""Unsubscribe: show whom a link is for, and unsubscribe them (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from app.campaigns.repository import CampaignRepository
from app.contacts.lists import ListRepository
from app.contacts.models import SuppressionEntry
from app.contacts.subscribers import SubscriberRepository
from app.contacts.suppression import SuppressionRepository
from app.delivery.repository import RecipientRepository
from app.observability import logger
from app.store import Kit
from app.unsubscribe.tokens import Keyring, read_token


class UnsubscribeStatus(BaseModel):
    """What the public page shows."""

    email: str
    list_name: str
    status: Literal["subscribed", "unsubscribed"]


@dataclass(frozen=True)
class UnsubscribeKit(Kit):
    """What an unsubscribe link reads and changes."""

    lists: ListRepository
    subscribers: SubscriberRepository
    suppressions: SuppressionRepository
    recipients: RecipientRepository
    campaigns: CampaignRepository


def show(token: str, *, key: Keyring, kit: UnsubscribeKit) -> UnsubscribeStatus:
    """Whom the link unsubscribes, from which list, and whether they still are subscribed."""
    target = read_token(token, key=key)
    found = kit.lists.get(target.owner_id, target.list_id)
    subscriber = kit.subscribers.get(target.owner_id, target.list_id, target.email, consistent=True)
    subscribed = subscriber is not None and subscriber.status == "subscribed"
    return UnsubscribeStatus(
        email=target.email,
        list_name=found.name if found else "",
        status="subscribed" if subscribed else "unsubscribed",
    )


def unsubscribe(token: str, *, key: Keyring, kit: UnsubscribeKit) -> UnsubscribeStatus:
    """The subscriber becomes unsubscribed and suppressed; the campaign counts it once."""
    target = read_token(token, key=key)
    entry = SuppressionEntry(reason="unsubscribed", source=f"campaign:{target.campaign_id}")
    subscriber = kit.subscribers.get(target.owner_id, target.list_id, target.email, consistent=True)
    if subscriber is not None and subscriber.status == "subscribed":
        kit.subscribers.update(
            target.owner_id,
            target.list_id,
            target.email,
            status="unsubscribed",
            suppress=entry,
            correlation_id=None,
        )
    else:
        kit.suppressions.add(target.owner_id, target.email, entry)
    if kit.recipients.transition(
        target.owner_id,
        target.campaign_id,
        target.email,
        allowed=("sent", "delivered", "bounced", "complained"),
        to="unsubscribed",
    ):
        kit.campaigns.add_counters(target.owner_id, target.campaign_id, {"unsubscribed": 1})
    logger.info("unsubscribed", extra={"campaign_id": target.campaign_id, "list_id": target.list_id})
    return show(token, key=key, kit=kit)
