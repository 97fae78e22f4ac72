"""Transactional messages end to end: the API sends, SES events come back through SNS -> SQS ->
OnDeliveryEventFunction and move each message's status; a bounced or complained address is then
refused."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from localcloud.cloud import EmbeddedCloud
from tests.factories import bearer, registered_user
from tests.helpers import SIMULATOR, eventually, mail_to, send_tx

SIM = SIMULATOR


def test_feedback_updates_each_message_and_suppresses_bad_addresses(
    cloud: EmbeddedCloud, client: TestClient
) -> None:
    # Given an account sending to SES simulator addresses that deliver, bounce and complain
    _, token = registered_user(client, prefix="integrator")
    headers = bearer(token)
    tag = uuid.uuid4().hex[:6]
    outcomes = {
        f"success+{tag}@{SIM}": "delivered",
        f"bounce+{tag}@{SIM}": "bounced",
        f"complaint+{tag}@{SIM}": "complained",
    }

    # When one message goes to each
    sent = {to: send_tx(client, headers, to) for to in outcomes}

    # Then each message's status follows SES's events
    def statuses() -> dict[str, str]:
        return {
            to: client.get(f"/api/tx/messages/{mid}", headers=headers).json()["status"]
            for to, mid in sent.items()
        }

    assert eventually(lambda: statuses() == outcomes, timeout=20), statuses()
    assert all(len(mail_to(cloud, to)) == 1 for to in outcomes)

    # And the bounced and complained addresses are suppressed: a new message to them is a 409, unsent
    for to in (f"bounce+{tag}@{SIM}", f"complaint+{tag}@{SIM}"):
        again = client.post(
            "/api/tx", json={"to": to, "subject": "Hi", "text_body": "Hello"}, headers=headers
        )
        assert (again.status_code, again.json()["error"]["code"]) == (409, "suppressed")
        assert len(mail_to(cloud, to)) == 1
    suppressed = client.get("/api/suppression", headers=headers).json()["items"]
    assert {(s["email"], s["reason"]) for s in suppressed} == {
        (f"bounce+{tag}@{SIM}", "bounced"),
        (f"complaint+{tag}@{SIM}", "complained"),
    }
