"""The feedback worker announces message.* events to the bus: for the types an owner's endpoints
want, once per real change, and again only when the bus refused them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import pytest

from app.config import Settings
from app.events import DomainEvent, MessageActivity
from app.store import Store
from app.webhooks import service as webhooks
from app.webhooks.models import EndpointCreate
from app.webhooks.repository import WebhookRepository
from localcloud.cloud import EmbeddedCloud
from tests.factories import FakeLambdaContext, engagement_event, owner_id, sqs_event
from tests.helpers import Delivery, FakeSes, queued, send_transactional
from workers import on_delivery_event

AT = "2026-12-03T10:05:00.000Z"


class Bus:
    """app.events.put_events as the worker calls it: keeps what was put; refuses the first `refuse`."""

    def __init__(self, refuse: int = 0) -> None:
        self.refuse = refuse
        self.events: list[MessageActivity] = []

    def __call__(self, events: Sequence[DomainEvent], **_: Any) -> list[int]:
        refused = list(range(min(self.refuse, len(events))))
        self.refuse -= len(refused)
        self.events.extend(cast(MessageActivity, e) for i, e in enumerate(events) if i not in refused)
        return refused

    def seen(self) -> list[tuple[str, str, str | None, str | None]]:
        """(type, address, campaign, transactional message) of what reached the bus, in order."""
        return [(e.kind, e.email, e.campaign_id, e.transactional_id) for e in self.events]


@pytest.fixture
def bus(monkeypatch: pytest.MonkeyPatch) -> Bus:
    fake = Bus()
    monkeypatch.setattr(on_delivery_event, "put_events", fake)
    return fake


def subscribe(store: Store, owner: str, *types: str) -> None:
    cmd = EndpointCreate(url="https://hooks.example.com/herald", event_types=list(types))  # type: ignore[arg-type]
    webhooks.create_endpoint(owner, cmd, repo=store.webhooks, cap=10, local=True)


def campaign_event(kind: str, d: Delivery, email: str, **part: Any) -> dict[str, Any]:
    tags = {"owner": [d.owner], "campaign": [d.campaign_id]}
    return {
        "eventType": kind,
        "mail": {"messageId": f"m-{email}", "destination": [email], "tags": tags},
        **part,
    }


def delivered(email: str) -> dict[str, Any]:
    return {"delivery": {"timestamp": AT, "recipients": [email]}}


def bounced(email: str) -> dict[str, Any]:
    recipients = [{"emailAddress": email}]
    return {"bounce": {"timestamp": AT, "bounceType": "Permanent", "bouncedRecipients": recipients}}


def sent_campaign(store: Store, *emails: str) -> Delivery:
    d = queued(store, list(emails))
    d.start()
    d.send(d.queue.batches[0], "m0:1")
    return d


def run(bodies: list[dict[str, Any]], *, receive_count: int = 1) -> tuple[Any, list[str]]:
    event, ids = sqs_event(bodies, receive_count=receive_count)
    return on_delivery_event.handler(event, cast(Any, FakeLambdaContext("OnDeliveryEventFunction"))), ids


def test_campaign_mail_announces_the_wanted_types_once(cloud: EmbeddedCloud, bus: Bus) -> None:
    # Given a campaign sent to two subscribers, its owner's endpoint wanting all but message.opened
    store = Store.default()
    d = sent_campaign(store, "ada@example.com", "bob@example.com")
    subscribe(store, d.owner, "message.delivered", "message.bounced", "message.clicked", "campaign.sent")
    ada, bob = "ada@example.com", "bob@example.com"
    bodies = [
        campaign_event("Delivery", d, ada, **delivered(ada)),
        engagement_event("Open", d.owner, d.campaign_id, ada),
        engagement_event("Click", d.owner, d.campaign_id, ada, link="https://example.com/a"),
        campaign_event("Bounce", d, bob, **bounced(bob)),
    ]

    # When SES's events arrive, in one batch with a duplicate of the delivery, then all again
    first, _ = run([*bodies, bodies[0]])
    again, _ = run(bodies)

    # Then the delivery, the click and the bounce were announced once each; no open; nothing failed
    assert first == again == {"batchItemFailures": []}
    assert bus.seen() == [
        ("message.delivered", ada, d.campaign_id, None),
        ("message.clicked", ada, d.campaign_id, None),
        ("message.bounced", bob, d.campaign_id, None),
    ]
    click, bounce = bus.events[1], bus.events[2]
    assert (click.link, click.bounce_type, bounce.bounce_type) == ("https://example.com/a", None, "Permanent")
    assert click.at.isoformat() == "2026-12-03T10:15:00+00:00"


def test_transactional_mail_announces_its_first_open_and_click(cloud: EmbeddedCloud, bus: Bus) -> None:
    # Given a transactional message sent, its owner's endpoint wanting every message event
    store, owner = Store.default(), owner_id()
    subscribe(store, owner, "message.delivered", "message.opened", "message.clicked", "message.complained")
    sent = send_transactional(
        store, owner, FakeSes(), key=None, to="ada@example.com", settings=Settings()
    ).message
    mail = {"messageId": "ses-tx-1", "destination": [sent.to], "tags": {"owner": [owner], "tx": [sent.id]}}
    reader = {"timestamp": AT, "userAgent": "Thunderbird/128.0", "ipAddress": "192.0.2.1"}
    delivery = {"eventType": "Delivery", "mail": mail, **delivered(sent.to)}
    opened = {"eventType": "Open", "mail": mail, "open": reader}
    clicked = {"eventType": "Click", "mail": mail, "click": {**reader, "link": "https://example.com/r"}}
    later_open = {**opened, "open": {**reader, "timestamp": "2026-12-03T11:00:00.000Z"}}

    # When its delivery, an open, a click, the delivery again and a later open arrive
    answer, _ = run([delivery, opened, clicked, delivery, later_open])

    # Then delivered, opened and clicked were announced once each, naming the message
    assert answer == {"batchItemFailures": []}
    assert bus.seen() == [
        ("message.delivered", sent.to, None, sent.id),
        ("message.opened", sent.to, None, sent.id),
        ("message.clicked", sent.to, None, sent.id),
    ]
    assert bus.events[2].link == "https://example.com/r"


def test_owners_without_a_wanting_endpoint_announce_nothing_and_are_looked_up_once(
    cloud: EmbeddedCloud,
    bus: Bus,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given one campaign whose owner has no endpoint, another whose owner wants only campaign events
    store = Store.default()
    quiet = sent_campaign(store, "a@example.com", "b@example.com")
    other = sent_campaign(store, "c@example.com")
    subscribe(store, other.owner, "campaign.sent")
    lookups: list[str] = []
    subscribed = WebhookRepository.subscribed

    def counting(repo: WebhookRepository, owner: str, *, cap: int) -> frozenset[str]:
        lookups.append(owner)
        return subscribed(repo, owner, cap=cap)

    monkeypatch.setattr(WebhookRepository, "subscribed", counting)

    # When their deliveries arrive in one batch
    answer, _ = run(
        [
            campaign_event("Delivery", quiet, "a@example.com", **delivered("a@example.com")),
            campaign_event("Delivery", quiet, "b@example.com", **delivered("b@example.com")),
            campaign_event("Delivery", other, "c@example.com", **delivered("c@example.com")),
        ]
    )

    # Then nothing reached the bus, each owner's endpoints were read once, and the stats count all
    assert answer == {"batchItemFailures": []} and bus.events == []
    assert sorted(lookups) == sorted([quiet.owner, other.owner])
    campaign = store.campaigns.get(quiet.owner, quiet.campaign_id, consistent=True)
    assert campaign is not None and campaign.stats.delivered == 2


def test_a_refused_event_retries_its_record_which_announces_it_without_counting_again(
    cloud: EmbeddedCloud,
    bus: Bus,
) -> None:
    # Given a sent campaign whose owner wants deliveries, and a bus that refuses the first event
    store = Store.default()
    d = sent_campaign(store, "ada@example.com", "bob@example.com")
    subscribe(store, d.owner, "message.delivered")
    bus.refuse = 1
    ada, bob = (
        campaign_event("Delivery", d, e, **delivered(e)) for e in ("ada@example.com", "bob@example.com")
    )

    # When both deliveries arrive, then SQS brings back the record that failed
    answer, ids = run([ada, bob])
    retry, _ = run([ada], receive_count=2)

    # Then ada's record failed and its retry announced her delivery; each was counted once
    assert answer == {"batchItemFailures": [{"itemIdentifier": ids[0]}]}
    assert retry == {"batchItemFailures": []}
    assert bus.seen() == [
        ("message.delivered", "bob@example.com", d.campaign_id, None),
        ("message.delivered", "ada@example.com", d.campaign_id, None),
    ]
    campaign = store.campaigns.get(d.owner, d.campaign_id, consistent=True)
    assert campaign is not None and campaign.stats.delivered == 2
