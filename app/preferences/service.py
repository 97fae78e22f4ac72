"""Preference-centre use cases: show, change (lists, name), unsubscribe from everything, export
everything held about the reader, erase it.

The signed link is the credential: the reader is one address at one owner. Leaving a list here
does not suppress the address (the reader chose which lists to keep); unsubscribing from everything
does. Joining a list here, or a list again, lifts an earlier unsubscribe: the reader asked for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from app.campaigns.models import CampaignSummary
from app.campaigns.repository import CampaignRepository
from app.contacts.confirmations import ConfirmationRepository
from app.contacts.models import Confirmation, ContactList, NewSubscriber, SuppressionEntry
from app.contacts.subscriber_items import SubscriberRecord
from app.contacts.subscribers import SubscriberRepository
from app.contacts.suppression import SuppressionRepository
from app.engagement.service import EngagementReads, every_activity
from app.errors import Conflict, NotFound
from app.observability import logger
from app.pagination import every_page
from app.preferences.models import (
    Erased,
    Message,
    PersonalData,
    PreferenceList,
    Preferences,
    PreferencesUpdate,
)
from app.preferences.repository import PersonalDataRepository
from app.preferences.tokens import Reader, read_token

CAMPAIGN_PAGE = 100


@dataclass(frozen=True)
class PreferenceKit(EngagementReads):
    """What the preference centre reads and changes: what the engagement reads do (its reader's
    activity is one of them), and the reader's subscriptions and personal data."""

    subscribers: SubscriberRepository
    suppressions: SuppressionRepository
    personal_data: PersonalDataRepository
    confirmations: ConfirmationRepository


@dataclass(frozen=True)
class _Holdings:
    reader: Reader
    lists: list[ContactList]
    entries: dict[str, SubscriberRecord]


def _holdings(token: str, *, key: bytes, kit: PreferenceKit) -> _Holdings:
    reader = read_token(token, key=key)
    lists = list(kit.lists.all(reader.owner_id))
    entries = kit.subscribers.on_lists(reader.owner_id, [found.id for found in lists], reader.email)
    return _Holdings(reader, lists, entries)


def _view(held: _Holdings, kit: PreferenceKit) -> Preferences:
    names = [e.subscriber.name for e in held.entries.values() if e.subscriber.name]
    public = [found for found in held.lists if found.public]
    subscribed = {list_id for list_id, e in held.entries.items() if e.subscriber.status == "subscribed"}
    return Preferences(
        email=held.reader.email,
        name=names[0] if names else "",
        lists=[
            PreferenceList(
                id=found.id, name=found.name, description=found.description, subscribed=found.id in subscribed
            )
            for found in public
        ],
        other_lists=len(set(held.entries) - {found.id for found in public}),
        erased=kit.suppressions.is_erased(held.reader.owner_id, held.reader.email),
    )


def show(token: str, *, key: bytes, kit: PreferenceKit) -> Preferences:
    """The reader's page."""
    return _view(_holdings(token, key=key, kit=kit), kit)


def update(token: str, cmd: PreferencesUpdate, *, key: bytes, kit: PreferenceKit) -> Preferences:
    """Rename the reader everywhere, and join or leave public lists."""
    held = _holdings(token, key=key, kit=kit)
    owner_id, email = held.reader.owner_id, held.reader.email
    if kit.suppressions.is_erased(owner_id, email):
        raise Conflict("This address was erased; it cannot be subscribed again.", code="address_erased")
    public = {found.id for found in held.lists if found.public}
    unknown = sorted(set(cmd.lists) - public)
    if unknown:
        raise NotFound("No such list.", code="list_not_found", details=[{"list_ids": unknown}])
    if cmd.name is not None:
        for list_id in held.entries:
            kit.subscribers.update(
                owner_id, list_id, email, name=cmd.name, suppress=None, correlation_id=None
            )
    joined = False
    for list_id, wanted in cmd.lists.items():
        entry = held.entries.get(list_id)
        status = entry.subscriber.status if entry else None
        if wanted and status is None:
            new = NewSubscriber(
                email=email,
                name=cmd.name or "",
                source="preferences",
                confirmation=Confirmation(by="preferences"),
            )
            kit.subscribers.add(owner_id, list_id, new, suppress=None)
            joined = True
        elif wanted and status in ("unsubscribed", "unconfirmed"):
            kit.subscribers.update(
                owner_id,
                list_id,
                email,
                status="subscribed",
                confirmation=Confirmation(by="preferences"),
                suppress=None,
                correlation_id=None,
            )
            joined = True
        elif not wanted and status in ("subscribed", "unconfirmed"):
            kit.subscribers.update(
                owner_id, list_id, email, status="unsubscribed", suppress=None, correlation_id=None
            )
    if joined:
        kit.suppressions.lift_unsubscribe(owner_id, email)
    logger.info("preferences changed", extra={"lists": len(cmd.lists), "renamed": cmd.name is not None})
    return show(token, key=key, kit=kit)


def unsubscribe_all(token: str, *, key: bytes, kit: PreferenceKit) -> Preferences:
    """Leave every list of the owner (public or not); the address is suppressed account-wide."""
    held = _holdings(token, key=key, kit=kit)
    owner_id, email = held.reader.owner_id, held.reader.email
    kit.suppressions.add(owner_id, email, SuppressionEntry(reason="unsubscribed", source="preferences"))
    for list_id, entry in held.entries.items():
        if entry.subscriber.status in ("subscribed", "unconfirmed"):
            kit.subscribers.update(
                owner_id, list_id, email, status="unsubscribed", suppress=None, correlation_id=None
            )
    logger.info("unsubscribed from everything", extra={"lists": len(held.entries)})
    return show(token, key=key, kit=kit)


def _campaigns(owner_id: str, campaigns: CampaignRepository) -> Iterator[CampaignSummary]:
    """Every campaign of the owner, a page at a time (a reader's copies are looked up in each)."""
    return every_page(lambda start: campaigns.page(owner_id, limit=CAMPAIGN_PAGE, start_sk=start))


def export(token: str, *, key: bytes, kit: PreferenceKit) -> PersonalData:
    """Everything held about the reader: every subscription (with attributes and consent), the
    suppression entry, each campaign sent to them and what they did with it, bounce counts."""
    held = _holdings(token, key=key, kit=kit)
    owner_id, email = held.reader.owner_id, held.reader.email
    sent = {summary.id: summary for summary in _campaigns(owner_id, kit.campaigns)}
    messages = [
        Message(
            campaign_id=r.campaign_id,
            campaign_name=sent[r.campaign_id].name,
            subject=sent[r.campaign_id].subject,
            status=r.status,
            sent_at=datetime.fromisoformat(r.sent_at) if r.sent_at else None,
            delivered_at=datetime.fromisoformat(r.delivered_at) if r.delivered_at else None,
        )
        for r in kit.personal_data.messages(owner_id, list(sent), email)
    ]
    return PersonalData(
        exported_at=datetime.now(UTC),
        email=email,
        subscriptions=[entry.subscriber for entry in held.entries.values()],
        list_names={found.id: found.name for found in held.lists if found.id in held.entries},
        suppression=kit.suppressions.get(owner_id, email),
        messages=messages,
        activity=list(every_activity(owner_id, email, kit=kit)),
        soft_bounces=kit.personal_data.soft_bounces(owner_id, email),
        pending_confirmations=len(kit.confirmations.for_address(owner_id, email)),
    )


def erase(token: str, *, key: bytes, kit: PreferenceKit) -> Erased:
    """Delete the reader from every list, with their attributes, their copies in campaigns and their
    bounce counts; the address stays blocked as a hash. Safe to repeat."""
    held = _holdings(token, key=key, kit=kit)
    owner_id, email = held.reader.owner_id, held.reader.email
    kit.suppressions.erase(owner_id, email, correlation_id=None)  # first: blocked whatever happens next
    for list_id in held.entries:
        kit.subscribers.remove(owner_id, list_id, email)
    campaign_ids = [summary.id for summary in _campaigns(owner_id, kit.campaigns)]
    messages = kit.personal_data.forget_messages(owner_id, campaign_ids, email)
    kit.personal_data.forget_soft_bounces(owner_id, email)
    kit.confirmations.forget(owner_id, email)
    logger.info("address erased", extra={"subscriptions": len(held.entries), "messages": messages})
    return Erased(email=email, subscriptions=len(held.entries), messages=messages)
