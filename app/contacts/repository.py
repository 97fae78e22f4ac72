"""DynamoDB access for lists, subscribers and the suppression list (the owner is in every key).

Keys: list L = PK=OWNER#<owner>, SK=LIST#<list>; subscriber S = PK=LIST#<owner>#<list>, SK=SUB#<email>;
suppression X = PK=OWNER#<owner>#SUPPRESSION, SK=EMAIL#<email>; purge marker P = PK=OWNER#<owner>,
SK=PURGE#<list>.

| access pattern                       | key                              | operation                       |
|--------------------------------------|----------------------------------|---------------------------------|
| create a list                        | L                                | PutItem (if absent)             |
| read / rename / delete a list        | L                                | GetItem/UpdateItem/DeleteItem   |
| a page of the owner's lists          | L's PK, SK begins_with LIST#     | Query                           |
| add a subscriber, +1 on the list     | S + L                            | TransactWriteItems (if absent)  |
| read a subscriber                    | S                                | GetItem                         |
| a page of subscribers / email prefix | S's PK, SK begins_with SUB#<p>   | Query                           |
| change a subscriber (and suppress)   | S (+ X)                          | TransactWriteItems              |
| remove a subscriber, -1 on the list  | S + L                            | TransactWriteItems              |
| import: which addresses exist        | S x100                           | BatchGetItem (consistent)       |
| import: write subscribers            | S x25                            | BatchWriteItem (retried)        |
| import: count its new subscribers    | L (counted_imports set)          | UpdateItem ADD, once per import |
| purge a deleted list, step by step   | S's PK; P                        | Query + BatchWriteItem; Update  |
| suppress (the first entry is kept)   | X                                | UpdateItem (if_not_exists)      |
| read / lift a suppression            | X                                | GetItem / DeleteItem            |
| a page of suppressed addresses       | X's PK, SK begins_with EMAIL#<p> | Query                           |
| which addresses are suppressed       | X x100                           | BatchGetItem                    |
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from app.contacts.models import (
    ContactList,
    Subscriber,
    Suppression,
    attributes_json,
    id_time,
)
from app.db import Delete, IfAbsent, Item, Put, Table, Update, now_iso

LIST = "list"
SUBSCRIBER = "subscriber"
SUPPRESSION = "suppression"
LIST_PURGE = "list_purge"
# Uploads expire after 7 days (bucket lifecycle); an import older than this can never be retried.
COUNTED_IMPORT_DAYS = 8


def list_key(owner_id: str, list_id: str) -> tuple[str, str]:
    """The key of a list item."""
    return f"OWNER#{owner_id}", f"LIST#{list_id}"


def members_pk(owner_id: str, list_id: str) -> str:
    """The partition holding a list's subscribers."""
    return f"LIST#{owner_id}#{list_id}"


def subscriber_key(owner_id: str, list_id: str, email: str) -> tuple[str, str]:
    """The key of one subscriber (one per normalised email per list)."""
    return members_pk(owner_id, list_id), f"SUB#{email}"


def suppression_key(owner_id: str, email: str) -> tuple[str, str]:
    """The key of one suppressed address."""
    return f"OWNER#{owner_id}#SUPPRESSION", f"EMAIL#{email}"


def purge_key(owner_id: str, list_id: str) -> tuple[str, str]:
    """The key of the marker that drives the purge of a deleted list's subscribers."""
    return f"OWNER#{owner_id}", f"PURGE#{list_id}"


def to_list(item: Mapping[str, Any]) -> ContactList:
    """A list item as the API shows it."""
    return ContactList(
        id=str(item["list_id"]),
        name=str(item["name"]),
        description=str(item.get("description", "")),
        subscriber_count=max(int(item.get("subscriber_count", 0)), 0),
        created_at=datetime.fromisoformat(str(item["created_at"])),
        updated_at=datetime.fromisoformat(str(item.get("updated_at", item["created_at"]))),
    )


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


def to_suppression(item: Mapping[str, Any]) -> Suppression:
    """A suppression item as the API shows it."""
    return Suppression(
        email=str(item["email"]),
        reason=item["reason"],
        source=str(item.get("source", "")),
        created_at=datetime.fromisoformat(str(item["created_at"])),
    )


class ListRepository:
    """Lists in the single table."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def create(
        self, owner_id: str, list_id: str, *, name: str, description: str, correlation_id: str | None
    ) -> ContactList:
        """Write a new list (ids are random, so the condition only guards against a collision)."""
        pk, sk = list_key(owner_id, list_id)
        now = now_iso()
        item = {
            "PK": pk,
            "SK": sk,
            "type": LIST,
            "owner_id": owner_id,
            "list_id": list_id,
            "name": name,
            "description": description,
            "subscriber_count": 0,
            "created_at": now,
            "updated_at": now,
            "correlation_id": correlation_id,
        }
        self.table.put(item, condition="attribute_not_exists(PK)")
        return to_list(item)

    def get(self, owner_id: str, list_id: str) -> ContactList | None:
        """The list, if it exists."""
        item = self.table.get(*list_key(owner_id, list_id))
        return to_list(item) if item else None

    def page(
        self, owner_id: str, *, limit: int, start_sk: str | None
    ) -> tuple[list[ContactList], str | None]:
        """A page of lists in creation order and the sort key to continue after."""
        pk, _ = list_key(owner_id, "")
        start = {"PK": pk, "SK": start_sk} if start_sk else None
        items, last = self.table.query(
            "PK = :pk AND begins_with(SK, :prefix)",
            {":pk": pk, ":prefix": "LIST#"},
            limit=limit,
            start_key=start,
        )
        return [to_list(i) for i in items], (str(last["SK"]) if last else None)

    def update(
        self, owner_id: str, list_id: str, changes: Mapping[str, Any], *, correlation_id: str | None
    ) -> ContactList | None:
        """Change name/description; None when there is no such list."""
        item = self.table.update(
            *list_key(owner_id, list_id),
            sets={**changes, "updated_at": now_iso(), "correlation_id": correlation_id},
            condition="attribute_exists(PK)",
        )
        return to_list(item) if item else None

    def count_import(self, owner_id: str, list_id: str, import_id: str, created: int) -> str:
        """Add an import's new subscribers to the count, once: "counted", "already" or "list_missing".

        The import's id joins the list's `counted_imports` set in the same write, and the write is
        conditional on it not being there yet, so a retried completion never counts twice. Ids stay
        until their upload has expired (after that no delivery can reach this point again).
        """
        key = list_key(owner_id, list_id)
        updated = self.table.update(
            *key,
            adds={"subscriber_count": created, "counted_imports": {import_id}},
            condition="attribute_exists(PK) AND NOT contains(counted_imports, :id)",
            values={":id": import_id},
            returns="UPDATED_NEW",
        )
        if updated is None:
            return "already" if self.table.get(*key, consistent=True) else "list_missing"
        horizon = time.time() - COUNTED_IMPORT_DAYS * 86400
        stale = {i for i in updated.get("counted_imports") or () if (id_time(str(i)) or horizon) < horizon}
        if stale:
            self.table.update(*key, deletes={"counted_imports": stale}, returns="NONE")
        return "counted"

    def delete(self, owner_id: str, list_id: str) -> bool:
        """Delete the list item (the stream then purges its subscribers); False when absent."""
        return self.table.delete(*list_key(owner_id, list_id), condition="attribute_exists(PK)")


class SubscriberRepository:
    """Subscribers in the single table, with the list's count kept in step."""

    def __init__(self, table: Table) -> None:
        self.table = table

    # Single items, for the API.

    def new_item(
        self,
        owner_id: str,
        list_id: str,
        *,
        email: str,
        name: str,
        status: str,
        attributes: Mapping[str, Any],
        source: str,
        correlation_id: str | None,
        now: str | None = None,
    ) -> Item:
        """The item of a new subscriber."""
        pk, sk = subscriber_key(owner_id, list_id, email)
        stamp = now or now_iso()
        return {
            "PK": pk,
            "SK": sk,
            "type": SUBSCRIBER,
            "owner_id": owner_id,
            "list_id": list_id,
            "email": email,
            "name": name,
            "status": status,
            "attributes": attributes_json(dict(attributes)),
            "source": source,
            "created_at": stamp,
            "updated_at": stamp,
            "correlation_id": correlation_id,
        }

    def add(self, item: Item, *, suppress: Mapping[str, Any] | None) -> str | None:
        """Write a new subscriber and count it; returns None, or "list_missing"/"exists"."""
        owner_id, list_id = str(item["owner_id"]), str(item["list_id"])
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
            actions.append(suppression_update(owner_id, str(item["email"]), suppress))
        failed = self.table.transact(actions)
        if 1 in failed:
            return "list_missing"
        if 0 in failed:
            return "exists"
        return None

    def get(self, owner_id: str, list_id: str, email: str, *, consistent: bool = False) -> Subscriber | None:
        """One subscriber, if present."""
        item = self.table.get(*subscriber_key(owner_id, list_id, email), consistent=consistent)
        return to_subscriber(item) if item else None

    def page(
        self, owner_id: str, list_id: str, *, prefix: str, limit: int, start_sk: str | None
    ) -> tuple[list[Subscriber], str | None]:
        """A page of subscribers whose email starts with `prefix`, in email order."""
        pk = members_pk(owner_id, list_id)
        start = {"PK": pk, "SK": start_sk} if start_sk else None
        items, last = self.table.query(
            "PK = :pk AND begins_with(SK, :prefix)",
            {":pk": pk, ":prefix": f"SUB#{prefix}"},
            limit=limit,
            start_key=start,
        )
        return [to_subscriber(i) for i in items], (str(last["SK"]) if last else None)

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
        changes: Mapping[str, Any],
        *,
        suppress: Mapping[str, Any] | None,
        correlation_id: str | None,
    ) -> bool:
        """Apply changes (and suppress the address when asked); False when there is no subscriber."""
        key = subscriber_key(owner_id, list_id, email)
        update = Update(
            *key,
            sets={**changes, "updated_at": now_iso(), "correlation_id": correlation_id},
            condition="attribute_exists(PK)",
        )
        if suppress is None:
            return self.table.apply(update, returns="NONE") is not None
        if not self._exists(*key):
            return False
        return not self.table.transact([update, suppression_update(owner_id, email, suppress)])

    def remove(self, owner_id: str, list_id: str, email: str) -> str | None:
        """Delete a subscriber and uncount it; returns None, or "missing"/"list_missing"."""
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

    # Bulk access, for imports.

    def get_many(self, owner_id: str, list_id: str, emails: Sequence[str]) -> dict[str, Item]:
        """The existing items among up to 100 addresses, by email (unprocessed keys retried)."""
        items = self.table.batch_get([subscriber_key(owner_id, list_id, e) for e in emails])
        return {str(item["email"]): item for item in items}

    def put_many(self, items: Sequence[Mapping[str, Any]]) -> None:
        """BatchWriteItem in chunks of 25, retrying unprocessed items."""
        if items:
            self.table.batch_put(items)

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


def _count(owner_id: str, list_id: str, delta: int) -> Update:
    """Move a list's subscriber count (the list must exist)."""
    return Update(
        *list_key(owner_id, list_id), adds={"subscriber_count": delta}, condition="attribute_exists(PK)"
    )


def suppression_update(owner_id: str, email: str, entry: Mapping[str, Any]) -> Update:
    """An UpdateItem that creates a suppression entry, keeping the first reason if one exists."""
    return Update(
        *suppression_key(owner_id, email),
        sets={
            "type": SUPPRESSION,
            "owner_id": owner_id,
            "email": email,
            "reason": IfAbsent(entry["reason"]),
            "source": IfAbsent(entry["source"]),
            "created_at": IfAbsent(now_iso()),
            "correlation_id": entry.get("correlation_id") or "",
        },
    )


class SuppressionRepository:
    """The account-wide suppression list in the single table."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def add(
        self, owner_id: str, email: str, *, reason: str, source: str, correlation_id: str | None
    ) -> Suppression:
        """Suppress an address (an existing entry keeps its first reason and date)."""
        entry = {"reason": reason, "source": source, "correlation_id": correlation_id}
        item = self.table.apply(suppression_update(owner_id, email, entry))
        assert item is not None  # unconditional
        return to_suppression(item)

    def get(self, owner_id: str, email: str) -> Suppression | None:
        """The entry for an address, if suppressed."""
        item = self.table.get(*suppression_key(owner_id, email))
        return to_suppression(item) if item else None

    def remove(self, owner_id: str, email: str) -> bool:
        """Lift a suppression; False when the address was not suppressed."""
        return self.table.delete(*suppression_key(owner_id, email), condition="attribute_exists(PK)")

    def page(
        self, owner_id: str, *, prefix: str, limit: int, start_sk: str | None
    ) -> tuple[list[Suppression], str | None]:
        """A page of suppressed addresses starting with `prefix`, in email order."""
        pk, _ = suppression_key(owner_id, "")
        start = {"PK": pk, "SK": start_sk} if start_sk else None
        items, last = self.table.query(
            "PK = :pk AND begins_with(SK, :prefix)",
            {":pk": pk, ":prefix": f"EMAIL#{prefix}"},
            limit=limit,
            start_key=start,
        )
        return [to_suppression(i) for i in items], (str(last["SK"]) if last else None)

    def suppressed_among(self, owner_id: str, emails: Sequence[str]) -> set[str]:
        """Which of these (normalised) addresses are suppressed; 100 per BatchGetItem."""
        found = self.table.batch_get([suppression_key(owner_id, e) for e in emails])
        return {str(item["email"]) for item in found}
