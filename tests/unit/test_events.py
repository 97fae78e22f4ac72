"""What the bus and webhooks see of each activity event is a contract: its source, detail-type,
detail JSON and webhook name stay exactly as integrations know them."""

from __future__ import annotations

from app.events import (
    ACTIVITY,
    WEBHOOK_TYPES,
    CampaignFailed,
    CampaignSent,
    CampaignStarted,
    MessageActivity,
    OwnerActivity,
    SubscriberConfirmed,
    SubscriberCreated,
    SubscriberUnsubscribed,
)

SUBSCRIBER = {"owner_id": "o1", "list_id": "l1", "email": "ada@example.com"}
CAMPAIGN = {"owner_id": "o1", "campaign_id": "c1"}

# (event, source, detail-type, webhook, detail) as published before the webhook names were derived.
PUBLISHED: list[tuple[OwnerActivity, str, str, str, str]] = [
    (
        SubscriberCreated(**SUBSCRIBER, status="subscribed", correlation_id="c-1"),
        "herald.contacts",
        "SubscriberCreated",
        "subscriber.created",
        '{"correlation_id":"c-1","owner_id":"o1","list_id":"l1","email":"ada@example.com","status":"subscribed"}',
    ),
    (
        SubscriberConfirmed(**SUBSCRIBER, status="subscribed"),
        "herald.contacts",
        "SubscriberConfirmed",
        "subscriber.confirmed",
        '{"correlation_id":null,"owner_id":"o1","list_id":"l1","email":"ada@example.com","status":"subscribed"}',
    ),
    (
        SubscriberUnsubscribed(**SUBSCRIBER, status="unsubscribed"),
        "herald.contacts",
        "SubscriberUnsubscribed",
        "subscriber.unsubscribed",
        '{"correlation_id":null,"owner_id":"o1","list_id":"l1","email":"ada@example.com","status":"unsubscribed"}',
    ),
    (
        CampaignStarted(**CAMPAIGN, status="sending"),
        "herald.campaigns",
        "CampaignStarted",
        "campaign.started",
        '{"correlation_id":null,"owner_id":"o1","campaign_id":"c1","status":"sending"}',
    ),
    (
        CampaignSent(**CAMPAIGN, status="sent", correlation_id="c-2"),
        "herald.campaigns",
        "CampaignSent",
        "campaign.sent",
        '{"correlation_id":"c-2","owner_id":"o1","campaign_id":"c1","status":"sent"}',
    ),
    (
        CampaignFailed(**CAMPAIGN, status="failed"),
        "herald.campaigns",
        "CampaignFailed",
        "campaign.failed",
        '{"correlation_id":null,"owner_id":"o1","campaign_id":"c1","status":"failed"}',
    ),
]


def test_each_activity_event_is_published_and_announced_exactly_as_before() -> None:
    for event, source, detail_type, webhook, detail in PUBLISHED:
        assert (event.source, event.detail_type(), event.webhook_type()) == (source, detail_type, webhook)
        assert event.model_dump_json() == detail


def test_an_endpoint_may_ask_for_every_activity_and_message_kind_and_nothing_else() -> None:
    assert WEBHOOK_TYPES == (
        "subscriber.created",
        "subscriber.confirmed",
        "subscriber.unsubscribed",
        "campaign.started",
        "campaign.sent",
        "campaign.failed",
        "message.delivered",
        "message.bounced",
        "message.complained",
        "message.opened",
        "message.clicked",
    )
    assert ACTIVITY[-1] is MessageActivity
