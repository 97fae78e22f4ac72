"""When the owner's campaigns went out: a small marker item per campaign, keyed by the time its
sending began, for "the owner's last N campaigns" (the engagement conditions of segments).

Keys: marker W = PK=OWNER#<owner>, SK=WENT-OUT#<when sending began, UTC, ms>#<campaign>. A marker
outlives its campaign: opens of a deleted campaign are still on its subscribers.

| access pattern                       | key                                  | operation                  |
|--------------------------------------|--------------------------------------|----------------------------|
| note that a campaign began going out | W                                    | UpdateItem (same on retry) |
| the last N to go out before a moment | W's PK, SK BETWEEN WENT-OUT# and <t> | Query, newest first, Limit |
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.campaigns.models import Campaign
from app.db import Table

ENTITY = "went_out"
_PREFIX = "WENT-OUT#"


def instant(at: datetime) -> str:
    """A moment as engagement times are stored (UTC, milliseconds), so that they compare as text."""
    moment = at if at.tzinfo else at.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def began_sending(campaign: Campaign) -> datetime | None:
    """When the campaign's sending began (its first `sending` step; a resume does not count)."""
    return next((step.at for step in campaign.timeline if step.status == "sending"), None)


class WentOutLog:
    """The markers, beside the campaigns (CampaignRepository has these access patterns)."""

    table: Table

    def note_went_out(self, owner_id: str, campaign_id: str, at: datetime) -> None:
        """Note that a campaign began going out at `at` (a retry writes the same item again)."""
        # UpdateItem writes the item whether or not it exists (StartDelivery has no PutItem).
        self.table.update(
            f"OWNER#{owner_id}",
            f"{_PREFIX}{instant(at)}#{campaign_id}",
            sets={"type": ENTITY, "owner_id": owner_id, "campaign_id": campaign_id, "at": instant(at)},
            returns="NONE",
        )

    def went_out_before(self, owner_id: str, moment: datetime, *, limit: int) -> list[str]:
        """When the last `limit` campaigns to go out before `moment` began (`instant` text), newest
        first: fewer when fewer went out. One Query of at most `limit` small items."""
        items, _ = self.table.query(
            "PK = :pk AND SK BETWEEN :first AND :moment",
            {":pk": f"OWNER#{owner_id}", ":first": _PREFIX, ":moment": f"{_PREFIX}{instant(moment)}"},
            limit=limit,
            forward=False,
        )
        return [str(item["at"]) for item in items]
