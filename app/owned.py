"""An owner's items of one kind (templates, segments, lists, forms, messages): the key they share,
the reads and writes every such repository makes the same way, and the two reads (one item, a page)
that kinds with nothing more to check answer alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from app.db import Item, Key, Repository, new_item, now_iso
from app.errors import NotFound, found, no_such
from app.pagination import KeySource, Page, PageRequest, next_cursor, start_after

R = TypeVar("R")
S = TypeVar("S")
P = TypeVar("P", bound=Page[Any])


class OwnedItems(Repository, Generic[R, S]):
    """Items at PK=OWNER#<owner><partition>, SK=<prefix><id>: one read as `record`, a page of them as
    `listed` (a list may show less than one item does), oldest or newest first.

    Changing or deleting is conditional on the item existing, so a missing id is an answer (None or
    False), never a new item.
    """

    entity: ClassVar[str]
    id_name: ClassVar[str]
    partition: ClassVar[str] = ""
    prefix: ClassVar[str]
    newest_first: ClassVar[bool] = False
    record: Callable[[Item], R]
    listed: Callable[[Item], S]

    @classmethod
    def key(cls, owner_id: str, item_id: str) -> Key:
        """The key of one item."""
        return f"OWNER#{owner_id}{cls.partition}", f"{cls.prefix}{item_id}"

    def _new(self, owner_id: str, item_id: str, **attributes: Any) -> Item:
        """A new item (its owner and id as attributes too), created and updated now."""
        now = now_iso()
        return new_item(
            self.key(owner_id, item_id),
            self.entity,
            owner_id=owner_id,
            **{self.id_name: item_id},
            **attributes,
            created_at=now,
            updated_at=now,
        )

    def _add(self, owner_id: str, item_id: str, **attributes: Any) -> R:
        """Insert a new item and return its record."""
        item = self._new(owner_id, item_id, **attributes)
        self.table.insert(item)
        return self.record(item)

    def get(self, owner_id: str, item_id: str, *, consistent: bool = False) -> R | None:
        """One item, if it exists."""
        return self._read(self.key(owner_id, item_id), self.record, consistent=consistent)

    def page(self, owner_id: str, *, limit: int, start_sk: str | None) -> tuple[list[S], str | None]:
        """A page of the owner's items and the sort key to continue after (None: the last page)."""
        pk, _ = self.key(owner_id, "")
        items, last = self.table.page(
            pk, self.prefix, limit=limit, start_sk=start_sk, forward=not self.newest_first
        )
        return [self.listed(i) for i in items], last

    def _change(
        self, owner_id: str, item_id: str, sets: Mapping[str, Any], *, removes: Sequence[str] = ()
    ) -> R | None:
        """Set these attributes (None values are left alone) and `updated_at`; None when missing."""
        item = self.table.update(
            *self.key(owner_id, item_id),
            sets={**sets, "updated_at": now_iso()},
            removes=removes,
            condition="attribute_exists(PK)",
        )
        return self.record(item) if item else None

    def delete(self, owner_id: str, item_id: str) -> bool:
        """Delete one item; False when there was none."""
        return self.table.delete(*self.key(owner_id, item_id), condition="attribute_exists(PK)")


def page_of(
    repo: OwnedItems[Any, S], owner_id: str, page: PageRequest, *, scope: str, key: KeySource, into: type[P]
) -> P:
    """The page (`into`, e.g. `ListPage`) of the owner's items after the request's cursor, with the cursor
    of the next page (None: this was the last). A cursor is sealed to `scope` (the owner's list of one
    kind): it opens no other."""
    start = start_after(page.cursor, scope=scope, prefix=repo.prefix, key=key)
    items, last = repo.page(owner_id, limit=page.limit, start_sk=start)
    return into(items=items, next_cursor=next_cursor(last, scope=scope, key=key))


@dataclass(frozen=True)
class OwnedReads(Generic[R, P]):
    """A kind's two plain reads as use cases: `one` item of the owner's by its id (NotFound "No such
    <thing>.", coded `<thing>_not_found`, for any id the owner has none by, another owner's included)
    and a `page` of them (`page_model`), its cursor sealed to `<scope>:<owner>` (`scope` defaults to
    `<thing>s`). Their routes are `get_<thing>` and `list_<thing>s` (app/api/owned.py)."""

    thing: str
    record: type[R]
    page_model: type[P]
    scope: str = ""

    @property
    def missing(self) -> Callable[[], NotFound]:
        """What makes the kind's NotFound (for the use cases that change or delete an item)."""
        return no_such(self.thing)

    def one(self, owner_id: str, item_id: str, *, repo: OwnedItems[R, Any]) -> R:
        """One of the owner's items."""
        return found(repo.get(owner_id, item_id), self.missing)

    def page(self, owner_id: str, page: PageRequest, *, repo: OwnedItems[Any, Any], key: KeySource) -> P:
        """A page of the owner's items, in the repository's order."""
        scope = f"{self.scope or self.thing + 's'}:{owner_id}"
        return page_of(repo, owner_id, page, scope=scope, key=key, into=self.page_model)
