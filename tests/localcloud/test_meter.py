"""The meter: a campaign's SES messages, state transitions and DynamoDB writes, counted exactly."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.testclient import TestClient

from bench.cost_calibration import import_subscribers, send_campaign
from localcloud.calls import Call
from localcloud.cloud import EmbeddedCloud
from localcloud.server import WsgiResponse
from tests.helpers import campaign_mail, local_console, sfn
from tests.localcloud.helpers import eventually

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


def test_http_api_requests_are_metered_per_512_kb_under_their_correlation_id(
    cloud: EmbeddedCloud, tmp_path: Path
) -> None:
    # Given the local runner over the cloud
    with local_console(cloud, tmp_path) as runner:
        small, large = f"meter-small-{uuid.uuid4()}", f"meter-large-{uuid.uuid4()}"

        # When one small request and one of 600 KB (refused, but API Gateway bills it) go through
        assert runner.get("/api/health", headers={"X-Correlation-Id": small}).status_code == 200
        body = b"x" * (600 * 1024)
        runner.post("/api/auth/login", content=body, headers={"X-Correlation-Id": large})
        # And the dev console's own routes and the SPA are asked too (not API Gateway's)
        overview = runner.get("/_local/meter", params={"limit": 500}).json()
        one = runner.get(f"/_local/meter/{large}").json()

    # Then the small request is one request unit and the large one two (512 KB chunks)
    assert cloud.meter.for_correlation(small).units["apigw_http_requests"] == 1
    assert cloud.meter.for_correlation(large).units["apigw_http_requests"] == 2
    # And the console lists them newest first, named by the request that began them, with a cost
    labels = {row["correlation_id"]: row["label"] for row in overview["recent"]}
    assert labels[small] == "GET /api/health" and labels[large] == "POST /api/auth/login"
    ids = [row["correlation_id"] for row in overview["recent"]]
    assert ids.index(large) < ids.index(small)
    assert one["units"]["apigw_http_requests"] == 2
    assert one["cost"]["services"]["API Gateway"] == pytest.approx(2 * 1.00 / 1_000_000)
    assert overview["total"]["cost"]["total_usd"] >= one["cost"]["total_usd"]
    assert "/_local/meter" not in labels.values()


def test_websocket_frames_replies_and_connection_minutes_are_metered(web_cloud: EmbeddedCloud) -> None:
    # Given the web stack's WebSocket API served as the local runner serves it
    bridge = web_cloud.websocket
    assert bridge is not None
    before = web_cloud.meter.total().units
    app = Starlette(routes=[WebSocketRoute("/ws", bridge.serve)])

    # When a client sends a frame of 40 KB (two 32 KB messages) to a two-way route, then closes
    with TestClient(app) as ws_client, ws_client.websocket_connect("/ws?token=good-meter") as socket:
        socket.send_text("y" * (40 * 1024))
        socket.receive_text()
    assert eventually(lambda: _grown(web_cloud, before, "apigw_ws_connection_minutes") == 1, timeout=5)

    # Then the frame is two messages, its reply (the echo, over 40 KB) two more, and one minute
    assert _grown(web_cloud, before, "apigw_ws_messages") == 4


def _grown(cloud: EmbeddedCloud, before: dict[str, float], name: str) -> float:
    return cloud.meter.total().units.get(name, 0.0) - before.get(name, 0.0)
