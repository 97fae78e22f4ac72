"""Engagement routes: a campaign's links and hours, an address's activity (thin, one service call each)."""

from __future__ import annotations

from fastapi import APIRouter

from app import secrets
from app.api.deps import CurrentUser, EmailInPath, ItemId, Page, StoreDep
from app.engagement import service
from app.engagement.models import ActivityPage, EngagementSeries, LinkList
from app.engagement.service import EngagementReads

router = APIRouter(tags=["engagement"])


@router.get("/api/campaigns/{campaign_id}/links")
async def campaign_links(campaign_id: ItemId, user: CurrentUser, store: StoreDep) -> LinkList:
    """The campaign's most clicked links, with clicks and unique clicks (recipients who clicked)."""
    return service.top_links(user.user_id, campaign_id, kit=EngagementReads.of(store))


@router.get("/api/campaigns/{campaign_id}/engagement")
async def campaign_engagement(
    campaign_id: ItemId, user: CurrentUser, store: StoreDep, page: Page
) -> EngagementSeries:
    """Opens (machine opens apart) and clicks per hour (UTC), oldest first; hours without any are left out."""
    return service.series(
        user.user_id,
        campaign_id,
        page,
        kit=EngagementReads.of(store),
        key=secrets.signing_key,
    )


@router.get("/api/lists/{list_id}/activity/{email:path}")
async def subscriber_activity(
    list_id: ItemId, email: EmailInPath, user: CurrentUser, store: StoreDep, page: Page
) -> ActivityPage:
    """The campaigns mailed to a subscriber (from any of your lists), the latest first: sent,
    delivered, opened, clicked, bounced, complained, unsubscribed."""
    return service.activity(
        user.user_id,
        list_id,
        email,
        page,
        kit=EngagementReads.of(store),
        key=secrets.signing_key,
    )
