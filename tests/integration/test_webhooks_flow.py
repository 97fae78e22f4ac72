"""Webhooks end to end through the embedded cloud: a new subscriber -> the table stream -> the bus ->
the fan-out -> the delivery queue -> a signed POST to a real listener on 127.0.0.1; and a sent
message's SES events -> the feedback worker -> the bus -> the same way."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from localcloud.cloud import EmbeddedCloud
from tests.factories import bearer, new_email, new_list, registered_user
from tests.helpers import SIMULATOR, eventually, send_tx, settings_from, webhook_listener


@pytest.fixture
def two_retries(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The retry schedule compressed to two one-second delays (three attempts)."""
    yield from settings_from(monkeypatch, WEBHOOK_RETRY_DELAYS="[1, 1]")


def _signed_by(secret: str, received: Any) -> bool:
    t, v1 = (part.split("=", 1)[1] for part in received.headers["herald-signature"].split(","))
    expected = hmac.new(secret.encode(), f"{t}.".encode() + received.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, v1)


def _deliveries(client: TestClient, owner: dict[str, str], endpoint_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/webhooks/{endpoint_id}/deliveries", headers=owner)
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_a_new_subscriber_reaches_a_local_listener_signed(cloud: EmbeddedCloud, client: TestClient) -> None:
    # Given an owner with an endpoint for subscriber.created on a local listener
    _, token = registered_user(client, prefix="hooks")
    owner = bearer(token)
    with webhook_listener(200) as (url, received):
        created = client.post(
            "/api/webhooks", json={"url": url, "event_types": ["subscriber.created"]}, headers=owner
        )
        assert created.status_code == 201
        hook = created.json()
        assert hook["secret"].startswith("whsec_")
        assert "secret" not in client.get(f"/api/webhooks/{hook['id']}", headers=owner).json()

        # When a subscriber joins one of the owner's lists
        email = new_email("joined")
        new_list(client, owner, [{"email": email, "name": "Jo"}])

        # Then the listener gets one signed subscriber.created delivery about them
        assert eventually(lambda: received, timeout=30)
        assert cloud.wait_idle(20)
    assert len(received) == 1
    assert received[0].headers["herald-event"] == "subscriber.created"
    assert _signed_by(hook["secret"], received[0])
    payload = json.loads(received[0].body)
    assert (payload["type"], payload["data"]["email"]) == ("subscriber.created", email)
    deliveries = _deliveries(client, owner, hook["id"])
    assert [(d["status"], d["status_code"], d["attempts"]) for d in deliveries] == [("delivered", 200, 1)]


def test_a_failing_listener_is_retried_then_the_delivery_shows_failed(
    cloud: EmbeddedCloud, client: TestClient, two_retries: None
) -> None:
    del two_retries
    # Given an endpoint whose listener always answers 500
    _, token = registered_user(client, prefix="hooks")
    owner = bearer(token)
    with webhook_listener(500) as (url, received):
        hook = client.post(
            "/api/webhooks", json={"url": url, "event_types": ["subscriber.created"]}, headers=owner
        ).json()

        # When the owner sends a test event
        sent = client.post(f"/api/webhooks/{hook['id']}/test", headers=owner)
        assert sent.status_code == 202

        # Then it is tried three times (two retries), and the delivery shows failed with the 500
        failed = eventually(
            lambda: [d for d in _deliveries(client, owner, hook["id"]) if d["status"] == "failed"], timeout=40
        )
        assert cloud.wait_idle(30)
    assert [(d["status_code"], d["attempts"], d["last_error"]) for d in failed] == [(500, 3, "HTTP 500")]
    assert len(received) == 3
    assert all(_signed_by(hook["secret"], r) for r in received)
    assert {r.headers["herald-delivery"] for r in received} == {sent.json()["delivery_id"]}


def test_a_transactional_send_reaches_a_local_listener_as_signed_message_events(
    cloud: EmbeddedCloud, client: TestClient
) -> None:
    # Given an owner with an endpoint for message.delivered and message.bounced on a local listener
    _, token = registered_user(client, prefix="hooks")
    owner = bearer(token)
    tag = uuid.uuid4().hex[:6]
    delivered, bounced = f"success+{tag}@{SIMULATOR}", f"bounce+{tag}@{SIMULATOR}"
    with webhook_listener(200) as (url, received):
        types = ["message.delivered", "message.bounced"]
        hook = client.post("/api/webhooks", json={"url": url, "event_types": types}, headers=owner).json()

        # When the owner sends a message that SES delivers and one that bounces
        sent = {to: send_tx(client, owner, to) for to in (delivered, bounced)}

        # Then the listener gets one signed delivery of each, naming the message and the address
        assert eventually(lambda: len(received) >= 2, timeout=30)
        assert cloud.wait_idle(20)
    assert all(_signed_by(hook["secret"], r) for r in received)
    payloads = sorted((json.loads(r.body) for r in received), key=lambda p: str(p["type"]))
    assert [(p["type"], p["data"]["email"], p["data"]["transactional_id"]) for p in payloads] == [
        ("message.bounced", bounced, sent[bounced]),
        ("message.delivered", delivered, sent[delivered]),
    ]
    assert payloads[0]["data"]["bounce_type"] == "Permanent"
    assert [r.headers["herald-event"] for r in received].count("message.delivered") == 1
