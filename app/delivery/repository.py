"""DynamoDB access for a campaign's recipients and for soft-bounce counts.

Keys: recipient R = PK=CAMPAIGN#<owner>#<campaign>, SK=RCPT#<email>;
soft bounces B = PK=OWNER#<owner>#SOFTBOUNCE, SK=EMAIL#<email>.

| access pattern                         | key                          | operation                          |
|----------------------------------------|------------------------------|------------------------------------|
| freeze the audience                    | R x25                        | BatchWriteItem                     |
| re-read the audience (a retried start) | R's PK                       | Query                              |
| claim before sending (at most once)    | R                            | UpdateItem (status = pending)      |
| release a throttled claim              | R                            | UpdateItem (claimed by me)         |
| record sent + message id               | R x25                        | BatchWriteItem (I hold the claims) |
| give up on a recipient                 | R                            | UpdateItem (claimed by attempt)    |
| feedback: by the message's tags        | R                            | UpdateItem (sent -> delivered)     |
| feedback, unsubscribe: status change   | R                            | UpdateItem (status IN ...)         |
| a page of recipients (API, Finalize)   | R's PK, SK begins_with RCPT# | Query                              |
| count a soft bounce                    | B                            | UpdateItem ADD                     |
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.campaigns.models import Recipient
from app.db import Item, Table, now_iso, one_of

ENTITY = "campaign_recipient"


def recipients_pk(owner_id: str, campaign_id: str) -> str:
    """The partition holding a campaign's recipients."""
    return f"CAMPAIGN#{owner_id}#{campaign_id}"


def recipient_key(owner_id: str, campaign_id: str, email: str) -> tuple[str, str]:
    """The key of one recipient."""
    return recipients_pk(owner_id, campaign_id), f"RCPT#{email}"


def to_recipient(item: Mapping[str, Any]) -> Recipient:
    """A recipient item as the API shows it."""
    return Recipient(
        email=str(item["email"]),
        status=item["status"],
        message_id=item.get("message_id") or None,
        reason=item.get("reason") or None,
        updated_at=datetime.fromisoformat(str(item["updated_at"])),
    )


@dataclass(frozen=True)
class Claim:
    """The outcome of a claim: `won` with the item, or the item as another attempt left it."""

    won: bool
    item: Item | None


class RecipientRepository:
    """A campaign's frozen audience and each recipient's status."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def new_item(
        self,
        owner_id: str,
        campaign_id: str,
        *,
        email: str,
        list_id: str,
        name: str,
        attributes: Mapping[str, Any],
        batch: int,
    ) -> Item:
        """A pending recipient."""
        pk, sk = recipient_key(owner_id, campaign_id, email)
        return {
            "PK": pk,
            "SK": sk,
            "type": ENTITY,
            "owner_id": owner_id,
            "campaign_id": campaign_id,
            "list_id": list_id,
            "email": email,
            "name": name,
            "attributes": json.dumps(dict(attributes), separators=(",", ":")),
            "batch": batch,
            "status": "pending",
            "updated_at": now_iso(),
        }

    def put_many(self, items: Sequence[Mapping[str, Any]]) -> None:
        """Write recipients (25 per BatchWriteItem)."""
        if items:
            self.table.batch_put(items)

    def all_items(self, owner_id: str, campaign_id: str) -> Iterator[Item]:
        """Every recipient of a campaign, in email order."""
        yield from self.table.query_all(
            "PK = :pk AND begins_with(SK, :r)", {":pk": recipients_pk(owner_id, campaign_id), ":r": "RCPT#"}
        )

    def get(self, owner_id: str, campaign_id: str, email: str) -> Item | None:
        """One recipient item (strongly consistent)."""
        return self.table.get(*recipient_key(owner_id, campaign_id, email), consistent=True)

    def claim(self, owner_id: str, campaign_id: str, email: str, attempt: str) -> Claim:
        """Take a pending recipient for `attempt` before sending; the loser sees the current item."""
        item = self.table.update(
            *recipient_key(owner_id, campaign_id, email),
            sets={
                "status": "claimed",
                "attempt": attempt,
                "claimed_at": int(time.time()),
                "updated_at": now_iso(),
            },
            condition="#s = :pending",
            names={"#s": "status"},
            values={":pending": "pending"},
        )
        if item is None:
            return Claim(won=False, item=self.get(owner_id, campaign_id, email))
        return Claim(won=True, item=item)

    def _settle(
        self, owner_id: str, campaign_id: str, email: str, attempt: str, sets: Mapping[str, Any]
    ) -> bool:
        changed = self.table.update(
            *recipient_key(owner_id, campaign_id, email),
            sets=sets,
            condition="#s = :claimed AND attempt = :attempt",
            names={"#s": "status"},
            values={":claimed": "claimed", ":attempt": attempt},
            returns="NONE",
        )
        return changed is not None

    def release(self, owner_id: str, campaign_id: str, email: str, attempt: str) -> bool:
        """Give a claim back (the send was throttled before SES took it)."""
        return self._settle(
            owner_id, campaign_id, email, attempt, {"status": "pending", "updated_at": now_iso()}
        )

    def fail(self, owner_id: str, campaign_id: str, email: str, attempt: str, reason: str) -> bool:
        """Give up on a recipient claimed by `attempt` (never mailed by us after this)."""
        return self._settle(
            owner_id,
            campaign_id,
            email,
            attempt,
            {"status": "failed", "reason": reason, "updated_at": now_iso()},
        )

    def mark_sent(self, claimed: Iterable[tuple[Item, str]]) -> None:
        """Record sends of recipients this attempt holds the claims of (item, SES message id)."""
        now = now_iso()
        items = [
            {
                **item,
                "status": "sent",
                "message_id": message_id,
                "sent_at": now,
                "updated_at": now,
            }
            for item, message_id in claimed
        ]
        self.put_many(items)

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
        recorded, values = one_of("#s", ("sent", "delivered", "bounced", "complained", "unsubscribed"))
        changed = self.table.update(
            *recipient_key(owner_id, campaign_id, email),
            sets={"delivered_at": now_iso()},
            condition="attribute_not_exists(delivered_at) AND #s IN (:a, :b, :c, :d, :e)",
            names={"#s": "status"},
            values={
                ":a": "sent",
                ":b": "delivered",
                ":c": "bounced",
                ":d": "complained",
                ":e": "unsubscribed",
            },
            returns="NONE",
        )
        return changed is not None

    def page(
        self, owner_id: str, campaign_id: str, *, limit: int, start_sk: str | None
    ) -> tuple[list[Recipient], str | None]:
        """A page of recipients in email order and the sort key to continue after."""
        items, next_sk = self.items_page(owner_id, campaign_id, limit=limit, start_sk=start_sk)
        return [to_recipient(i) for i in items], next_sk

    def items_page(
        self, owner_id: str, campaign_id: str, *, limit: int, start_sk: str | None
    ) -> tuple[list[Item], str | None]:
        """A page of recipient items in email order and the sort key to continue after."""
        pk = recipients_pk(owner_id, campaign_id)
        items, last = self.table.query(
            "PK = :pk AND begins_with(SK, :r)",
            {":pk": pk, ":r": "RCPT#"},
            limit=limit,
            start_key={"PK": pk, "SK": start_sk} if start_sk else None,
        )
        return items, (str(last["SK"]) if last else None)

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
