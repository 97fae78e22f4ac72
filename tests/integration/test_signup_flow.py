"""The walking skeleton end to end through the embedded cloud: sign-up to welcome email."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from localcloud.cloud import EmbeddedCloud
from tests.factories import bearer, confirm, log_in, new_email, sign_up
from tests.helpers import LogCapture, eventually, mail_to


def test_sign_up_to_welcome_email_carries_one_correlation_id(
    cloud: EmbeddedCloud, client: TestClient, herald_logs: LogCapture
) -> None:
    # Given a person who signs up and confirms, under one correlation id
    email = new_email("flow")
    correlation_id = f"flow-{uuid.uuid4()}"
    sign_up(client, email, name="Margaret")
    confirm(client, email, correlation_id=correlation_id)

    # When they log in and read their profile
    token = log_in(client, email)
    me = client.get("/api/me", headers=bearer(token))
    assert me.status_code == 200 and me.json()["email"] == email

    # Then within 10 s the welcome email is in the outbox, exactly once
    sent = eventually(lambda: mail_to(cloud, email), timeout=10)
    assert len(sent) == 1, cloud.console.outbox()[:3]
    assert "Margaret" in sent[0]["text"]

    # And the same correlation id is on the API's log line, the event and the mail worker's log
    assert cloud.wait_idle(10)  # the worker logs after SES has answered
    api_lines = [
        line for line in herald_logs.with_message("request") if line.get("path") == "/api/auth/confirm"
    ]
    assert api_lines and api_lines[-1]["correlation_id"] == correlation_id
    events = [
        e
        for e in cloud.console.recent_events()
        if e["detail-type"] == "UserSignedUp" and e["detail"]["email"] == email
    ]
    assert len(events) == 1 and events[0]["detail"]["correlation_id"] == correlation_id
    worker_lines = [
        line
        for line in herald_logs.with_message("welcome email sent")
        if line.get("correlation_id") == correlation_id
    ]
    assert len(worker_lines) == 1

    # And nothing was parked in a dead-letter queue (but the webhook deliveries' DLQ: other tests'
    # endpoints, unreachable or failing on purpose, end there by design)
    queues = [q for q in cloud.console.queues() if q["name"] != "herald-local-webhook-delivery"]
    assert all(q["dlq_depth"] in (0, None) for q in queues), [
        (q["name"], q["dlq"], q["dlq_depth"]) for q in queues if q["dlq_depth"]
    ]
