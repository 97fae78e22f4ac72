"""A campaign end to end through the embedded cloud: Step Functions, SQS senders, SES, feedback."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient

from app.config import get_settings
from localcloud.cloud import EmbeddedCloud
from tests.factories import bearer, new_campaign, new_list, registered_user
from tests.helpers import campaign_mail, state_names, wait_for_status

SIM = "simulator.amazonses.com"


@pytest.fixture
def pushes(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every WebSocket message the stream worker pushes (recorded at push level)."""
    from app import outbox
    from workers import on_table_change

    seen: list[dict[str, Any]] = []

    def record(message: outbox.Push) -> None:
        seen.append(message.message)

    monkeypatch.setattr(on_table_change, "_push", record)
    return seen


def test_a_campaign_goes_out_once_per_recipient_and_feedback_suppresses_bad_addresses(
    cloud: EmbeddedCloud, client: TestClient, pushes: list[dict[str, Any]]
) -> None:
    # Given a list with normal and SES simulator addresses, one unsubscribed and one suppressed member
    _, token = registered_user(client, prefix="sender")
    headers = bearer(token)
    tag = uuid.uuid4().hex[:6]
    eligible = [
        f"alice-{tag}@example.com",
        f"bob-{tag}@example.com",
        f"success+{tag}@{SIM}",
        f"bounce+{tag}@{SIM}",
        f"complaint+{tag}@{SIM}",
        f"suppressionlist+{tag}@{SIM}",
    ]
    members: list[dict[str, Any]] = [
        {"email": email, "name": email.split("@")[0].split("-")[0].title(), "attributes": {"city": "Oslo"}}
        for email in eligible
    ]
    members.append({"email": f"gone-{tag}@example.com", "status": "unsubscribed"})
    members.append({"email": f"blocked-{tag}@example.com"})
    list_id = new_list(client, headers, members)
    blocked = client.post("/api/suppression", json={"email": f"blocked-{tag}@example.com"}, headers=headers)
    assert blocked.status_code == 201
    campaign_id = new_campaign(client, headers, list_id)

    # When it is sent
    sent = client.post(f"/api/campaigns/{campaign_id}/send", headers=headers)
    assert sent.status_code == 202, sent.text
    assert sent.json()["status"] == "queued"
    final = wait_for_status(client, headers, campaign_id, {"sent", "failed"})

    # Then the execution went Start -> Wait -> Choice -> Finalize and the campaign is sent
    assert final["status"] == "sent", final
    assert state_names(cloud, campaign_id) == [
        "StartDelivery",
        "AudienceFrozen?",
        "WaitForSender",
        "SendersDone?",
        "Finalize",
        "SubscribersUpdated?",
        "Sent",
    ]
    assert [step["status"] for step in final["timeline"]] == ["draft", "queued", "sending", "sent"]
    listed = client.get("/api/campaigns", headers=headers).json()["items"]
    assert next(c for c in listed if c["id"] == campaign_id)["sent_at"] == final["sent_at"] is not None

    # And the outbox holds exactly one personalised message per eligible recipient, with one-click headers
    mail = campaign_mail(cloud, campaign_id)
    assert sorted(to for m in mail for to in m["to"]) == sorted(eligible)
    alice = next(m for m in mail if m["to"] == [eligible[0]])
    assert alice["subject"] == "Hello Alice" and "from Oslo" in alice["html"]
    assert alice["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click = alice["headers"]["List-Unsubscribe"].strip("<>")
    assert one_click.startswith(get_settings().app_url + "/api/public/unsubscribe/")

    # And the SES feedback marks bounces and complaints, and suppresses those addresses
    assert cloud.wait_idle(30)
    stats = client.get(f"/api/campaigns/{campaign_id}/stats", headers=headers).json()
    assert stats["recipients"] == 6 and stats["suppressed"] == 1 and stats["sent"] == 6
    assert (stats["bounced"], stats["complained"], stats["failed"]) == (2, 1, 0)
    assert stats["delivered"] == 4  # alice, bob, success, complaint (delivered, then complained)
    recipients = client.get(f"/api/campaigns/{campaign_id}/recipients", headers=headers).json()["items"]
    by_email = {r["email"]: r["status"] for r in recipients}
    assert by_email[eligible[3]] == "bounced" and by_email[eligible[4]] == "complained"
    assert by_email[eligible[0]] == "delivered" and all(r["message_id"] for r in recipients)
    suppressed = client.get("/api/suppression", headers=headers).json()["items"]
    assert {s["email"] for s in suppressed} >= {eligible[3], eligible[4], eligible[5]}

    # When Alice uses the one-click unsubscribe (RFC 8058), without any token
    clicked = client.post(
        urlparse(one_click).path,
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    # Then she is unsubscribed and suppressed, and the campaign counts it once
    assert clicked.status_code == 200 and clicked.json()["status"] == "unsubscribed"
    again = client.post(urlparse(one_click).path, content="List-Unsubscribe=One-Click")
    assert again.status_code == 200
    member = client.get(f"/api/lists/{list_id}/subscribers/{eligible[0]}", headers=headers).json()
    assert member["status"] == "unsubscribed"
    assert member["campaigns_received"] == 1 and member["last_sent_at"]  # Finalize updated the subscriber
    skipped = client.get(f"/api/lists/{list_id}/subscribers/gone-{tag}@example.com", headers=headers).json()
    assert (skipped["campaigns_received"], skipped["last_sent_at"]) == (0, None)
    assert client.get(f"/api/campaigns/{campaign_id}/stats", headers=headers).json()["unsubscribed"] == 1

    # And a second campaign to the same list skips every suppressed address
    second = new_campaign(client, headers, list_id, name="December news")
    assert client.post(f"/api/campaigns/{second}/send", headers=headers).status_code == 202
    assert wait_for_status(client, headers, second, {"sent", "failed"})["status"] == "sent"
    assert sorted(to for m in campaign_mail(cloud, second) for to in m["to"]) == sorted(
        [eligible[1], eligible[2]]
    )

    # And the owner's WebSocket got the status changes in order, and progress
    assert cloud.wait_idle(30)
    statuses = [p["status"] for p in pushes if p["type"] == "campaign.status" and p["id"] == campaign_id]
    assert statuses == ["draft", "queued", "sending", "sent"]
    progress = [p for p in pushes if p["type"] == "campaign.progress" and p["id"] == campaign_id]
    assert progress and progress[-1]["sent"] == 6

    # And a sent campaign is never sent again
    resend = client.post(f"/api/campaigns/{campaign_id}/send", headers=headers)
    assert resend.status_code == 409 and resend.json()["error"]["code"] == "campaign_already_sent"
