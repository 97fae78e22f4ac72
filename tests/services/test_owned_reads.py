"""OwnedReads: one of an owner's items (the kind's 404 for any other) and a page of them, its
cursor sealed to the owner's list of that kind."""

from __future__ import annotations

import pytest

from app.contacts.models import new_id
from app.errors import NotFound
from app.owned import OwnedReads
from app.pagination import PageRequest
from app.store import Store
from app.templates.models import Template, TemplateBody, TemplatePage
from tests.factories import owner_id

READS = OwnedReads("template", Template, TemplatePage)


def key() -> bytes:
    return b"k" * 32


def templates(store: Store, owner: str, count: int) -> list[str]:
    """`count` templates of `owner`; their ids, oldest first."""
    body = TemplateBody(name="Receipt", subject="Your order")
    return [store.templates.create(owner, new_id(), body).id for _ in range(count)]


def test_one_answers_the_owners_item_and_the_kinds_not_found_for_any_other(store: Store) -> None:
    # Given a template of one owner
    owner, other = owner_id(), owner_id()
    (template_id,) = templates(store, owner, 1)

    # When its owner reads it, then they get it
    assert READS.one(owner, template_id, repo=store.templates).id == template_id

    # When another owner, or the owner with an id they have none by, reads it
    for reader, item_id in ((other, template_id), (owner, new_id())):
        with pytest.raises(NotFound) as missing:
            READS.one(reader, item_id, repo=store.templates)
        # Then it is the kind's 404
        assert (missing.value.code, missing.value.message) == ("template_not_found", "No such template.")


def test_pages_follow_their_cursor_and_a_cursor_opens_only_its_own_owners_list(store: Store) -> None:
    # Given three templates of one owner
    owner = owner_id()
    made = templates(store, owner, 3)

    # When the owner reads them two at a time
    first = READS.page(owner, _page(2), repo=store.templates, key=key)
    second = READS.page(owner, _page(2, first.next_cursor), repo=store.templates, key=key)

    # Then the pages hold every template once, and the last has no cursor
    read = [t.id for t in first.items + second.items]
    assert (len(first.items), sorted(read)) == (2, sorted(made))
    assert isinstance(first, TemplatePage)
    assert first.next_cursor is not None and second.next_cursor is None

    # And the cursor is refused for another owner, and for another scope of the same owner
    with pytest.raises(NotFound):
        READS.page(owner_id(), _page(2, first.next_cursor), repo=store.templates, key=key)
    other_scope = OwnedReads("template", Template, TemplatePage, scope="tx")
    with pytest.raises(NotFound):
        other_scope.page(owner, _page(2, first.next_cursor), repo=store.templates, key=key)


def test_the_kinds_not_found_is_the_same_for_the_use_cases_that_change_or_delete() -> None:
    error = READS.missing()
    assert (error.code, error.message) == ("template_not_found", "No such template.")


def _page(limit: int, cursor: str | None = None) -> PageRequest:
    return PageRequest(limit=limit, cursor=cursor)
