"""The feedback worker fed SES Open and Click events as SQS delivers them (raw SNS delivery)."""

from __future__ import annotations

from typing import Any

from app.store import Store
from localcloud.cloud import EmbeddedCloud
from tests.factories import FakeLambdaContext, engagement_event, sqs_event
from tests.helpers import queued
from workers import on_delivery_event


def test_opens_and_clicks_are_counted_once_and_an_early_event_comes_back(cloud: EmbeddedCloud) -> None:
    # Given a campaign sent to one subscriber, and another campaign not sent yet
    store = Store.default()
    sent = queued(store, ["ada@example.com"])
    sent.start()
    sent.send(sent.queue.batches[0], "m0:1")
    waiting = queued(store, ["bob@example.com"])
    waiting.start()

    # When a batch brings an open, a click, the same click again and an open of the unsent campaign
    open_, click = (
        engagement_event("Open", sent.owner, sent.campaign_id, "ada@example.com"),
        engagement_event("Click", sent.owner, sent.campaign_id, "ada@example.com"),
    )
    early = engagement_event("Open", waiting.owner, waiting.campaign_id, "bob@example.com")
    event, ids = sqs_event([open_, click, click, early])
    context: Any = FakeLambdaContext("OnDeliveryEventFunction")
    answer = on_delivery_event.handler(event, context)

    # Then only the early open comes back, and the campaign counts one unique open and click
    assert answer == {"batchItemFailures": [{"itemIdentifier": ids[3]}]}
    campaign = store.campaigns.get(sent.owner, sent.campaign_id, consistent=True)
    assert campaign is not None
    s = campaign.stats
    assert (s.opens, s.unique_opens, s.clicks, s.unique_clicks) == (1, 1, 1, 1)
    links, _ = store.engagement.links(sent.owner, sent.campaign_id)
    assert [(x.url, x.clicks, x.unique_clicks) for x in links] == [("https://example.com/news", 1, 1)]
