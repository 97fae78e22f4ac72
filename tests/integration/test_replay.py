"""Replay from a correlation trail: a stream record delivered again produces the same event again,
and the idempotent consumer of that event does nothing twice."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from localcloud.cloud import EmbeddedCloud
from tests.factories import confirm, new_email, sign_up
from tests.helpers import eventually, local_console, mail_to


@pytest.fixture(scope="module")
def console(cloud: EmbeddedCloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The local runner's routes over the suite's cloud (which this app does not own)."""
    with local_console(cloud, tmp_path_factory.mktemp("dist")) as client:
        yield client


def _signed_up(cloud: EmbeddedCloud, email: str) -> list[dict[str, Any]]:
    return [
        e
        for e in cloud.console.recent_events()
        if e["detail-type"] == "UserSignedUp" and e["detail"]["email"] == email
    ]


def _signed_up_and_welcomed(cloud: EmbeddedCloud, client: TestClient, prefix: str) -> tuple[str, str]:
    """A sign-up under a correlation id of its own, its welcome email sent: (email, correlation id)."""
    email = new_email(prefix)
    correlation_id = f"{prefix}-{uuid.uuid4()}"
    sign_up(client, email, name="Barbara")
    confirm(client, email, correlation_id=correlation_id)
    assert eventually(lambda: mail_to(cloud, email), timeout=10)
    return email, correlation_id


def test_a_replayed_stream_record_publishes_again_and_the_welcome_email_goes_once(
    cloud: EmbeddedCloud, client: TestClient, console: TestClient
) -> None:
    # Given a sign-up under one correlation id, its welcome email sent
    email, correlation_id = _signed_up_and_welcomed(cloud, client, "replay")
    assert cloud.wait_idle(15)
    (first,) = _signed_up(cloud, email)

    # When the profile's stream record is replayed from the trail
    trail = console.get(f"/_local/trail/{correlation_id}").json()
    record = next(
        e
        for e in trail
        if e["source"] == "delivery"
        and e["kind"] == "stream-record"
        and e["details"]["function"] == "OnTableChangeFunction"
        and e["message"].startswith("INSERT")
    )
    replayed = console.post(f"/_local/trail/{correlation_id}/entries/{record['id']}/replay")
    assert cloud.wait_idle(15)

    # Then the stream worker published the same event again, and the email went out only once
    assert replayed.status_code == 200 and replayed.json()["ok"] is True, replayed.text
    events = eventually(lambda: _signed_up(cloud, email) if len(_signed_up(cloud, email)) > 1 else [])
    assert len(events) == 2 and all(e["detail"] == first["detail"] for e in events)
    assert len(mail_to(cloud, email)) == 1
    # And the trail shows the replay, and the welcome worker's second delivery of the event
    again = console.get(f"/_local/trail/{correlation_id}").json()
    assert any(e["details"].get("replay_of") == record["id"] for e in again if e["source"] == "delivery")
    welcome = [
        e
        for e in again
        if e["source"] == "delivery" and e["details"]["function"] == "SendWelcomeEmailFunction"
    ]
    assert len(welcome) == 2 and {e["kind"] for e in welcome} == {"eventbridge-event"}


def test_an_entry_saves_as_a_fixture_that_runs_the_same_way(
    cloud: EmbeddedCloud, client: TestClient, console: TestClient
) -> None:
    # Given a sign-up's trail
    email, correlation_id = _signed_up_and_welcomed(cloud, client, "fixture")
    trail = console.get(f"/_local/trail/{correlation_id}").json()
    entry = next(e for e in trail if e["source"] == "delivery" and e["kind"] == "eventbridge-event")

    # When the event is saved as a fixture
    saved = console.get(f"/_local/trail/{correlation_id}/entries/{entry['id']}/fixture")

    # Then it is a download naming the function, with the exact envelope the function got
    fixture = saved.json()
    assert saved.headers["content-disposition"].startswith("attachment; filename=")
    assert (fixture["kind"], fixture["function"]) == ("eventbridge-event", "SendWelcomeEmailFunction")
    assert fixture["handler"] == "workers.send_welcome_email.handler"
    assert fixture["event"]["detail"]["email"] == email and fixture["event"]["detail-type"] == "UserSignedUp"


def test_an_unknown_entry_is_a_404(console: TestClient) -> None:
    answer = console.post("/_local/trail/nobody/entries/abc/replay")

    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "entry_not_found")
