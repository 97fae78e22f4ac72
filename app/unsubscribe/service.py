"""Unsubscribe: show whom a link is for, and unsubscribe them (idempotent)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from app.campaigns.repository import CampaignRepository
from app.contacts.lists import ListRepository
from app.contacts.models import SuppressionEntry
from app.contacts.subscribers import SubscriberRepository
from app.contacts.suppression import SuppressionRepository
from app.delivery.repository import RecipientRepository
from app.observability import logger
from app.unsubscribe.tokens import Keyring, read_token


class UnsubscribeStatus(BaseModel):
    """What the public page shows."""

    email: str
    list_name: str
    status: Literal["subscribed", "unsubscribed"]


def _status(
    token: str, *, key: Keyring, lists: ListRepository, subscribers: SubscriberRepository
) -> UnsubscribeStatus:
    target = read_token(token, key=key)
    found = lists.get(target.owner_id, target.list_id)
    subscriber = subscribers.get(target.owner_id, target.list_id, target.email, consistent=True)
    subscribed = subscriber is not None and subscriber.status == "subscribed"
    return UnsubscribeStatus(
        email=target.email,
        list_name=found.name if found else "",
        status="subscribed" if subscribed else "unsubscribed",
    )


def show(
    token: str, *, key: Keyring, lists: ListRepository, subscribers: SubscriberRepository
) -> UnsubscribeStatus:
    """Whom the link unsubscribes, from which list, and whether they still are subscribed."""
    return _status(token, key=key, lists=lists, subscribers=subscribers)


def unsubscribe(
    token: str,
    *,
    key: Keyring,
    lists: ListRepository,
    subscribers: SubscriberRepository,
    suppressions: SuppressionRepository,
    recipients: RecipientRepository,
    campaigns: CampaignRepository,
) -> UnsubscribeStatus:
    """The subscriber becomes unsubscribed and suppressed; the campaign counts it once."""
    target = read_token(token, key=key)
    entry = SuppressionEntry(reason="unsubscribed", source=f"campaign:{target.campaign_id}")
    subscriber = subscribers.get(target.owner_id, target.list_id, target.email, consistent=True)
    if subscriber is not None and subscriber.status == "subscribed":
        subscribers.update(
            target.owner_id,
            target.list_id,
            target.email,
            status="unsubscribed",
            suppress=entry,
            correlation_id=None,
        )
    else:
        suppressions.add(target.owner_id, target.email, entry)
    if recipients.transition(
        target.owner_id,
        target.campaign_id,
        target.email,
        allowed=("sent", "delivered", "bounced", "complained"),
        to="unsubscribed",
    ):
        campaigns.add_counters(target.owner_id, target.campaign_id, {"unsubscribed": 1})
    logger.info("unsubscribed", extra={"campaign_id": target.campaign_id, "list_id": target.list_id})
    return _status(token, key=key, lists=lists, subscribers=subscribers)
