"""Resend to the failed, through the whole pipeline: recipients SES kept throttling (the embedded
cloud's fault switch) end `failed`; a resend mails each of them exactly once, and a second
resend finds nobody to mail."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.delivery import send as senders
from localcloud.cloud import EmbeddedCloud
from tests.factories import owner_with_audience, sent_campaign
from tests.helpers import campaign_mail, wait_for_status


@pytest.fixture(autouse=True)
def switched_off(cloud: EmbeddedCloud) -> Iterator[None]:
    """No switch is left on for the next test, whatever happens in this one."""
    cloud.faults.clear()
    yield
    cloud.faults.clear()


@pytest.fixture
def second_try_is_last(monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch's second delivery from the send queue is its last try (instead of its eighth)."""
    monkeypatch.setattr(senders, "LAST_RECEIVE", 2)


def test_throttled_recipients_end_failed_and_a_resend_mails_each_exactly_once(
    cloud: EmbeddedCloud, client: TestClient, second_try_is_last: None
) -> None:
    # Given SES throttling every send while a campaign to three goes out
    headers, list_id, emails = owner_with_audience(client, 3, prefix="resend")
    cloud.faults.set_ses("throttle")
    campaign_id = sent_campaign(client, headers, list_id)
    first = wait_for_status(client, headers, campaign_id, {"sent", "failed"})
    cloud.faults.set_ses("off")

    # Then the campaign finished with every recipient failed (throttled), none mailed
    assert first["status"] == "sent", first
    stats = first["stats"]
    assert (stats["sent"], stats["failed"], stats["resendable"]) == (0, 3, 3)
    failed = client.get(f"/api/campaigns/{campaign_id}/recipients?status=failed", headers=headers).json()
    assert sorted(r["email"] for r in failed["items"]) == sorted(emails)
    assert {r["reason"] for r in failed["items"]} == {"throttled: TooManyRequestsException"}
    assert campaign_mail(cloud, campaign_id) == []

    # When the owner resends to the failed
    resent = client.post(f"/api/campaigns/{campaign_id}/resend-failed", headers=headers)
    assert resent.status_code == 202, resent.text
    assert resent.json()["status"] == "queued"
    again = client.post(f"/api/campaigns/{campaign_id}/resend-failed", headers=headers)
    final = wait_for_status(client, headers, campaign_id, {"sent", "failed"})

    # Then a second resend while the first is on its way was refused, and everyone got exactly one message
    assert again.status_code == 409 and again.json()["error"]["code"] == "campaign_not_finished"
    assert final["status"] == "sent", final
    assert Counter(to for m in campaign_mail(cloud, campaign_id) for to in m["to"]) == Counter(emails)
    stats = final["stats"]
    assert (stats["sent"], stats["failed"], stats["resendable"], stats["resends"]) == (3, 0, 0, 1)
    assert [t["status"] for t in final["timeline"]][-4:] == ["sent", "queued", "sending", "sent"]
    recipients = client.get(f"/api/campaigns/{campaign_id}/recipients", headers=headers).json()["items"]
    assert {(r["status"], r["reason"], r["resent_at"] is not None) for r in recipients} == {
        ("sent", None, True)
    }

    # When a resend is asked for again, once it is sent
    late = client.post(f"/api/campaigns/{campaign_id}/resend-failed", headers=headers)

    # Then nobody is left to resend to, and nobody was mailed twice
    assert (late.status_code, late.json()["error"]["code"]) == (409, "nothing_to_resend")
    assert cloud.wait_idle(15)
    assert Counter(to for m in campaign_mail(cloud, campaign_id) for to in m["to"]) == Counter(emails)
