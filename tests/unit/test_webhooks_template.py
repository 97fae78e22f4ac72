"""The webhook delivery queue's redrive agrees with the retry schedule the deliver worker is given; the
fan-out's rule and the API offer every event the catalog announces."""

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

from app.config import Settings
from app.events import ACTIVITY
from app.webhooks.models import EVENT_TYPES, WebhookEventType
from localcloud.template import load_template

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = load_template(ROOT / "template.yaml")["Resources"]


def test_the_last_retry_is_the_last_receive_before_the_dlq_and_the_schedule_spans_a_day() -> None:
    variables = RESOURCES["WebhookDeliverFunction"]["Properties"]["Environment"]["Variables"]
    delays = json.loads(variables["WEBHOOK_RETRY_DELAYS"])
    redrive = RESOURCES["WebhookDeliveryQueue"]["Properties"]["RedrivePolicy"]
    assert redrive["maxReceiveCount"] == len(delays) + 1
    assert tuple(delays) == Settings().webhook_retry_delays  # the default is what AWS runs
    assert sum(delays) >= 24 * 3600
    assert max(delays) <= 12 * 3600  # SQS's longest visibility timeout
    retention = RESOURCES["WebhookDeliveryQueue"]["Properties"]["MessageRetentionPeriod"]
    assert retention > sum(delays) + 3600


def test_only_owner_activity_reaches_the_fan_out() -> None:
    rule = RESOURCES["WebhookFanOutFunction"]["Properties"]["Events"]["OwnerActivity"]
    pattern = rule["Properties"]["Pattern"]
    assert sorted(pattern["detail-type"]) == sorted(cls.detail_type() for cls in ACTIVITY)
    assert sorted(pattern["source"]) == sorted({cls.source for cls in ACTIVITY})


def test_the_api_offers_every_event_the_catalog_announces() -> None:
    assert get_args(WebhookEventType) == EVENT_TYPES
    assert {
        "message.delivered",
        "message.bounced",
        "message.complained",
        "message.opened",
        "message.clicked",
    } <= set(EVENT_TYPES)
