"""Contact use cases against the module's own table: lists, subscribers, suppression, paging."""

from __future__ import annotations

import pytest

from app.contacts import service
from app.contacts.models import (
    ListCreate,
    SubscriberCreate,
    SubscriberPage,
    SubscriberUpdate,
    SuppressionCreate,
)
from app.errors import Conflict, NotFound
from app.pagination import PageRequest
from app.store import Store
from tests.factories import list_with, owner_id


def test_a_subscriber_is_added_once_and_counted_on_its_list(store: Store) -> None:
    # Given an empty list
    owner = owner_id()
    created = service.create_list(owner, ListCreate(name="News"), repo=store.lists, correlation_id=None)

    # When the same address is added twice
    cmd = SubscriberCreate(email="Ada@Example.com", name="Ada", attributes={"plan": "pro"})
    first = service.add_subscriber(owner, created.id, cmd, repo=store.subscribers, correlation_id="c1")
    with pytest.raises(Conflict) as second:
        service.add_subscriber(owner, created.id, cmd, repo=store.subscribers, correlation_id="c2")

    # Then it is stored once, normalised, and the list counts one
    assert (first.email, first.attributes, first.source) == ("ada@example.com", {"plan": "pro"}, "api")
    assert second.value.code == "subscriber_exists"
    assert service.list_reads.one(owner, created.id, repo=store.lists).subscriber_count == 1


def test_a_subscriber_of_a_missing_or_foreign_list_is_refused(store: Store) -> None:
    # Given one owner's list
    owner, stranger = owner_id(), owner_id()
    list_id = list_with(store, owner, [])

    # When someone else adds to it
    with pytest.raises(NotFound) as refused:
        service.add_subscriber(
            stranger,
            list_id,
            SubscriberCreate(email="x@example.com"),
            repo=store.subscribers,
            correlation_id=None,
        )

    # Then it is not found for them, and the owner's list is untouched
    assert refused.value.code == "list_not_found"
    assert service.list_reads.one(owner, list_id, repo=store.lists).subscriber_count == 0


def test_an_unsubscribed_status_suppresses_the_address_and_keeps_the_first_reason(store: Store) -> None:
    # Given a subscriber
    owner = owner_id()
    list_id = list_with(store, owner, ["bo@example.com"])

    # When the subscriber unsubscribes, and later the address is suppressed by hand
    service.update_subscriber(
        owner,
        list_id,
        "bo@example.com",
        SubscriberUpdate(status="unsubscribed"),
        lists=store.lists,
        repo=store.subscribers,
        correlation_id=None,
    )
    again = service.suppress(
        owner, SuppressionCreate(email="bo@example.com"), repo=store.suppressions, correlation_id=None
    )

    # Then the address is suppressed for the list's reason, which the manual entry did not replace
    assert (again.reason, again.source) == ("unsubscribed", f"list:{list_id}")
    assert store.subscribers.get(owner, list_id, "bo@example.com") is not None
    assert service.suppressed_among(owner, ["BO@example.com", "cy@example.com"], repo=store.suppressions) == {
        "bo@example.com"
    }


def test_removing_a_subscriber_uncounts_it_once(store: Store) -> None:
    # Given a list of two
    owner = owner_id()
    list_id = list_with(store, owner, ["a@example.com", "b@example.com"])

    # When one is removed twice
    service.remove_subscriber(owner, list_id, "a@example.com", repo=store.subscribers)
    with pytest.raises(NotFound) as again:
        service.remove_subscriber(owner, list_id, "a@example.com", repo=store.subscribers)

    # Then the count dropped by one only
    assert again.value.code == "subscriber_not_found"
    assert service.list_reads.one(owner, list_id, repo=store.lists).subscriber_count == 1


def test_subscribers_page_by_prefix_with_cursors_bound_to_their_list(
    store: Store, signing_key: bytes
) -> None:
    # Given five subscribers, four under one prefix, and another list
    owner = owner_id()
    emails = [
        "ann1@example.com",
        "ann2@example.com",
        "ann3@example.com",
        "ann4@example.com",
        "bob@example.com",
    ]
    list_id, other = list_with(store, owner, emails), list_with(store, owner, [])

    def page(list_: str, cursor: str | None) -> SubscriberPage:
        return service.list_subscribers(
            owner,
            list_,
            PageRequest(limit=3, cursor=cursor),
            email_prefix="ANN",
            lists=store.lists,
            repo=store.subscribers,
            key=lambda: signing_key,
        )

    # When the prefix is paged three at a time, and the cursor is tried on the other list
    first = page(list_id, None)
    second = page(list_id, first.next_cursor)
    with pytest.raises(NotFound) as foreign:
        page(other, first.next_cursor)

    # Then the pages follow each other and the cursor works only where it was made
    assert [s.email for s in first.items] == emails[:3] and first.next_cursor
    assert [s.email for s in second.items] == emails[3:4] and second.next_cursor is None
    assert foreign.value.code == "invalid_cursor"


def test_a_deleted_lists_subscribers_are_purged_step_by_step(store: Store) -> None:
    # Given a list of five that is deleted
    owner = owner_id()
    list_id = list_with(store, owner, [f"p{i}@example.com" for i in range(5)])
    service.delete_list(owner, list_id, repo=store.lists)

    # When purge steps of two run
    steps = [service.purge_deleted_list(owner, list_id, repo=store.subscribers, step=2) for _ in range(3)]

    # Then only the last step finds none left, and none are left
    assert steps == [False, False, True]
    assert store.subscribers.page(owner, list_id, prefix="", limit=10, start_sk=None) == ([], None)
