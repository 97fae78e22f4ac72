"""Unsubscribing through an opaque link, against the module's own table."""

from __future__ import annotations

import pytest

from app.errors import NotFound
from app.store import Store
from app.unsubscribe import service
from app.unsubscribe.service import UnsubscribeKit
from app.unsubscribe.tokens import UnsubscribeTarget, make_token
from tests.factories import draft, list_with, owner_id


def test_a_link_unsubscribes_suppresses_and_is_counted_once_for_its_campaign(
    store: Store, signing_key: bytes
) -> None:
    # Given a recipient of a sent campaign and the link their message carried
    owner = owner_id()
    list_id = list_with(store, owner, ["ada@example.com"], name="Weekly")
    campaign_id = draft(store, owner, list_id)
    subscriber = store.subscribers.get(owner, list_id, "ada@example.com")
    assert subscriber is not None
    store.recipients.freeze(owner, campaign_id, list_id, [[subscriber]])
    store.recipients.transition(owner, campaign_id, "ada@example.com", allowed=("pending",), to="sent")
    target = UnsubscribeTarget(
        owner_id=owner, list_id=list_id, campaign_id=campaign_id, email="ada@example.com"
    )
    token = make_token(target, key=signing_key)

    def unsubscribe() -> service.UnsubscribeStatus:
        return service.unsubscribe(
            token,
            key=lambda: signing_key,
            kit=UnsubscribeKit.of(store),
        )

    # When the page is shown, then the link is used twice
    shown = service.show(token, key=lambda: signing_key, kit=UnsubscribeKit.of(store))
    first = unsubscribe()
    unsubscribe()

    # Then the person is unsubscribed and suppressed, and the campaign counts one unsubscribe
    assert (shown.list_name, shown.status, first.status) == ("Weekly", "subscribed", "unsubscribed")
    suppressed = store.suppressions.get(owner, "ada@example.com")
    assert suppressed is not None and suppressed.source == f"campaign:{campaign_id}"
    campaign = store.campaigns.get(owner, campaign_id)
    assert campaign is not None and campaign.stats.unsubscribed == 1
    recipient = store.recipients.get(owner, campaign_id, "ada@example.com")
    assert recipient is not None and recipient.status == "unsubscribed"


def test_a_link_altered_or_made_with_another_key_is_not_found(store: Store, signing_key: bytes) -> None:
    # Given a subscriber, their link with another link's key id and body spliced in, and a link
    # for them made with another key
    owner = owner_id()
    list_id = list_with(store, owner, ["bo@example.com"])
    theirs = UnsubscribeTarget(owner_id=owner, list_id=list_id, campaign_id="c", email="bo@example.com")
    other = UnsubscribeTarget(owner_id=owner, list_id=list_id, campaign_id="c", email="other@example.com")
    altered = make_token(theirs, key=signing_key)[:30] + make_token(other, key=signing_key)[30:]
    foreign = make_token(theirs, key=b"x" * 32)

    # When either is opened
    refused = []
    for token in (altered, foreign):
        with pytest.raises(NotFound) as error:
            service.show(token, key=lambda: signing_key, kit=UnsubscribeKit.of(store))
        refused.append(error.value.code)

    # Then both are refused as links that are not valid
    assert refused == ["invalid_unsubscribe_link", "invalid_unsubscribe_link"]
