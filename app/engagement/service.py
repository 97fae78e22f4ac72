"""Engagement reads: a campaign's top links and hourly series, an address's activity across campaigns."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from app.campaigns.repository import CampaignRepository
from app.contacts.lists import ListRepository
from app.delivery.repository import RecipientRecord
from app.engagement.models import (
    ActivityEvent,
    ActivityKind,
    ActivityPage,
    CampaignActivity,
    EngagementHour,
    EngagementSeries,
    LinkList,
    LinkStats,
)
from app.engagement.repository import EngagementRepository
from app.errors import NotFound, found, no_such
from app.pagination import KeySource, PageRequest, every_page, next_cursor, start_after
from app.store import Kit

TOP_LINKS = 50  # links one answer lists


# Campaigns read per page when the preference centre exports everything about a reader.
ACTIVITY_EXPORT_PAGE = 100


@dataclass(frozen=True)
class EngagementReads(Kit):
    """What the engagement routes read: the owner's lists and campaigns, and their engagement."""

    lists: ListRepository
    campaigns: CampaignRepository
    engagement: EngagementRepository


_campaign_not_found = no_such("campaign")


def _check_campaign(owner_id: str, campaign_id: str, campaigns: CampaignRepository) -> None:
    found(campaigns.get(owner_id, campaign_id), _campaign_not_found)


def top_links(owner_id: str, campaign_id: str, *, kit: EngagementReads) -> LinkList:
    """The campaign's most clicked links (TOP_LINKS of them), with their unique clicks."""
    _check_campaign(owner_id, campaign_id, kit.campaigns)
    counts, more = kit.engagement.links(owner_id, campaign_id)
    ranked = sorted(counts, key=lambda c: (-c.clicks, -c.unique_clicks, c.url))
    items = [LinkStats(url=c.url, clicks=c.clicks, unique_clicks=c.unique_clicks) for c in ranked]
    return LinkList(items=items[:TOP_LINKS], truncated=more or len(items) > TOP_LINKS)


def series(
    owner_id: str,
    campaign_id: str,
    page: PageRequest,
    *,
    kit: EngagementReads,
    key: KeySource,
) -> EngagementSeries:
    """A page of the campaign's hours with opens or clicks, oldest first."""
    _check_campaign(owner_id, campaign_id, kit.campaigns)
    scope = f"engagement:{owner_id}:{campaign_id}"
    start = start_after(page.cursor, scope=scope, prefix="HOUR#", key=key)
    hours, last = kit.engagement.hours(owner_id, campaign_id, limit=page.limit, start_sk=start)
    items = [EngagementHour(hour=datetime.fromisoformat(f"{h.hour}:00:00+00:00"), **h.counts) for h in hours]
    return EngagementSeries(items=items, next_cursor=next_cursor(last, scope=scope, key=key))


def activity(
    owner_id: str,
    list_id: str,
    email: str,
    page: PageRequest,
    *,
    kit: EngagementReads,
    key: KeySource,
) -> ActivityPage:
    """A page of the campaigns mailed to an address of one of the owner's lists (from any of the
    owner's lists: it is the same person), the latest first, each with what happened to it."""
    found(kit.lists.get(owner_id, list_id), lambda: NotFound("No such list.", code="list_not_found"))
    email = email.strip().lower()
    scope = f"activity:{owner_id}:{email}"
    start = start_after(page.cursor, scope=scope, prefix="SENT#", key=key)
    records, last = kit.engagement.activity(owner_id, email, limit=page.limit, start_sk=start)
    items = _described(owner_id, records, campaigns=kit.campaigns)
    return ActivityPage(items=items, next_cursor=next_cursor(last, scope=scope, key=key))


def every_activity(owner_id: str, email: str, *, kit: EngagementReads) -> Iterator[CampaignActivity]:
    """Every campaign mailed to an address, the latest first, a page at a time (the personal-data
    export of the preference centre)."""

    def read(start: str | None) -> tuple[list[CampaignActivity], str | None]:
        records, after = kit.engagement.activity(owner_id, email, limit=ACTIVITY_EXPORT_PAGE, start_sk=start)
        return _described(owner_id, records, campaigns=kit.campaigns), after

    return every_page(read)


def _described(
    owner_id: str, records: list[RecipientRecord], *, campaigns: CampaignRepository
) -> list[CampaignActivity]:
    names = campaigns.names(owner_id, {r.campaign_id for r in records}) if records else {}
    return [
        CampaignActivity(
            campaign_id=r.campaign_id,
            campaign_name=names.get(r.campaign_id),
            status=r.status,
            open_count=r.engagement.open_count,
            machine_open_count=r.engagement.machine_open_count,
            click_count=r.engagement.click_count,
            events=_events(r),
        )
        for r in records
    ]


def _events(r: RecipientRecord) -> list[ActivityEvent]:
    """What happened to one message, oldest first: sent, delivered, the first and latest open and
    click, and how it ended (bounced, complained, unsubscribed: at its last status change)."""
    seen = r.engagement
    moments: list[tuple[ActivityKind, str | None, str | None]] = [
        ("sent", r.sent_at, None),
        ("delivered", r.delivered_at, None),
        ("opened", seen.first_open_at, None),
        ("opened", seen.last_open_at if seen.last_open_at != seen.first_open_at else None, None),
        ("clicked", seen.first_click_at, ", ".join(seen.clicked_links) or None),
        ("clicked", seen.last_click_at if seen.last_click_at != seen.first_click_at else None, None),
    ]
    if r.status in ("bounced", "complained", "unsubscribed"):
        moments.append((cast(ActivityKind, r.status), r.updated_at, r.reason))
    events = [
        ActivityEvent(kind=kind, at=datetime.fromisoformat(at), detail=detail)
        for kind, at, detail in moments
        if at
    ]
    return sorted(events, key=lambda e: e.at)
