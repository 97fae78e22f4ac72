"""What the bus and webhooks see of each activity event is a contract: its source, detail-type,
detail JSON and webhook name stay exactly as integrations know them."""

from __future__ import annotations

from app.events import (
    CampaignFailed,
    CampaignSent,
    CampaignStarted,
    OwnerActivity,
    SubscriberConfirmed,
    SubscriberCreated,
    SubscriberUnsubscribed,
)

SUBSCRIBER = {"owner_id": "o", "list_id": "l", "email": "a@x.io"}
CAMPAIGN = {"owner_id": "o", "campaign_id": "c"}

# Each event class's source, detail-type and webhook name, as published before the webhook names
# were derived from the class names.
NAMES: list[tuple[type[OwnerActivity], str, str, str]] = [
    (SubscriberCreated, "herald.contacts", "SubscriberCreated", "subscriber.created"),
    (SubscriberConfirmed, "herald.contacts", "SubscriberConfirmed", "subscriber.confirmed"),
    (SubscriberUnsubscribed, "herald.contacts", "SubscriberUnsubscribed", "subscriber.unsubscribed"),
    (CampaignStarted, "herald.campaigns", "CampaignStarted", "campaign.started"),
    (CampaignSent, "herald.campaigns", "CampaignSent", "campaign.sent"),
    (CampaignFailed, "herald.campaigns", "CampaignFailed", "campaign.failed"),
]
EVENTS = [
    SubscriberCreated(**SUBSCRIBER, status="subscribed", correlation_id="c-1"),
    SubscriberConfirmed(**SUBSCRIBER, status="subscribed"),
    SubscriberUnsubscribed(**SUBSCRIBER, status="unsubscribed"),
    CampaignStarted(**CAMPAIGN, status="sending"),
    CampaignSent(**CAMPAIGN, status="sent", correlation_id="c-2"),
    CampaignFailed(**CAMPAIGN, status="failed"),
]
# Their detail JSON as published then, to the byte.
DETAILS = [
    '{"correlation_id":"c-1","owner_id":"o","list_id":"l","email":"a@x.io","status":"subscribed"}',
    '{"correlation_id":null,"owner_id":"o","list_id":"l","email":"a@x.io","status":"subscribed"}',
    '{"correlation_id":null,"owner_id":"o","list_id":"l","email":"a@x.io","status":"unsubscribed"}',
    '{"correlation_id":null,"owner_id":"o","campaign_id":"c","status":"sending"}',
    '{"correlation_id":"c-2","owner_id":"o","campaign_id":"c","status":"sent"}',
    '{"correlation_id":null,"owner_id":"o","campaign_id":"c","status":"failed"}',
]


def test_each_activity_event_keeps_its_source_detail_type_and_webhook_name() -> None:
    for cls, source, detail_type, webhook in NAMES:
        assert (cls.source, cls.detail_type(), cls.webhook()) == (source, detail_type, webhook)


def test_each_activity_event_is_published_and_announced_as_before() -> None:
    assert [event.model_dump_json() for event in EVENTS] == DETAILS
    assert [event.webhook_type() for event in EVENTS] == [webhook for *_, webhook in NAMES]
