"""DynamoDB access for subscribers, with their list's count kept in step (the owner is in every key).

Keys: subscriber S = PK=LIST#<owner>#<list>, SK=SUB#<email> (its item: subscriber_items.py); the list
L (lists.py); suppression X (suppression.py); purge marker P = PK=OWNER#<owner>, SK=PURGE#<list>.

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
| a form asks to confirm (pending)     | S + L (a check)                | TransactWriteItems / UpdateItem |
| confirm (unconfirmed -> subscribed)  | S + L (+1)                     | TransactWriteItems              |
| one address on several lists         | S x100                         | BatchGetItem                    |
| a page matching a segment's rule     | S's PK, SK begins_with SUB#    | Query with FilterExpression     |

Unconfirmed subscribers are not counted on their list (they may expire: `ttl`, CONFIRM_DAYS after
they asked); leaving `unconfirmed` counts them. `attrs` holds the attributes once more as a map
for segment filters (attributes.py); `attributes` (JSON text) stays what is read back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from app.contacts.attributes import Filter, filter_map
from app.contacts.confirmations import ConfirmationRequest, confirmation_put
from app.contacts.lists import ListRepository
from app.contacts.models import Confirmation, NewSubscriber, Subscriber, SuppressionEntry, attributes_json
from app.contacts.subscriber_items import (
    SubscriberRecord,
    confirmation_fields,
    count_change,
    expiry,
    members_pk,
    subscriber_item,
    subscriber_key,
    to_subscriber,
)
from app.contacts.suppression import suppression_update
from app.db import Item, Repository, now_iso
from app.writes import Delete, IfAbsent, Put, Update

LIST_PURGE = "list_purge"

AddRefusal = Literal["exists", "list_missing"]
RemoveRefusal = Literal["missing", "list_missing"]
ConfirmOutcome = Literal["confirmed", "already", "invalid"]


@dataclass(frozen=True)
class Waiting:
    """An address waiting for its confirmation link, which must carry `confirm_id`."""

    confirm_id: str


def purge_key(owner_id: str, list_id: str) -> tuple[str, str]:
    """The key of the marker that drives the purge of a deleted list's subscribers."""
    return f"OWNER#{owner_id}", f"PURGE#{list_id}"


class SubscriberRepository(Repository):
    """Subscribers in the single table, with the list's count kept in step."""

    # Single subscribers, for the API and delivery.

    def add(
        self,
        owner_id: str,
        list_id: str,
        new: NewSubscriber,
        *,
        suppress: SuppressionEntry | None,
        confirm: ConfirmationRequest | None = None,
    ) -> Subscriber | AddRefusal:
        """Write a new subscriber and count it (suppressing the address when asked); an unconfirmed
        one is not counted, and `confirm` (its email's request) is written with it."""
        item = subscriber_item(owner_id, list_id, new, now=now_iso())
        if confirm is not None:
            item["confirm_id"] = dict(confirm.lists)[list_id]
        # Reads first, so the usual refusals never cancel a transaction (see _exists).
        if self._exists(str(item["PK"]), str(item["SK"])):
            return "exists"
        if not self._exists(*ListRepository.key(owner_id, list_id)):
            return "list_missing"
        actions: list[Put | Update] = [
            Put(item, condition="attribute_not_exists(PK)"),
            count_change(owner_id, list_id, 0 if new.status == "unconfirmed" else 1),
        ]
        if suppress is not None:
            actions.append(suppression_update(owner_id, new.email, suppress))
        if confirm is not None:
            actions.append(confirmation_put(confirm))
        failed = self.table.transact(actions)
        if 1 in failed:
            return "list_missing"
        if 0 in failed:
            return "exists"
        return to_subscriber(item)

    def get(self, owner_id: str, list_id: str, email: str, *, consistent: bool = False) -> Subscriber | None:
        """One subscriber, if present."""
        return self._read(subscriber_key(owner_id, list_id, email), to_subscriber, consistent=consistent)

    def get_record(self, owner_id: str, list_id: str, email: str) -> SubscriberRecord | None:
        """One subscriber with what only this domain reads (strongly consistent)."""
        return self._read(
            subscriber_key(owner_id, list_id, email), SubscriberRecord.from_item, consistent=True
        )

    def page(
        self,
        owner_id: str,
        list_id: str,
        *,
        prefix: str,
        limit: int,
        start_sk: str | None,
        where: Filter | None = None,
    ) -> tuple[list[Subscriber], str | None]:
        """A page of subscribers whose email starts with `prefix`, in email order; with `where`, only
        those it matches (`limit` counts the subscribers read, so a page may hold fewer)."""
        pk = members_pk(owner_id, list_id)
        condition = where or Filter()
        items, last = self.table.page(
            pk,
            f"SUB#{prefix}",
            limit=limit,
            start_sk=start_sk,
            filter=condition.expression,
            names=condition.names,
            values=condition.values,
        )
        return [to_subscriber(i) for i in items], last

    def on_lists(self, owner_id: str, list_ids: Sequence[str], email: str) -> dict[str, SubscriberRecord]:
        """One address's subscriber on each of these lists where it has one, by list id."""
        items = self.table.batch_get([subscriber_key(owner_id, list_id, email) for list_id in list_ids])
        return {str(item["list_id"]): SubscriberRecord.from_item(item) for item in items}

    # Confirmation: forms, and the API asking Herald to confirm.

    def request_confirmation(
        self, owner_id: str, list_id: str, new: NewSubscriber, *, confirm_id: str
    ) -> Waiting | Literal["unchanged", "list_missing"]:
        """Make the address wait for its confirmation link: a new one becomes `unconfirmed`; an
        unconfirmed one takes the new details and waits longer; an unsubscribed one waits as it is.

        Waiting carries the id its link must carry (an id already waiting is kept, so earlier
        links still work); "unchanged": it needs no confirmation (subscribed, bounced, complained).
        """
        key = subscriber_key(owner_id, list_id, new.email)
        current = self.table.get(*key, consistent=True)
        now = now_iso()
        if current is None:
            item = {**subscriber_item(owner_id, list_id, new, now=now), "confirm_id": confirm_id}
            failed = self.table.transact(
                [Put(item, condition="attribute_not_exists(PK)"), count_change(owner_id, list_id, 0)]
            )
            if 1 in failed:
                return "list_missing"
            return "unchanged" if failed else Waiting(confirm_id)  # a request made it meanwhile
        status = str(current["status"])
        if status not in ("unconfirmed", "unsubscribed"):
            return "unchanged"
        sets: dict[str, Any] = {"confirm_id": IfAbsent(confirm_id), "updated_at": now}
        if new.consent is not None:
            sets["consent"] = new.consent.model_dump(mode="json")
        if status == "unconfirmed":
            sets |= {
                "name": new.name,
                "attributes": attributes_json(new.attributes),
                "attrs": filter_map(new.attributes),
                "ttl": expiry(now),
            }
        updated = self.table.update(
            *key, sets=sets, condition="#s = :was", names={"#s": "status"}, values={":was": status}
        )
        return Waiting(str(updated["confirm_id"])) if updated else "unchanged"

    def confirm(
        self, owner_id: str, list_id: str, email: str, *, confirm_id: str, confirmation: Confirmation
    ) -> ConfirmOutcome:
        """A waiting address (unconfirmed, or unsubscribed and asking back in) whose link carries
        `confirm_id` becomes subscribed, and counts on its list if it was not counted yet."""
        key = subscriber_key(owner_id, list_id, email)
        current = self.table.get(*key, consistent=True)
        if current is not None and current["status"] == "subscribed":
            return "already"
        if current is None or current.get("confirm_id") != confirm_id:
            return "invalid"
        status = str(current["status"])
        update = Update(
            *key,
            sets={"status": "subscribed", "updated_at": now_iso(), **confirmation_fields(confirmation)},
            removes=("ttl", "confirm_id"),
            condition="#s = :was AND confirm_id = :cid",
            names={"#s": "status"},
            values={":was": status, ":cid": confirm_id},
        )
        if status != "unconfirmed":
            return "confirmed" if self.table.apply(update, returns="NONE") is not None else "invalid"
        failed = self.table.transact([update, count_change(owner_id, list_id, 1)])
        return "invalid" if failed else "confirmed"

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
        confirmation: Confirmation | None = None,
        suppress: SuppressionEntry | None,
        correlation_id: str | None,
    ) -> bool:
        """Change what is given (and suppress the address when asked); False when there is no subscriber.

        An unconfirmed subscriber given another status is counted on its list from then on (and
        no longer expires); one that becomes `subscribed` records `confirmation` (why it may be mailed).
        """
        key = subscriber_key(owner_id, list_id, email)
        current = self.table.get(*key, consistent=True) if status or suppress else None
        if (status or suppress) and current is None:
            return False
        was = str(current["status"]) if current else None
        leaving = status is not None and was == "unconfirmed"
        changes = {
            "name": name,
            "status": status,
            "attributes": attributes_json(attributes) if attributes is not None else None,
            "attrs": filter_map(attributes) if attributes is not None else None,
            "updated_at": now_iso(),
            "correlation_id": correlation_id,
        }
        if confirmation is not None and status == "subscribed" and was != "subscribed":
            changes.update(confirmation_fields(confirmation))
        update = Update(
            *key,
            sets=changes,
            removes=("ttl", "confirm_id") if leaving else (),
            condition="#s = :was" if leaving else "attribute_exists(PK)",
            names={"#s": "status"} if leaving else {},
            values={":was": "unconfirmed"} if leaving else {},
        )
        actions: list[Update] = [update]
        if leaving:
            actions.append(count_change(owner_id, list_id, 1))
        if suppress is not None:
            actions.append(suppression_update(owner_id, email, suppress))
        if len(actions) == 1:
            return self.table.apply(update, returns="NONE") is not None
        return not self.table.transact(actions)

    def remove(self, owner_id: str, list_id: str, email: str) -> RemoveRefusal | None:
        """Delete a subscriber and uncount it (an unconfirmed one was never counted); None when done."""
        pk, sk = subscriber_key(owner_id, list_id, email)
        for _ in range(3):  # a status that changed under us (confirmed meanwhile): read and try again
            current = self.table.get(pk, sk, consistent=True)
            if current is None:
                return "missing"
            if not self._exists(*ListRepository.key(owner_id, list_id)):
                return "list_missing"
            status = str(current["status"])
            failed = self.table.transact(
                [
                    Delete(pk, sk, condition="#s = :was", names={"#s": "status"}, values={":was": status}),
                    count_change(owner_id, list_id, 0 if status == "unconfirmed" else -1),
                ]
            )
            if 1 in failed:
                return "list_missing"
            if not failed:
                return None
        return "missing"

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
        items = [{**subscriber_item(owner_id, list_id, n, now=now), "created_import": import_id} for n in new]
        if items:
            self.table.batch_put(items)
        written = 0
        for record, name, attributes in changed:
            done = self.table.update(
                *subscriber_key(owner_id, list_id, record.subscriber.email),
                sets={
                    "name": name,
                    "attributes": attributes_json(attributes),
                    "attrs": filter_map(attributes),
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
