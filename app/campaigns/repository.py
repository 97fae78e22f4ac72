"""DynamoDB access for campaigns (the owner is in every key).

Keys: campaign C = PK=OWNER#<owner>, SK=CAMPAIGN#<id> (content, status, timeline, counters,
task token, the execution delivering it, failure). Nothing on it grows with the audience: the
batches done are items of their own (app/delivery/repository.py); the timeline grows only by the
transitions a person repeats, which are counted and bounded (MAX_REPEATS pauses, MAX_REPEATS
schedules); the content is bounded by the API (MAX_CONTENT_BYTES). It stays far below 400 KB.

| access pattern                        | key                              | operation                     |
|---------------------------------------|----------------------------------|-------------------------------|
| create a draft                        | C                                | PutItem (if absent)           |
| read a campaign                       | C                                | GetItem                       |
| a page of the owner's campaigns       | C's PK, SK begins_with CAMPAIGN# | Query (newest first)          |
| edit, change status (+ timeline)      | C                                | UpdateItem (status IN ...)    |
| delete a draft or finished campaign   | C                                | DeleteItem (status IN ...)    |
| freeze a page of the audience         | C                                | UpdateItem (cursor unchanged) |
| note batches put on the queue         | C                                | UpdateItem (count unchanged)  |
| store the task token (WaitForSender)  | C                                | UpdateItem, ALL_NEW           |
| count feedback (delivered, bounced..) | C                                | UpdateItem ADD                |
| begin a resend to the failed          | C                                | UpdateItem (sent or failed)   |
| count feedback (delivered, opens, ..) | C                                | UpdateItem ADD                |
| names of an address's campaigns       | C x100                           | BatchGetItem                  |

When each campaign went out (for segments' "last N campaigns"): app/campaigns/went_out.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
from app.campaigns.went_out import WentOutLog
from app.db import Repository, moment, new_item, now_iso, optional_str, stamps
from app.writes import Append, IfAbsent, one_of

ENTITY = "campaign"
# Times a campaign may be paused, and scheduled: each adds two timeline entries to its item.
MAX_REPEATS = 20
CONTENT_FIELDS = (
    "name",
    "subject",
    "from_name",
    "reply_to",
    "list_id",
    "segment_id",
    "html_body",
    "text_body",
    "track",
)


def campaign_key(owner_id: str, campaign_id: str) -> tuple[str, str]:
    """The key of a campaign item."""
    return f"OWNER#{owner_id}", f"CAMPAIGN#{campaign_id}"


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
        segment_id=optional_str(item.get("segment_id")),
        html_body=str(item.get("html_body", "")),
        text_body=str(item.get("text_body", "")),
        track=item.get("track") is not False,  # campaigns from before the flag were tracked
        status=item["status"],
        scheduled_at=moment(item.get("scheduled_at")),
        stats=stats_of(dict(item)),
        failure=Failure(code=str(failure), message=str(item.get("failure_message", ""))) if failure else None,
        timeline=[StatusChange.model_validate(entry) for entry in item.get("timeline") or []],
        **stamps(item),
        sent_at=moment(item.get("sent_at")),
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
    execution: str | None  # the name of the execution delivering it (set when it starts sending)
    audience_frozen: bool
    audience_cursor: str | None  # the audience is frozen a page at a time: where the next starts
    batches_total: int
    batches_enqueued: int  # batches 0 .. batches_enqueued - 1 were handed to the send queue
    batches_done: int
    # A resend to the failed recipients is a round of its own: its batches are numbered from
    # round_first (a sender drops an earlier round's), and it ends as the campaign was (ended_as).
    round_first: int = 0
    ended_as: CampaignStatus = "sent"

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> CampaignRecord:
        """Build from a stored item."""
        timeout = item.get("wait_timeout_seconds")
        return cls(
            owner_id=str(item["owner_id"]),
            campaign=to_campaign(item),
            correlation_id=optional_str(item.get("correlation_id")),
            task_token=optional_str(item.get("task_token")),
            wait_timeout_seconds=int(timeout) if timeout else None,
            execution=optional_str(item.get("execution")),
            audience_frozen=bool(item.get("audience_frozen")),
            audience_cursor=optional_str(item.get("audience_cursor")),
            batches_total=int(item.get("batches_total", 0)),
            batches_enqueued=int(item.get("batches_enqueued", 0)),
            batches_done=int(item.get("batches_done", 0)),
            round_first=int(item.get("round_first", 0)),
            ended_as="failed" if item.get("ended_as") == "failed" else "sent",
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

    def senders_finished(self) -> bool:
        """The whole audience is frozen and every batch of it has been counted."""
        return self.audience_frozen and self.batches_done >= self.batches_total

    def all_done(self) -> bool:
        """Sending, and every batch has been counted."""
        return self.status == "sending" and self.senders_finished()

    def pauses(self) -> int:
        """How many times the campaign was paused."""
        return sum(1 for change in self.campaign.timeline if change.status == "paused")

    def schedules(self) -> int:
        """How many times the campaign was scheduled."""
        return sum(1 for change in self.campaign.timeline if change.status == "scheduled")


class CampaignRepository(WentOutLog, Repository):
    """Campaigns in the single table."""

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
        return self._read(
            campaign_key(owner_id, campaign_id), CampaignRecord.from_item, consistent=consistent
        )

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
        adds: Mapping[str, Any] | None = None,
        correlation_id: str | None = None,
        condition: str | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> CampaignRecord | None:
        """Change a campaign whose status is one of `allowed` (moving it to `to`), and for which
        `condition` (with its `values`) holds; None when refused.

        A status change appends to the timeline in the same write.
        """
        now = now_iso()
        changes: dict[str, Any] = {**(sets or {}), "updated_at": now}
        changes["correlation_id"] = correlation_id or None
        if to is not None:
            changes.update({"status": to, "timeline": Append([{"status": to, "at": now}])})
        in_allowed, in_values = one_of("#status", allowed)
        item = self.table.update(
            *campaign_key(owner_id, campaign_id),
            sets=changes,
            adds=adds or {},
            removes=tuple(removes),
            condition=f"attribute_exists(PK) AND {in_allowed}" + (f" AND ({condition})" if condition else ""),
            names={"#status": "status"},
            values={**in_values, **(values or {})},
        )
        return CampaignRecord.from_item(item) if item else None

    def repeat(
        self,
        owner_id: str,
        campaign_id: str,
        counter: str,
        *,
        allowed: Iterable[str],
        to: str,
        sets: Mapping[str, Any] | None = None,
        correlation_id: str | None,
    ) -> CampaignRecord | None:
        """A transition a person may repeat (pause, schedule), counted in `counter` and refused
        (None) past MAX_REPEATS, as when the status is not one of `allowed`."""
        return self.update(
            owner_id,
            campaign_id,
            allowed=allowed,
            to=to,
            sets=sets,
            adds={counter: 1},
            correlation_id=correlation_id,
            condition=f"attribute_not_exists({counter}) OR {counter} < :most",
            values={":most": MAX_REPEATS},
        )

    def start_sending(
        self, owner_id: str, campaign_id: str, *, execution: str, wait_timeout_seconds: int
    ) -> CampaignRecord | None:
        """queued (or scheduled) -> sending, owned by this execution (None when refused)."""
        return self.update(
            owner_id,
            campaign_id,
            allowed=("queued", "scheduled"),
            to="sending",
            sets={"execution": execution, "wait_timeout_seconds": wait_timeout_seconds},
        )

    def advance_freeze(
        self,
        owner_id: str,
        campaign_id: str,
        *,
        cursor: str | None,
        next_cursor: str | None,
        counts: Mapping[str, int],
    ) -> CampaignRecord | None:
        """Count one frozen page of the audience (`counts` added: recipients, batches_total, ...),
        once: the write holds only while the cursor is still where this page began (a retried page
        is refused). `next_cursor` None: all frozen."""
        return self.update(
            owner_id,
            campaign_id,
            allowed=("sending", "paused"),
            sets={"audience_cursor": next_cursor, "audience_frozen": True if next_cursor is None else None},
            removes=("audience_cursor",) if next_cursor is None else (),
            adds=counts,
            condition="attribute_not_exists(audience_frozen) AND "
            + ("audience_cursor = :cursor" if cursor else "attribute_not_exists(audience_cursor)"),
            values={":cursor": cursor} if cursor else None,
        )

    def note_enqueued(self, owner_id: str, campaign_id: str, *, before: int, after: int) -> bool:
        """Batches before..after-1 are on the queue (refused when another step moved the count)."""
        return (
            self.table.update(
                *campaign_key(owner_id, campaign_id),
                sets={"batches_enqueued": after},
                condition="attribute_exists(PK) AND "
                + ("batches_enqueued = :before" if before else "attribute_not_exists(batches_enqueued)"),
                values={":before": before} if before else {},
                returns="NONE",
            )
            is not None
        )

    def mark_sent(
        self, owner_id: str, campaign_id: str, *, counts: Mapping[str, int], to: str = "sent"
    ) -> CampaignRecord | None:
        """A delivering campaign is sent (a resend: back to `to`, as it ended before), with its final
        counts (None when it no longer is delivering). One paused after its last batch went out too."""
        return self.update(
            owner_id,
            campaign_id,
            allowed=("sending", "paused"),
            to=to,
            # a resend keeps the first sending's time
            sets={**counts, **({"sent_at": IfAbsent(now_iso())} if to == "sent" else {})},
            removes=("task_token",),
        )

    def mark_failed(
        self,
        owner_id: str,
        campaign_id: str,
        *,
        allowed: Iterable[str],
        code: str,
        message: str,
        execution: str | None = None,
    ) -> CampaignRecord | None:
        """A campaign whose status is one of `allowed` fails, saying why (None when it was elsewhere,
        or when `execution` is given and another execution delivers it)."""
        return self.update(
            owner_id,
            campaign_id,
            allowed=allowed,
            to="failed",
            sets={"failure_code": code, "failure_message": message},
            removes=("task_token",),
            condition="attribute_not_exists(execution) OR execution = :execution" if execution else None,
            values={":execution": execution} if execution else None,
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

    def names(self, owner_id: str, campaign_ids: Iterable[str]) -> dict[str, str]:
        """The names of those of these campaigns that exist."""
        items = self.table.batch_get([campaign_key(owner_id, c) for c in campaign_ids], consistent=False)
        return {str(i["campaign_id"]): str(i["name"]) for i in items}

    def store_token(self, owner_id: str, campaign_id: str, token: str) -> CampaignRecord | None:
        """Remember the execution's current task token; the campaign as it is now (None: it is gone)."""
        item = self.table.update(
            *campaign_key(owner_id, campaign_id),
            sets={"task_token": token, "token_stored_at": now_iso()},
            condition="attribute_exists(PK)",
        )
        return CampaignRecord.from_item(item) if item else None
