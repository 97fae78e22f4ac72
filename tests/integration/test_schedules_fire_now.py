"""A campaign scheduled for tomorrow is fired now from the dev console, and goes out as when it falls due."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from localcloud.cloud import EmbeddedCloud
from tests.factories import bearer, new_campaign, new_list, registered_user
from tests.helpers import campaign_mail, local_console, wait_for_status


@pytest.fixture(scope="module")
def console(cloud: EmbeddedCloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The local runner's routes over the suite's cloud."""
    with local_console(cloud, tmp_path_factory.mktemp("dist")) as local:
        yield local


def test_a_scheduled_campaign_fired_now_is_sent_once(
    cloud: EmbeddedCloud, client: TestClient, console: TestClient
) -> None:
    # Given a campaign to three subscribers, scheduled for tomorrow
    _, token = registered_user(client, prefix="fire")
    headers = bearer(token)
    tag = uuid.uuid4().hex[:6]
    emails = [f"f{i}-{tag}@example.com" for i in range(3)]
    list_id = new_list(client, headers, [{"email": e, "name": f"F{i}"} for i, e in enumerate(emails)])
    campaign_id = new_campaign(client, headers, list_id)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    scheduled = client.post(
        f"/api/campaigns/{campaign_id}/schedule", json={"send_at": tomorrow}, headers=headers
    )
    assert scheduled.status_code == 200, scheduled.text
    listed = console.get("/_local/schedules").json()
    (entry,) = [s for s in listed if (s["input"] or {}).get("campaign_id") == campaign_id]
    assert entry["due_at"] is not None and entry["due_at"] > datetime.now(UTC).isoformat()

    # When the console fires it now
    fired = console.post(f"/_local/schedules/{entry['group']}/{entry['name']}/fire")

    # Then it is sent now, each subscriber once, and the spent schedule is gone
    assert fired.status_code == 200, fired.text
    final = wait_for_status(client, headers, campaign_id, {"sent", "failed"})
    assert final["status"] == "sent", final
    assert Counter(to for m in campaign_mail(cloud, campaign_id) for to in m["to"]) == Counter(emails)
    assert all(
        (s["input"] or {}).get("campaign_id") != campaign_id for s in console.get("/_local/schedules").json()
    )
    missing = console.post(f"/_local/schedules/{entry['group']}/{entry['name']}/fire")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "schedule_not_found")
