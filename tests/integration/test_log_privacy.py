"""No email address reaches an INFO (or DEBUG) log line, through a sign-up and a whole campaign."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient

from localcloud.cloud import EmbeddedCloud
from tests.factories import PASSWORD, bearer, new_campaign, new_list
from tests.helpers import campaign_mail, wait_for_status


class EveryRecord(logging.Handler):
    """Every record any logger emits below WARNING, rendered with all its fields."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.rendered: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < logging.WARNING:
            self.rendered.append(f"{record.name} {record.getMessage()} {record.__dict__}")


@pytest.fixture
def low_level_logs() -> Iterator[EveryRecord]:
    handler = EveryRecord()
    # Powertools' logger does not propagate to the root logger: listen to both.
    targets = [logging.getLogger(), logging.getLogger("herald")]
    for target in targets:
        target.addHandler(handler)
    try:
        yield handler
    finally:
        for target in targets:
            target.removeHandler(handler)


def test_a_sign_up_and_a_campaign_log_no_address_below_warning(
    cloud: EmbeddedCloud, client: TestClient, low_level_logs: EveryRecord
) -> None:
    # Given a person who signs up, confirms and logs in
    tag = uuid.uuid4().hex[:8]
    owner = f"owner-{tag}@example.com"
    assert client.post("/api/auth/signup", json={"email": owner, "password": PASSWORD}).status_code == 201
    assert client.post("/api/auth/confirm", json={"email": owner, "code": "123456"}).status_code == 200
    login = client.post("/api/auth/login", json={"email": owner, "password": PASSWORD})
    headers = bearer(login.json()["access_token"])

    # When they build a list, read and edit a subscriber by address, send a campaign, and a
    # recipient unsubscribes
    readers = [f"reader{i}-{tag}@example.com" for i in range(3)]
    list_id = new_list(client, headers, [{"email": email} for email in readers])
    assert client.get(f"/api/lists/{list_id}/subscribers/{readers[0]}", headers=headers).status_code == 200
    edited = client.patch(
        f"/api/lists/{list_id}/subscribers/{readers[1]}", json={"name": "R"}, headers=headers
    )
    assert edited.status_code == 200
    campaign_id = new_campaign(client, headers, list_id)
    assert client.post(f"/api/campaigns/{campaign_id}/send", headers=headers).status_code == 202
    assert wait_for_status(client, headers, campaign_id, {"sent", "failed"})["status"] == "sent"
    mail = campaign_mail(cloud, campaign_id)
    one_click = urlparse(mail[0]["headers"]["List-Unsubscribe"].strip("<>")).path
    assert client.post(one_click, content="List-Unsubscribe=One-Click").status_code == 200
    assert cloud.wait_idle(30)

    # Then lines were logged all along, and none below WARNING holds any of the addresses
    assert len(low_level_logs.rendered) > 20
    for address in (owner, *readers):
        for fragment in (address, address.replace("@", "%40")):
            leaks = [line for line in low_level_logs.rendered if fragment in line]
            assert leaks == [], leaks[:3]
