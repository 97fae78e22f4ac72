"""DynamoDB access for lists (the owner is in every key).

Keys: list L = PK=OWNER#<owner>, SK=LIST#<list>. Subscribers, and the count they keep in step,
are in subscribers.py.

| access pattern                       | key                          | operation                       |
|--------------------------------------|------------------------------|---------------------------------|
| create a list                        | L                            | PutItem (if absent)             |
| read / rename / delete a list        | L                            | GetItem/UpdateItem/DeleteItem   |
| a page of the owner's lists          | L's PK, SK begins_with LIST# | Query                           |
| import: count its new subscribers    | L (counted_imports set)      | UpdateItem ADD, once per import |
| confirm a subscriber: +1             | L (with the subscriber's)    | TransactWriteItems              |
| every list of the owner (audiences)  | L's PK, SK begins_with LIST# | Query, page by page             |
| several lists by id (a form, a link) | L x100                       | BatchGetItem                    |

A list also holds how people join it by themselves: `opt_in` (double, single), `public` (shown in
the preference centre) and `confirmation` (the confirmation email's template, a map).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from app.contacts.models import ConfirmationTemplate, ContactList, id_time
from app.db import stamps
from app.owned import OwnedItems

# Uploads expire after 7 days (bucket lifecycle); an import older than this can never be retried.
COUNTED_IMPORT_DAYS = 8


def to_list(item: Mapping[str, Any]) -> ContactList:
    """A list item as the API shows it."""
    return ContactList(
        id=str(item["list_id"]),
        name=str(item["name"]),
        description=str(item.get("description", "")),
        subscriber_count=max(int(item.get("subscriber_count", 0)), 0),
        **stamps(item),
        opt_in=item.get("opt_in") or "double",
        public=bool(item.get("public", False)),
        confirmation=ConfirmationTemplate.model_validate(item.get("confirmation") or {}),
    )


class ListRepository(OwnedItems[ContactList, ContactList]):
    """Lists in the single table (a page: in creation order). Deleting a list deletes its item only:
    the stream then purges its subscribers."""

    entity = "list"
    id_name = "list_id"
    prefix = "LIST#"
    record = listed = staticmethod(to_list)

    def create(
        self, owner_id: str, list_id: str, *, name: str, description: str, correlation_id: str | None
    ) -> ContactList:
        """Write a new list (ids are random, so the condition only guards against a collision)."""
        return self._add(
            owner_id,
            list_id,
            name=name,
            description=description,
            subscriber_count=0,
            correlation_id=correlation_id,
        )

    def all(self, owner_id: str) -> Iterator[ContactList]:
        """Every list of the owner, in creation order, a page (a Query) at a time."""
        pk, _ = self.key(owner_id, "")
        for item in self.table.query_all(
            "PK = :pk AND begins_with(SK, :l)", {":pk": pk, ":l": "LIST#"}, limit=500
        ):
            yield to_list(item)

    def get_many(self, owner_id: str, list_ids: Sequence[str]) -> dict[str, ContactList]:
        """The lists among these ids that exist, by id."""
        items = self.table.batch_get([self.key(owner_id, i) for i in list_ids], consistent=False)
        return {str(item["list_id"]): to_list(item) for item in items}

    def update(
        self, owner_id: str, list_id: str, changes: Mapping[str, Any], *, correlation_id: str | None
    ) -> ContactList | None:
        """Change name, description or how people join; None when there is no such list."""
        return self._change(owner_id, list_id, {**changes, "correlation_id": correlation_id})

    def count_import(self, owner_id: str, list_id: str, import_id: str, created: int) -> str:
        """Add an import's new subscribers to the count, once: "counted", "already" or "list_missing".

        The import's id joins the list's `counted_imports` set in the same write, and the write is
        conditional on it not being there yet, so a retried completion never counts twice. Ids stay
        until their upload has expired (after that no delivery can reach this point again).
        """
        key = self.key(owner_id, list_id)
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
