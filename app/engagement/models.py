"""Engagement as the API shows it: a campaign's links and hourly series, a subscriber's activity."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from app.campaigns.models import RecipientStatus
from app.pagination import Page

ActivityKind = Literal["sent", "delivered", "opened", "clicked", "bounced", "complained", "unsubscribed"]


class LinkStats(BaseModel):
    """One tracked link of a campaign: every click, and the recipients who clicked it."""

    url: str
    clicks: int
    unique_clicks: int


class LinkList(BaseModel):
    """A campaign's most clicked links, most clicked first."""

    items: list[LinkStats]
    # True when the campaign has more distinct links than one answer reads (see LINKS_READ).
    truncated: bool


class EngagementHour(BaseModel):
    """Opens and clicks in one hour (UTC) after sending; machine opens apart."""

    hour: datetime
    opens: int = 0
    unique_opens: int = 0
    machine_opens: int = 0
    clicks: int = 0
    unique_clicks: int = 0


class EngagementSeries(BaseModel):
    """A campaign's hours with opens or clicks, oldest first (hours without any are left out)."""

    items: list[EngagementHour]
    next_cursor: str | None


class ActivityEvent(BaseModel):
    """One thing that happened to one campaign's message to the subscriber."""

    kind: ActivityKind
    at: datetime
    detail: str | None = None  # the link of a click; the reason of a bounce


class CampaignActivity(BaseModel):
    """One campaign sent to the subscriber, with what happened to it, oldest event first."""

    campaign_id: str
    campaign_name: str | None  # None: the campaign was deleted since
    status: RecipientStatus
    open_count: int
    machine_open_count: int
    click_count: int
    events: list[ActivityEvent]


class ActivityPage(Page[CampaignActivity]):
    """A page of a subscriber's campaigns, the most recently sent first."""
