"""The preference centre against the module's own table: change lists and name, unsubscribe from
everything, export everything held, erase it (the address stays blocked as a hash)."""

from __future__ import annotations

import json

import pytest

from app.contacts import service as contacts
from app.contacts.models import ListUpdate, SubscriberUpdate
from app.errors import Conflict, NotFound
from app.preferences import service
from app.preferences.models import PreferencesUpdate
from app.preferences.service import PreferenceKit
from app.preferences.tokens import Reader, make_token
from app.store import Store
from tests.factories import draft, list_with, new_email, owner_id

KEY = b"p" * 32


def public_list(store: Store, owner: str, members: list[str], name: str) -> str:
    list_id = list_with(store, owner, members, name=name)
    contacts.update_list(owner, list_id, ListUpdate(public=True), repo=store.lists, correlation_id=None)
    return list_id


def test_a_reader_changes_lists_and_name_from_their_link(store: Store) -> None:
    # Given a reader on a public list and a private one, and another public list they are not on
    owner, email = owner_id(), new_email("reader")
    news = public_list(store, owner, [email], "News")
    offers = public_list(store, owner, [], "Offers")
    private = list_with(store, owner, [email], name="VIP")
    token = make_token(Reader(owner, email), key=KEY)
    kit = PreferenceKit.of(store)

    # When they open their page
    page = service.show(token, key=KEY, kit=kit)

    # Then they see the public lists, ticked where they get them, and not the private one's name
    assert {entry.name: entry.subscribed for entry in page.lists} == {"News": True, "Offers": False}
    assert page.other_lists == 1

    # When they leave News, join Offers and change their name
    changed = service.update(
        token, PreferencesUpdate(name="Ada L.", lists={news: False, offers: True}), key=KEY, kit=kit
    )

    # Then the lists follow, the name is changed on every list, and leaving did not suppress them
    assert {entry.name: entry.subscribed for entry in changed.lists} == {"News": False, "Offers": True}
    joined = store.subscribers.get(owner, offers, email, consistent=True)
    assert joined is not None and (joined.source, joined.confirmed_by) == ("preferences", "preferences")
    assert store.subscribers.get(owner, private, email, consistent=True).name == "Ada L."  # type: ignore[union-attr]
    assert store.suppressions.get(owner, email) is None
    assert store.lists.get(owner, offers).subscriber_count == 1  # type: ignore[union-attr]

    # And a list that is not public cannot be joined from the page
    with pytest.raises(NotFound):
        service.update(token, PreferencesUpdate(lists={private: True}), key=KEY, kit=kit)


def test_unsubscribing_from_everything_leaves_every_list_and_suppresses(store: Store) -> None:
    # Given a reader on a public and a private list
    owner, email = owner_id(), new_email()
    lists = [public_list(store, owner, [email], "News"), list_with(store, owner, [email])]
    token = make_token(Reader(owner, email), key=KEY)

    # When they unsubscribe from everything
    service.unsubscribe_all(token, key=KEY, kit=PreferenceKit.of(store))

    # Then every list has them unsubscribed and the address is suppressed
    for list_id in lists:
        assert store.subscribers.get(owner, list_id, email, consistent=True).status == "unsubscribed"  # type: ignore[union-attr]
    suppressed = store.suppressions.get(owner, email)
    assert suppressed is not None and (suppressed.reason, suppressed.source) == (
        "unsubscribed",
        "preferences",
    )


def test_the_export_holds_every_subscription_with_attributes_consent_and_messages(store: Store) -> None:
    # Given a reader with attributes, sent one campaign
    owner, email = owner_id(), new_email()
    list_id = public_list(store, owner, [email], "News")
    contacts.update_subscriber(
        owner,
        list_id,
        email,
        SubscriberUpdate(attributes={"city": "Oslo", "plan": "pro"}),
        lists=store.lists,
        repo=store.subscribers,
        correlation_id=None,
    )
    campaign = draft(store, owner, list_id, name="Spring", subject="Hello")
    member = store.subscribers.get(owner, list_id, email, consistent=True)
    assert member is not None
    store.recipients.freeze(owner, campaign, list_id, [[member]])

    # When they download their data
    data = service.export(make_token(Reader(owner, email), key=KEY), key=KEY, kit=PreferenceKit.of(store))

    # Then it is JSON with the subscription, its attributes, the list's name and the message
    exported = json.loads(data.model_dump_json())
    assert exported["email"] == email
    assert exported["subscriptions"][0]["attributes"] == {"city": "Oslo", "plan": "pro"}
    assert exported["list_names"] == {list_id: "News"}
    assert [(m["campaign_name"], m["subject"], m["status"]) for m in exported["messages"]] == [
        ("Spring", "Hello", "pending")
    ]


def test_erasure_removes_the_reader_everywhere_and_keeps_the_address_blocked(store: Store) -> None:
    # Given a reader on two lists, a campaign's copy of them, a suppression entry and a bounce count
    owner, email = owner_id(), new_email()
    lists = [
        public_list(store, owner, [email, "other@example.com"], "News"),
        list_with(store, owner, [email]),
    ]
    member = store.subscribers.get(owner, lists[0], email, consistent=True)
    assert member is not None
    campaign = draft(store, owner, lists[0])
    store.recipients.freeze(owner, campaign, lists[0], [[member]])
    store.recipients.count_soft_bounce(owner, email)
    token = make_token(Reader(owner, email), key=KEY)
    kit = PreferenceKit.of(store)

    # When they erase everything (twice: a retried request)
    erased = service.erase(token, key=KEY, kit=kit)
    service.erase(token, key=KEY, kit=kit)

    # Then they are on no list (each list counts one fewer), no campaign holds them, no bounce count
    assert (erased.subscriptions, erased.messages) == (2, 1)
    for list_id in lists:
        assert store.subscribers.get(owner, list_id, email, consistent=True) is None
    assert store.lists.get(owner, lists[0]).subscriber_count == 1  # type: ignore[union-attr]
    assert store.recipients.get(owner, campaign, email) is None
    assert kit.personal_data.soft_bounces(owner, email) == 0

    # And the address is in no readable entry, yet every suppression check still matches it
    assert store.suppressions.get(owner, email) is None
    assert store.suppressions.suppressed_among(owner, [email, "other@example.com"]) == {email}
    page = service.show(token, key=KEY, kit=kit)
    assert page.erased and not any(entry.subscribed for entry in page.lists)
    with pytest.raises(Conflict) as refused:
        service.update(token, PreferencesUpdate(lists={lists[0]: True}), key=KEY, kit=kit)
    assert refused.value.code == "address_erased"


def test_an_altered_link_opens_nothing(store: Store) -> None:
    token = make_token(Reader(owner_id(), new_email()), key=KEY)
    with pytest.raises(NotFound) as refused:
        service.show(token[:-3] + "abc", key=KEY, kit=PreferenceKit.of(store))
    assert refused.value.code == "invalid_preferences_link"
