"""DynamoDB access for campaigns (the owner is in every key).

Keys: campaign C = PK=OWNER#<owner>, SK=CAMPAIGN#<id> (content, status, timeline, counters,
task token, execution, failure).

| access pattern                        | key                              | operation                     |
|---------------------------------------|----------------------------------|-------------------------------|
| create a draft                        | C                                | PutItem (if absent)           |
| read a campaign                       | C                                | GetItem                       |
| a page of the owner's campaigns       | C's PK, SK begins_with CAMPAIGN# | Query (newest first)          |
| edit, change status (+ timeline)      | C                                | UpdateItem (status IN ...)    |
| delete a draft or finished campaign   | C                                | DeleteItem (status IN ...)    |
| store the task token (WaitForSender)  | C                                | UpdateItem, ALL_NEW           |
| complete a batch, once (send worker)  | C (done_batches set)             | UpdateItem ADD (NOT contains) |
| count feedback (delivered, bounced..) | C                                | UpdateItem ADD                |
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.campaigns.models import (
    Campaign,
    CampaignStats,
    CampaignStatus,
    CampaignSummary,
    Failure,
    StatusChange,
    stats_of,
)
from app.db import Table, new_item, now_iso
from app.writes import Append, one_of

ENTITY = "campaign"
CONTENT_FIELDS = (
    "name",
    "subject",
    "from_name",
    "reply_to",
    "list_id",
    "segment_id",
    "html_body",
    "text_body",
)


def campaign_key(owner_id: str, campaign_id: str) -> tuple[str, str]:
    """The key of a campaign item."""
    return f"OWNER#{owner_id}", f"CAMPAIGN#{campaign_id}"


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def to_campaign(item: Mapping[str, Any]) -> Campaign:
    """A campaign item as the API shows it."""
    failure = item.get("failure_code")
    return Campaign(
        id=str(item["campaign_id"]),
        name=str(item["name"]),
        subject=str(item["subject"]),
        from_name=str(item.get("from_name", "")),
        reply_to=item.get("reply_to") or None,
        list_id=str(item["list_id"]),
        segment_id=str(item["segment_id"]) if item.get("segment_id") else None,
        html_body=str(item.get("html_body", "")),
        text_body=str(item.get("text_body", "")),
        status=item["status"],
        scheduled_at=_when(item.get("scheduled_at")),
        stats=stats_of(dict(item)),
        failure=Failure(code=str(failure), message=str(item.get("failure_message", ""))) if failure else None,
        timeline=[StatusChange.model_validate(entry) for entry in item.get("timeline") or []],
        created_at=datetime.fromisoformat(str(item["created_at"])),
        updated_at=datetime.fromisoformat(str(item.get("updated_at", item["created_at"]))),
        sent_at=_when(item.get("sent_at")),
    )


def to_summary(item: Mapping[str, Any]) -> CampaignSummary:
    """A campaign item as a list shows it."""
    full = to_campaign(item)
    return CampaignSummary(**full.model_dump(include=set(CampaignSummary.model_fields)))


@dataclass(frozen=True)
class CampaignRecord:
    """A campaign as delivery needs it: the API view plus the bookkeeping only the steps read."""

    owner_id: str
    campaign: Campaign
    correlation_id: str | None
    task_token: str | None
    wait_timeout_seconds: int | None
    audience_frozen: bool
    enqueued: bool
    batches_total: int
    batches_done: int
    done_batches: frozenset[int]

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> CampaignRecord:
        """Build from a stored item."""
        timeout = item.get("wait_timeout_seconds")
        return cls(
            owner_id=str(item["owner_id"]),
            campaign=to_campaign(item),
            correlation_id=str(item["correlation_id"]) if item.get("correlation_id") else None,
            task_token=str(item["task_token"]) if item.get("task_token") else None,
            wait_timeout_seconds=int(timeout) if timeout else None,
            audience_frozen=bool(item.get("audience_frozen")),
            enqueued=bool(item.get("enqueued")),
            batches_total=int(item.get("batches_total", 0)),
            batches_done=int(item.get("batches_done", 0)),
            done_batches=frozenset(int(n) for n in item.get("done_batches") or ()),
        )

    @property
    def id(self) -> str:
        """The campaign's id."""
        return self.campaign.id

    @property
    def status(self) -> CampaignStatus:
        """Where the campaign is in its lifecycle."""
        return self.campaign.status

    @property
    def stats(self) -> CampaignStats:
        """The counters."""
        return self.campaign.stats

    def all_done(self) -> bool:
        """Sending, and every batch has been counted."""
        return self.status == "sending" and self.batches_done >= self.batches_total


class CampaignRepository:
    """Campaigns in the single table."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def create(
        self, owner_id: str, campaign_id: str, content: Mapping[str, Any], *, correlation_id: str | None
    ) -> Campaign:
        """Write a new draft."""
        now = now_iso()
        item = new_item(
            campaign_key(owner_id, campaign_id),
            ENTITY,
            owner_id=owner_id,
            campaign_id=campaign_id,
            **{k: content.get(k) for k in CONTENT_FIELDS},
            status="draft",
            timeline=[{"status": "draft", "at": now}],
            created_at=now,
            updated_at=now,
            correlation_id=correlation_id,
        )
        self.table.insert(item)
        return to_campaign(item)

    def get_record(
        self, owner_id: str, campaign_id: str, *, consistent: bool = False
    ) -> CampaignRecord | None:
        """The campaign with its delivery bookkeeping, if it exists."""
        item = self.table.get(*campaign_key(owner_id, campaign_id), consistent=consistent)
        return CampaignRecord.from_item(item) if item else None

    def get(self, owner_id: str, campaign_id: str, *, consistent: bool = False) -> Campaign | None:
        """The campaign, if it exists."""
        record = self.get_record(owner_id, campaign_id, consistent=consistent)
        return record.campaign if record else None

    def page(
        self, owner_id: str, *, limit: int, start_sk: str | None
    ) -> tuple[list[CampaignSummary], str | None]:
        """A page of campaigns, newest first, and the sort key to continue after."""
        pk, _ = campaign_key(owner_id, "")
        items, last = self.table.page(pk, "CAMPAIGN#", limit=limit, start_sk=start_sk, forward=False)
        return [to_summary(i) for i in items], last

    def update(
        self,
        owner_id: str,
        campaign_id: str,
        *,
        allowed: Iterable[str],
        to: str | None = None,
        sets: Mapping[str, Any] | None = None,
        removes: Iterable[str] = (),
        correlation_id: str | None = None,
    ) -> CampaignRecord | None:
        """Change a campaign whose status is one of `allowed` (moving it to `to`); None when refused.

        A status change appends to the timeline in the same write.
        """
        now = now_iso()
        changes: dict[str, Any] = {**(sets or {}), "updated_at": now}
        changes["correlation_id"] = correlation_id or None
        if to is not None:
            changes.update({"status": to, "timeline": Append([{"status": to, "at": now}])})
        in_allowed, values = one_of("#status", allowed)
        item = self.table.update(
            *campaign_key(owner_id, campaign_id),
            sets=changes,
            removes=tuple(removes),
            condition=f"attribute_exists(PK) AND {in_allowed}",
            names={"#status": "status"},
            values=values,
        )
        return CampaignRecord.from_item(item) if item else None

    def mark_sent(self, owner_id: str, campaign_id: str, *, sent: int, failed: int) -> CampaignRecord | None:
        """A delivering campaign is sent, with its final counts (None when it no longer is delivering).

        A campaign paused after its last batch went out is sent too.
        """
        return self.update(
            owner_id,
            campaign_id,
            allowed=("sending", "paused"),
            to="sent",
            sets={"sent_at": now_iso(), "sent": sent, "failed": failed},
            removes=("task_token",),
        )

    def mark_failed(
        self, owner_id: str, campaign_id: str, *, allowed: Iterable[str], code: str, message: str
    ) -> CampaignRecord | None:
        """A campaign whose status is one of `allowed` fails, saying why (None when it was elsewhere)."""
        return self.update(
            owner_id,
            campaign_id,
            allowed=allowed,
            to="failed",
            sets={"failure_code": code, "failure_message": message},
            removes=("task_token",),
        )

    def delete(self, owner_id: str, campaign_id: str, *, allowed: Iterable[str]) -> bool:
        """Delete a campaign whose status is one of `allowed`; False when refused or missing."""
        in_allowed, values = one_of("#status", allowed)
        return self.table.delete(
            *campaign_key(owner_id, campaign_id),
            condition=f"attribute_exists(PK) AND {in_allowed}",
            names={"#status": "status"},
            values=values,
        )

    def add_counters(self, owner_id: str, campaign_id: str, counts: Mapping[str, int]) -> None:
        """Add to the campaign's counters (feedback)."""
        counts = {k: v for k, v in counts.items() if v}
        if counts:
            self.table.update(
                *campaign_key(owner_id, campaign_id),
                adds=counts,
                condition="attribute_exists(PK)",
                returns="NONE",
            )

    def complete_batch(
        self, owner_id: str, campaign_id: str, batch: int, counts: Mapping[str, int]
    ) -> CampaignRecord | None:
        """Count a finished batch once (its number joins `done_batches`); None when it was counted."""
        item = self.table.update(
            *campaign_key(owner_id, campaign_id),
            adds={"batches_done": 1, "done_batches": {batch}, **counts},
            condition="attribute_exists(PK) AND NOT contains(done_batches, :bn)",
            values={":bn": batch},
        )
        return CampaignRecord.from_item(item) if item else None

    def store_token(self, owner_id: str, campaign_id: str, token: str) -> CampaignRecord | None:
        """Remember the execution's current task token; the campaign as it is now (None: it is gone)."""
        item = self.table.update(
            *campaign_key(owner_id, campaign_id),
            sets={"task_token": token, "token_stored_at": now_iso()},
            condition="attribute_exists(PK)",
        )
        return CampaignRecord.from_item(item) if item else None
