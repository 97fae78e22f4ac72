"""DynamoDB access for subscribers, with their list's count kept in step (the owner is in every key).

Keys: subscriber S = PK=LIST#<owner>#<list>, SK=SUB#<email>; the list L (lists.py); suppression X
(suppression.py); purge marker P = PK=OWNER#<owner>, SK=PURGE#<list>.

| access pattern                       | key                            | operation                       |
|--------------------------------------|--------------------------------|---------------------------------|
| add a subscriber, +1 on the list     | S + L (+ X)                    | TransactWriteItems (if absent)  |
| read a subscriber                    | S                              | GetItem                         |
| a page of subscribers / email prefix | S's PK, SK begins_with SUB#<p> | Query                           |
| change a subscriber (and suppress)   | S (+ X)                        | UpdateItem / TransactWriteItems |
| count a campaign sent (Finalize)     | S                              | UpdateItem ADD, once a campaign |
| remove a subscriber, -1 on the list  | S + L                          | TransactWriteItems              |
| import: which addresses exist        | S x100                         | BatchGetItem (consistent)       |
| import: write new subscribers        | S x25                          | BatchWriteItem (retried)        |
| import: change existing ones         | S                              | UpdateItem (if still there)     |
| purge a deleted list, step by step   | S's PK; P                      | Query + BatchWriteItem; Update  |
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from app.contacts.lists import list_key
from app.contacts.models import NewSubscriber, Subscriber, SuppressionEntry, attributes_json
from app.contacts.suppression import suppression_update
from app.db import Item, Table, new_item, now_iso
from app.writes import Delete, Put, Update

ENTITY = "subscriber"
LIST_PURGE = "list_purge"

AddRefusal = Literal["exists", "list_missing"]
RemoveRefusal = Literal["missing", "list_missing"]


def members_pk(owner_id: str, list_id: str) -> str:
    """The partition holding a list's subscribers."""
    return f"LIST#{owner_id}#{list_id}"


def subscriber_key(owner_id: str, list_id: str, email: str) -> tuple[str, str]:
    """The key of one subscriber (one per normalised email per list)."""
    return members_pk(owner_id, list_id), f"SUB#{email}"


def purge_key(owner_id: str, list_id: str) -> tuple[str, str]:
    """The key of the marker that drives the purge of a deleted list's subscribers."""
    return f"OWNER#{owner_id}", f"PURGE#{list_id}"


def to_subscriber(item: Mapping[str, Any]) -> Subscriber:
    """A subscriber item as the API shows it."""
    return Subscriber(
        email=str(item["email"]),
        list_id=str(item["list_id"]),
        name=str(item.get("name", "")),
        status=item["status"],
        attributes=json.loads(str(item.get("attributes") or "{}")),
        source=item.get("source", "api"),
        created_at=datetime.fromisoformat(str(item["created_at"])),
        updated_at=datetime.fromisoformat(str(item.get("updated_at", item["created_at"]))),
        campaigns_received=int(item.get("campaigns_received", 0)),
        last_sent_at=datetime.fromisoformat(str(item["last_sent_at"])) if item.get("last_sent_at") else None,
    )


@dataclass(frozen=True)
class SubscriberRecord:
    """A stored subscriber as an import sees it: the API view and the imports that wrote it."""

    subscriber: Subscriber
    created_import: str | None
    updated_import: str | None
    # What is stored, read back only by this repository: a rewrite keeps what the view leaves out.
    stored: Mapping[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> SubscriberRecord:
        """Build from a stored item."""
        created, updated = item.get("created_import"), item.get("updated_import")
        return cls(
            subscriber=to_subscriber(item),
            created_import=str(created) if created else None,
            updated_import=str(updated) if updated else None,
            stored=item,
        )


class SubscriberRepository:
    """Subscribers in the single table, with the list's count kept in step."""

    def __init__(self, table: Table) -> None:
        self.table = table

    # Single subscribers, for the API and delivery.

    def add(
        self, owner_id: str, list_id: str, new: NewSubscriber, *, suppress: SuppressionEntry | None
    ) -> Subscriber | AddRefusal:
        """Write a new subscriber and count it (suppressing the address when asked)."""
        item = _new_item(owner_id, list_id, new, now=now_iso())
        # Reads first, so the usual refusals never cancel a transaction (see _exists).
        if self._exists(str(item["PK"]), str(item["SK"])):
            return "exists"
        if not self._exists(*list_key(owner_id, list_id)):
            return "list_missing"
        actions: list[Put | Update] = [
            Put(item, condition="attribute_not_exists(PK)"),
            _count(owner_id, list_id, 1),
        ]
        if suppress is not None:
            actions.append(suppression_update(owner_id, new.email, suppress))
        failed = self.table.transact(actions)
        if 1 in failed:
            return "list_missing"
        if 0 in failed:
            return "exists"
        return to_subscriber(item)

    def get(self, owner_id: str, list_id: str, email: str, *, consistent: bool = False) -> Subscriber | None:
        """One subscriber, if present."""
        item = self.table.get(*subscriber_key(owner_id, list_id, email), consistent=consistent)
        return to_subscriber(item) if item else None

    def page(
        self, owner_id: str, list_id: str, *, prefix: str, limit: int, start_sk: str | None
    ) -> tuple[list[Subscriber], str | None]:
        """A page of subscribers whose email starts with `prefix`, in email order."""
        pk = members_pk(owner_id, list_id)
        items, last = self.table.page(pk, f"SUB#{prefix}", limit=limit, start_sk=start_sk)
        return [to_subscriber(i) for i in items], last

    def note_campaign(self, owner_id: str, list_id: str, email: str, campaign_id: str, sent_at: str) -> bool:
        """Count a campaign the subscriber was sent, once (a retried page changes nothing); False when
        the subscriber is gone or this campaign was already counted."""
        changed = self.table.update(
            *subscriber_key(owner_id, list_id, email),
            sets={"last_campaign_id": campaign_id, "last_sent_at": sent_at},
            adds={"campaigns_received": 1},
            condition="attribute_exists(PK) AND "
            "(attribute_not_exists(last_campaign_id) OR last_campaign_id <> :c)",
            values={":c": campaign_id},
            returns="NONE",
        )
        return changed is not None

    def update(
        self,
        owner_id: str,
        list_id: str,
        email: str,
        *,
        name: str | None = None,
        status: str | None = None,
        attributes: dict[str, Any] | None = None,
        suppress: SuppressionEntry | None,
        correlation_id: str | None,
    ) -> bool:
        """Change what is given (and suppress the address when asked); False when there is no subscriber."""
        key = subscriber_key(owner_id, list_id, email)
        changes = {
            "name": name,
            "status": status,
            "attributes": attributes_json(attributes) if attributes is not None else None,
            "updated_at": now_iso(),
            "correlation_id": correlation_id,
        }
        update = Update(*key, sets=changes, condition="attribute_exists(PK)")
        if suppress is None:
            return self.table.apply(update, returns="NONE") is not None
        if not self._exists(*key):
            return False
        return not self.table.transact([update, suppression_update(owner_id, email, suppress)])

    def remove(self, owner_id: str, list_id: str, email: str) -> RemoveRefusal | None:
        """Delete a subscriber and uncount it; None when done."""
        pk, sk = subscriber_key(owner_id, list_id, email)
        if not self._exists(pk, sk):
            return "missing"
        if not self._exists(*list_key(owner_id, list_id)):
            return "list_missing"
        failed = self.table.transact(
            [Delete(pk, sk, condition="attribute_exists(PK)"), _count(owner_id, list_id, -1)]
        )
        if 0 in failed:
            return "missing"
        if 1 in failed:
            return "list_missing"
        return None

    def _exists(self, pk: str, sk: str) -> bool:
        # A strongly consistent read before a transaction: refusals (409/404) then cost one read
        # instead of a cancelled transaction. (moto also snapshots the whole table per transaction
        # and restores it on cancellation, which loses concurrent writes and stalls the local stream.)
        return self.table.get(pk, sk, consistent=True) is not None

    # Many at once, for imports.

    def get_many(self, owner_id: str, list_id: str, emails: Sequence[str]) -> dict[str, SubscriberRecord]:
        """The stored subscribers among these addresses, by email (strongly consistent)."""
        items = self.table.batch_get([subscriber_key(owner_id, list_id, e) for e in emails])
        return {str(item["email"]): SubscriberRecord.from_item(item) for item in items}

    def put_many(
        self,
        owner_id: str,
        list_id: str,
        new: Sequence[NewSubscriber],
        *,
        changed: Sequence[tuple[SubscriberRecord, str, dict[str, Any]]] = (),
        import_id: str | None = None,
    ) -> int:
        """Write new subscribers (25 per call), and the name and attributes of existing ones
        (record, name, attributes); an import stamps what it created or changed with its id.
        Returns how many of the existing ones were changed.

        An existing subscriber gets only those fields, and only while it still exists: the status
        an unsubscribe set meanwhile stays, and a subscriber deleted meanwhile stays deleted.
        """
        now = now_iso()
        items = [{**_new_item(owner_id, list_id, n, now=now), "created_import": import_id} for n in new]
        if items:
            self.table.batch_put(items)
        written = 0
        for record, name, attributes in changed:
            done = self.table.update(
                *subscriber_key(owner_id, list_id, record.subscriber.email),
                sets={
                    "name": name,
                    "attributes": attributes_json(attributes),
                    "updated_import": import_id,
                    "updated_at": now,
                },
                condition="attribute_exists(PK)",
                returns="NONE",
            )
            written += done is not None
        return written

    # The purge of a deleted list.

    def purge_some(self, owner_id: str, list_id: str, *, limit: int) -> tuple[int, bool]:
        """Delete up to `limit` subscribers of a deleted list; (deleted, more remain)."""
        pk = members_pk(owner_id, list_id)
        keys: list[tuple[str, str]] = []
        start: Item | None = None
        while len(keys) < limit:
            items, start = self.table.query(
                "PK = :pk", {":pk": pk}, limit=min(limit - len(keys), 1000), start_key=start
            )
            keys.extend((str(i["PK"]), str(i["SK"])) for i in items)
            if start is None:
                break
        self.table.batch_delete(keys)
        return len(keys), start is not None

    def mark_purge(self, owner_id: str, list_id: str, *, deleted: int) -> None:
        """Record purge progress; the stream delivers the change, which runs the next step."""
        self.table.update(
            *purge_key(owner_id, list_id),
            sets={"type": LIST_PURGE, "owner_id": owner_id, "list_id": list_id, "updated_at": now_iso()},
            adds={"deleted": deleted},
            returns="NONE",
        )

    def end_purge(self, owner_id: str, list_id: str) -> None:
        """Remove the purge marker (if there was one)."""
        self.table.delete(*purge_key(owner_id, list_id))


def _new_item(owner_id: str, list_id: str, new: NewSubscriber, *, now: str) -> Item:
    fields = {**asdict(new), "attributes": attributes_json(new.attributes)}
    key = subscriber_key(owner_id, list_id, new.email)
    return new_item(key, ENTITY, owner_id=owner_id, list_id=list_id, created_at=now, updated_at=now, **fields)


def _count(owner_id: str, list_id: str, delta: int) -> Update:
    """Move a list's subscriber count (the list must exist)."""
    return Update(
        *list_key(owner_id, list_id), adds={"subscriber_count": delta}, condition="attribute_exists(PK)"
    )
