"""The meter: a campaign's SES messages, state transitions and DynamoDB writes, counted exactly."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from typing import Any

import pytest

from bench.cost_calibration import import_subscribers, send_campaign
from localcloud.calls import Call
from localcloud.cloud import EmbeddedCloud
from localcloud.server import WsgiResponse
from tests.helpers import campaign_mail, sfn

WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")


class WriteCounter:
    """The test's own count of the DynamoDB items the code writes (not the meter's arithmetic)."""

    def __init__(self) -> None:
        self.items: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()
        self._lock = threading.Lock()

    def before(self, call: Call) -> WsgiResponse | None:
        del call
        return None

    def after(self, call: Call, response: WsgiResponse) -> None:
        if call.service != "dynamodb" or call.operation not in WRITES or call.internal:
            return
        if response.status >= 400 and b"ConditionalCheckFailed" not in response.body:
            return
        params = call.params or {}
        if call.operation == "BatchWriteItem":
            written = sum(len(requests) for requests in params["RequestItems"].values())
        elif call.operation == "TransactWriteItems":
            written = len(params["TransactItems"])
        else:
            written = 1
        with self._lock:
            self.items[call.operation] += written
            self.requests[call.operation] += 1


@pytest.fixture(scope="module")
def counter(cloud: EmbeddedCloud) -> WriteCounter:
    """A second observer on the seam, counting on its own."""
    counting = WriteCounter()
    cloud.add_observer(counting)
    return counting


def test_a_campaign_of_100_is_metered_exactly(
    cloud: EmbeddedCloud, interpreter_port: None, counter: WriteCounter
) -> None:
    # Given a list of 100 subscribers imported through the real import path, and a quiet cloud
    owner = str(uuid.uuid4())
    list_id, imported = import_subscribers(cloud, owner, 100)
    assert cloud.wait_idle(60)
    counter.items.clear()
    counter.requests.clear()

    # When a campaign goes to that list and its feedback is processed
    campaign_id, usage, by_source = send_campaign(cloud, owner, list_id)

    # Then the SES messages metered are the messages in the outbox, one per recipient
    mail = campaign_mail(cloud, campaign_id)
    assert len(mail) == 100
    assert usage.units["ses_messages"] == len(mail)
    assert usage.requests["sesv2:SendEmail"] == len(mail)

    # And the transitions are the states the execution entered (its history, read by the test)
    from app.config import get_settings

    machine = get_settings().state_machine_arn or ""
    arn = machine.replace(":stateMachine:", ":execution:") + f":{campaign_id}"
    events: list[dict[str, Any]] = []
    for page in sfn(cloud).get_paginator("get_execution_history").paginate(executionArn=arn):
        events.extend(page["events"])
    entered = [e for e in events if e["type"].endswith("StateEntered")]
    assert len(entered) >= 5
    assert usage.units["sfn_transitions"] == len(entered)

    # And the DynamoDB writes metered are the writes the code performed, item for item
    metered: Counter[str] = Counter()
    for operation in WRITES:
        metered[operation] = usage.requests[f"dynamodb:{operation}"]
    requests_seen = sum(metered.values())
    assert requests_seen > 0 and counter.items["PutItem"] + counter.items["UpdateItem"] >= 100
    assert metered == counter.requests
    # every item written bills at least one write unit (two in a transaction)
    floor = sum(counter.items.values()) + counter.items["TransactWriteItems"]
    assert usage.units["dynamodb_write_units"] >= floor

    # And each Lambda invocation is billed with the function's configured memory
    assert usage.units["lambda_requests"] == sum(usage.invocations.values()) > 0
    assert usage.invocations["StartDeliveryFunction"] == 1
    assert usage.units["lambda_gb_seconds"] > 0
    assert "SendCampaignBatchFunction" in by_source

    # And the import metered its subscriber writes (one per started KB, each in the index too)
    assert imported.units["dynamodb_write_units"] >= 100
