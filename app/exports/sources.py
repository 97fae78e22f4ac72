"""What an export reads: the file's name, its columns and its rows, read lazily a page at a time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.contacts import service as contacts
from app.contacts.export import COLUMNS, file_stem, subscriber_row
from app.errors import NotFound
from app.exports.models import ExportKind
from app.pagination import every_page
from app.segments import service as segments

if TYPE_CHECKING:
    from app.campaigns.repository import CampaignRepository
    from app.contacts.lists import ListRepository
    from app.contacts.subscribers import SubscriberRepository
    from app.delivery.repository import RecipientRecord, RecipientRepository
    from app.exports.repository import ExportRepository
    from app.segments.repository import SegmentRepository
    from app.store import Store

RECIPIENT_COLUMNS = (
    "email",
    "status",
    "reason",
    "sent_at",
    "delivered_at",
    "first_open_at",
    "last_open_at",
    "open_count",
    "first_click_at",
    "click_count",
)
RECIPIENT_PAGE = 500  # recipients per Query while exporting


@dataclass(frozen=True)
class Source:
    """One export's content: nothing is read until `rows` is consumed."""

    file_name: str
    columns: Sequence[str]
    rows: Iterator[Sequence[Any]]


def _recipient_row(r: RecipientRecord) -> list[Any]:
    seen = r.engagement  # counts are empty cells until the first open or click, as the times are
    return [
        r.email,
        r.status,
        r.reason,
        r.sent_at,
        r.delivered_at,
        seen.first_open_at,
        seen.last_open_at,
        seen.open_count or None,
        seen.first_click_at,
        seen.click_count or None,
    ]


@dataclass(frozen=True)
class Sources:
    """The repositories exports read from."""

    lists: ListRepository
    subscribers: SubscriberRepository
    segments: SegmentRepository
    campaigns: CampaignRepository
    exports: ExportRepository
    recipients: RecipientRepository
    recipient_page: int = RECIPIENT_PAGE

    @classmethod
    def of(cls, store: Store) -> Sources:
        """The sources over a store's repositories."""
        return cls(
            store.lists, store.subscribers, store.segments, store.campaigns, store.exports, store.recipients
        )

    def open(self, owner_id: str, kind: ExportKind, source_id: str) -> Source:
        """The owner's list, segment or campaign to export; NotFound when it is not theirs (or gone)."""
        if kind == "list":
            name, subscribers = contacts.export_list(
                owner_id, source_id, lists=self.lists, repo=self.subscribers
            )
            return Source(name, COLUMNS, (subscriber_row(s) for s in subscribers))
        if kind == "segment":
            name, members = segments.export_segment(
                owner_id,
                source_id,
                repo=self.segments,
                lists=self.lists,
                subscribers=self.subscribers,
                campaigns=self.campaigns,
            )
            return Source(name, COLUMNS, (subscriber_row(s) for s in members))
        campaign = self.campaigns.get(owner_id, source_id)
        if campaign is None:
            raise NotFound("No such campaign.", code="campaign_not_found")
        recipients = every_page(
            lambda start: self.recipients.page(owner_id, source_id, limit=self.recipient_page, start_sk=start)
        )
        name = f"{file_stem(campaign.name, 'campaign')}-recipients.csv"
        return Source(name, RECIPIENT_COLUMNS, (_recipient_row(r) for r in recipients))
