"""DynamoDB access for a campaign's recipients, its batches, and soft-bounce counts.

Keys: recipient R = PK=CAMPAIGN#<owner>#<campaign>, SK=RCPT#<email> (once sent, also
GSI1PK=OWNER#<owner>#EMAIL#<email>, GSI1SK=SENT#<sent at>#<campaign>: the address's activity,
read in app/engagement/repository.py, which also writes its opens and clicks); batch N (its addresses,
done or not) = same PK, SK=BATCH#<number, 7 digits>; a batch a sender set aside while the campaign
was paused P = same PK, SK=PARKED#<number>; soft bounces B = PK=OWNER#<owner>#SOFTBOUNCE,
SK=EMAIL#<email>; the subscriber S and suppression X of contacts (read to honour opt-outs).

| access pattern                         | key                          | operation                          |
|----------------------------------------|------------------------------|------------------------------------|
| freeze a page of the audience          | R + N x25                    | BatchWriteItem                     |
| read batches to enqueue                | N x100                       | BatchGetItem                       |
| count a batch once, with the campaign  | N + the campaign             | TransactWriteItems (N not done)    |
| park / take back a batch (paused)      | P                            | PutItem / DeleteItem, UpdateItem   |
| the batches parked while paused        | P's PK, SK begins_with PARKED| Query                              |
| who opted out since the freeze         | S + X x50                    | BatchGetItem (one per batch)       |
| claim a batch's next addresses         | N                            | UpdateItem (cursor where I saw it) |
| the recipients of a claimed range      | R x100                       | BatchGetItem                       |
| record sent + message id               | R x25                        | BatchWriteItem (I hold the range)  |
| give up on a recipient                 | R                            | UpdateItem (not recorded yet)      |
| resend: the failed, a page at a time   | R's PK, SK begins_with RCPT# | Query, FilterExpression            |
| resend: failed -> pending, once        | R                            | UpdateItem (never resent)          |
| feedback: by the message's tags        | R                            | UpdateItem (sent -> delivered)     |
| feedback, unsubscribe: status change   | R                            | UpdateItem (status IN ...)         |
| recipient pages: API, Finalize, export | R's PK, SK begins_with RCPT# | Query                              |
| count a soft bounce                    | B                            | UpdateItem ADD                     |
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from app.campaigns.models import Recipient, RecipientStatus
from app.contacts.models import Subscriber
from app.contacts.subscriber_items import subscriber_key
from app.contacts.suppression import suppression_key
from app.db import Item, Repository, new_item, now_iso, optional_str
from app.delivery.filters import OPTED_OUT, RecipientWhere
from app.writes import IfAbsent, one_of

ENTITY = "campaign_recipient"
BATCH = "campaign_batch"
# Statuses a recipient can have once its message went out.
RECORDED = ("sent", "delivered", "bounced", "complained", "unsubscribed")


def recipients_pk(owner_id: str, campaign_id: str) -> str:
    """The partition holding a campaign's recipients."""
    return f"CAMPAIGN#{owner_id}#{campaign_id}"


def recipient_key(owner_id: str, campaign_id: str, email: str) -> tuple[str, str]:
    """The key of one recipient."""
    return recipients_pk(owner_id, campaign_id), f"RCPT#{email}"


def activity_key(owner_id: str, email: str, sent_at: str, campaign_id: str) -> dict[str, str]:
    """GSI1 keys of a sent recipient: an address's campaigns across lists, in the order they went out."""
    return {"GSI1PK": f"OWNER#{owner_id}#EMAIL#{email}", "GSI1SK": f"SENT#{sent_at}#{campaign_id}"}


def batch_key(owner_id: str, campaign_id: str, number: int) -> tuple[str, str]:
    """The key of one batch of a campaign's audience."""
    return recipients_pk(owner_id, campaign_id), f"BATCH#{number:07d}"


def batch_item(owner_id: str, campaign_id: str, number: int, list_id: str, emails: Sequence[str]) -> Item:
    """A batch waiting to be sent: its addresses, all of one list (whose opt-outs apply)."""
    key = batch_key(owner_id, campaign_id, number)
    fields = {"batch": number, "list_id": list_id, "emails": list(emails), "status": "waiting"}
    return new_item(key, BATCH, owner_id=owner_id, campaign_id=campaign_id, **fields)


@dataclass(frozen=True)
class Engagement:
    """A recipient's opens and clicks, as app/engagement/repository.py records them on its item
    (nothing until the first; a recipient written whole here has had none, and its item claims none)."""

    first_open_at: str | None = None
    last_open_at: str | None = None
    open_count: int = 0
    machine_open_count: int = 0
    first_click_at: str | None = None
    last_click_at: str | None = None
    click_count: int = 0
    clicked_links: tuple[str, ...] = ()

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Engagement:
        """Read from a recipient item."""
        return cls(
            first_open_at=optional_str(item.get("first_open_at")),
            last_open_at=optional_str(item.get("last_open_at")),
            open_count=int(item.get("open_count", 0)),
            machine_open_count=int(item.get("machine_open_count", 0)),
            first_click_at=optional_str(item.get("first_click_at")),
            last_click_at=optional_str(item.get("last_click_at")),
            click_count=int(item.get("click_count", 0)),
            clicked_links=tuple(sorted(str(u) for u in item.get("clicked_links") or ())),
        )


@dataclass(frozen=True)
class RecipientRecord:
    """One address of a campaign's frozen audience and where its message is."""

    owner_id: str
    campaign_id: str
    list_id: str
    email: str
    name: str
    attributes_json: str
    batch: int
    status: RecipientStatus
    updated_at: str
    attempt: str | None = None
    message_id: str | None = None
    reason: str | None = None
    sent_at: str | None = None
    delivered_at: str | None = None
    correlation_id: str | None = None
    resent_at: str | None = None  # a resend to the failed took it again (once: see resend.py)
    engagement: Engagement = Engagement()

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> RecipientRecord:
        """Build from a stored item (or the activity index's: it projects every attribute)."""
        return cls(
            owner_id=str(item["owner_id"]),
            campaign_id=str(item["campaign_id"]),
            list_id=str(item.get("list_id", "")),
            email=str(item["email"]),
            name=str(item.get("name", "")),
            attributes_json=str(item.get("attributes") or "{}"),
            batch=int(item.get("batch", 0)),
            status=item["status"],
            updated_at=str(item.get("updated_at", "")),
            attempt=optional_str(item.get("attempt")),
            message_id=optional_str(item.get("message_id")),
            reason=optional_str(item.get("reason")),
            sent_at=optional_str(item.get("sent_at")),
            delivered_at=optional_str(item.get("delivered_at")),
            correlation_id=optional_str(item.get("correlation_id")),
            resent_at=optional_str(item.get("resent_at")),
            engagement=Engagement.from_item(item),
        )

    @property
    def attributes(self) -> dict[str, Any]:
        """The subscriber's attributes, as frozen with the audience."""
        value: dict[str, Any] = json.loads(self.attributes_json)
        return value

    def view(self) -> Recipient:
        """The recipient as the API shows it."""
        return Recipient(
            email=self.email,
            status=self.status,
            message_id=self.message_id,
            reason=self.reason,
            updated_at=datetime.fromisoformat(self.updated_at),
            resent_at=datetime.fromisoformat(self.resent_at) if self.resent_at else None,
        )

    def resendable(self) -> bool:
        """Failed, not by an opt-out, and never resent (what filters.RESENDABLE keeps)."""
        return (
            self.status == "failed"
            and self.resent_at is None
            and not (self.reason or "").startswith(OPTED_OUT)
        )


def _item(record: RecipientRecord) -> Item:
    fields = asdict(record)
    fields["attributes"] = fields.pop("attributes_json")
    del fields["engagement"]  # written by engagement alone
    if record.sent_at:  # a recipient mailed joins its address's activity (engagement/repository.py)
        fields |= activity_key(record.owner_id, record.email, record.sent_at, record.campaign_id)
    return new_item(recipient_key(record.owner_id, record.campaign_id, record.email), ENTITY, **fields)


class RecipientRepository(Repository):
    """A campaign's frozen audience and each recipient's status."""

    def freeze(
        self,
        owner_id: str,
        campaign_id: str,
        list_id: str,
        batches: Sequence[Sequence[Subscriber]],
        *,
        first: int = 0,
    ) -> None:
        """Write a page of the audience as pending recipients, in batches numbered from `first`
        (each batch an item with its addresses, which the send queue gets a message of)."""
        now = now_iso()
        items = [
            _item(
                RecipientRecord(
                    owner_id=owner_id,
                    campaign_id=campaign_id,
                    list_id=s.list_id or list_id,  # a segment over all lists: each member's own list
                    email=s.email,
                    name=s.name,
                    attributes_json=json.dumps(dict(s.attributes), separators=(",", ":")),
                    batch=first + offset,
                    status="pending",
                    updated_at=now,
                )
            )
            for offset, batch in enumerate(batches)
            for s in batch
        ]
        items += [  # a page, so its batches, reads one list
            batch_item(
                owner_id, campaign_id, first + offset, batch[0].list_id or list_id, [s.email for s in batch]
            )
            for offset, batch in enumerate(batches)
        ]
        if items:
            self.table.batch_put(items)

    def frozen_before(
        self, owner_id: str, campaign_id: str, emails: Sequence[str], *, batch: int
    ) -> set[str]:
        """Which of these addresses an earlier page already froze (in a batch numbered below
        `batch`; a retried page finds its own recipients, which it keeps)."""
        keys = [recipient_key(owner_id, campaign_id, e) for e in emails]
        return {str(i["email"]) for i in self.table.batch_get(keys) if int(i.get("batch", 0)) < batch}

    def opted_out(self, owner_id: str, list_id: str, emails: Sequence[str]) -> dict[str, str]:
        """Which of these addresses may no longer be mailed, and why: unsubscribed (or bounced,
        complained, removed from the list) or suppressed since the audience was frozen."""
        keys = [subscriber_key(owner_id, list_id, e) for e in emails]
        keys += [suppression_key(owner_id, e) for e in emails]
        found = self.table.batch_get(keys)
        subscribed = {
            str(i["email"]) for i in found if i.get("type") == "subscriber" and i["status"] == "subscribed"
        }
        status = {str(i["email"]): str(i["status"]) for i in found if i.get("type") == "subscriber"}
        suppressed = {
            str(i["email"]): str(i.get("reason", "")) for i in found if i.get("type") == "suppression"
        }
        why: dict[str, str] = {}
        for email in emails:
            if email in suppressed:
                why[email] = f"suppressed ({suppressed[email]})"
            elif email not in status:
                why[email] = "removed from the list"
            elif email not in subscribed:
                why[email] = status[email]
        return why

    def get(self, owner_id: str, campaign_id: str, email: str) -> RecipientRecord | None:
        """One recipient (strongly consistent)."""
        item = self.table.get(*recipient_key(owner_id, campaign_id, email), consistent=True)
        return RecipientRecord.from_item(item) if item else None

    def get_many(self, owner_id: str, campaign_id: str, emails: Sequence[str]) -> dict[str, RecipientRecord]:
        """These recipients by address (strongly consistent BatchGetItem; those gone are left out)."""
        items = self.table.batch_get([recipient_key(owner_id, campaign_id, e) for e in emails])
        return {str(i["email"]): RecipientRecord.from_item(i) for i in items}

    def fail(self, owner_id: str, campaign_id: str, email: str, attempt: str, reason: str) -> bool:
        """Give up on a recipient not recorded yet (in a batch range `attempt` or a dead attempt
        claimed; never mailed by us after this); False when it was recorded meanwhile."""
        changed = self.table.update(
            *recipient_key(owner_id, campaign_id, email),
            sets={"status": "failed", "reason": reason, "attempt": attempt, "updated_at": now_iso()},
            condition="#s IN (:pending, :claimed)",  # claimed: one claim a recipient (before 2026-12)
            names={"#s": "status"},
            values={":pending": "pending", ":claimed": "claimed"},
            returns="NONE",
        )
        return changed is not None

    def take_again(
        self, owner_id: str, campaign_id: str, email: str, *, batch: int, where: RecipientWhere
    ) -> bool:
        """A failed recipient goes back to pending in a resend's `batch`, once (`where` holds only
        for one never resent, or one this round took already); False when it no longer holds."""
        now = now_iso()
        changed = self.table.update(
            *recipient_key(owner_id, campaign_id, email),
            sets={"status": "pending", "batch": batch, "resent_at": IfAbsent(now), "updated_at": now},
            removes=("attempt", "claimed_at", "reason"),
            condition=where.filter,
            names=where.names,
            values=where.values,
            returns="NONE",
        )
        return changed is not None

    def mark_sent(self, claimed: Iterable[tuple[RecipientRecord, str]]) -> None:
        """Record sends of recipients this attempt holds the claims of (recipient, SES message id)."""
        now = now_iso()
        items = [
            _item(replace(r, status="sent", message_id=message_id, sent_at=now, updated_at=now))
            for r, message_id in claimed
        ]
        if items:
            self.table.batch_put(items)

    def transition(
        self,
        owner_id: str,
        campaign_id: str,
        email: str,
        *,
        allowed: Iterable[str],
        to: str,
        reason: str | None = None,
    ) -> bool:
        """Move a recipient to `to` from one of `allowed`; False when it was elsewhere (or missing)."""
        in_allowed, values = one_of("#s", allowed)
        changed = self.table.update(
            *recipient_key(owner_id, campaign_id, email),
            sets={"status": to, "updated_at": now_iso(), "reason": reason or None},
            condition=in_allowed,
            names={"#s": "status"},
            values=values,
            returns="NONE",
        )
        return changed is not None

    def deliver(self, owner_id: str, campaign_id: str, email: str) -> bool:
        """A `sent` recipient's first Delivery: status and time in one write; False otherwise."""
        now = now_iso()
        changed = self.table.update(
            *recipient_key(owner_id, campaign_id, email),
            sets={"status": "delivered", "delivered_at": now, "updated_at": now},
            condition="#s = :sent AND attribute_not_exists(delivered_at)",
            names={"#s": "status"},
            values={":sent": "sent"},
            returns="NONE",
        )
        return changed is not None

    def note_delivery(self, owner_id: str, campaign_id: str, email: str) -> bool:
        """Record SES's Delivery once (whatever came after it); False when it was already recorded."""
        recorded, values = one_of("#s", RECORDED)
        changed = self.table.update(
            *recipient_key(owner_id, campaign_id, email),
            sets={"delivered_at": now_iso()},
            condition=f"attribute_not_exists(delivered_at) AND {recorded}",
            names={"#s": "status"},
            values=values,
            returns="NONE",
        )
        return changed is not None

    def page(
        self,
        owner_id: str,
        campaign_id: str,
        *,
        limit: int,
        start_sk: str | None,
        where: RecipientWhere | None = None,
    ) -> tuple[list[RecipientRecord], str | None]:
        """A page of recipients in email order and the sort key to continue after: `limit` of them
        read, those `where` keeps returned (a filtered page may be short, or empty)."""
        items, last = self.table.page(
            recipients_pk(owner_id, campaign_id),
            "RCPT#",
            limit=limit,
            start_sk=start_sk,
            **(where.expression() if where else {}),
        )
        return [RecipientRecord.from_item(i) for i in items], last

    def count_soft_bounce(self, owner_id: str, email: str) -> int:
        """One more soft bounce of an address (account-wide); returns the count."""
        counted = self.table.update(
            f"OWNER#{owner_id}#SOFTBOUNCE",
            f"EMAIL#{email}",
            sets={"updated_at": now_iso()},
            adds={"bounces": 1},
            returns="UPDATED_NEW",
        )
        return int((counted or {}).get("bounces", 1))
