"""A campaign's recipients filtered by status (bounded reads, cursors over short pages), and the
resend-to-failed route's refusals: another owner's campaign, one on its way, none left to resend."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.campaigns import recipients as recipients_module
from app.store import Store
from localcloud.cloud import EmbeddedCloud
from tests.factories import bearer, new_campaign, owner_with_audience, registered_user, sent_campaign
from tests.helpers import wait_for_status


def _all_pages(
    client: TestClient, headers: dict[str, str], path: str, **query: str
) -> tuple[list[str], list[int]]:
    """Every address a filtered listing returns, following its cursors; and each page's size."""
    emails: list[str] = []
    sizes: list[int] = []
    cursor: str | None = None
    for _ in range(50):
        params: dict[str, Any] = {"limit": 2, **query, **({"cursor": cursor} if cursor else {})}
        answer = client.get(path, params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        emails += [r["email"] for r in page["items"]]
        sizes.append(len(page["items"]))
        cursor = page["next_cursor"]
        if cursor is None:
            return emails, sizes
    raise AssertionError("the cursors never ended")


@pytest.fixture
def small_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """A filtered page reads two recipients at most (so pages come back short)."""
    monkeypatch.setattr(recipients_module, "FILTERED_READ_SIZE", 2)
    monkeypatch.setattr(recipients_module, "FILTERED_READS", 1)


def test_recipients_filter_by_status_opened_and_clicked_across_short_pages(
    cloud: EmbeddedCloud, client: TestClient, small_reads: None
) -> None:
    # Given a sent campaign to seven, where SES reported two bounces, three opens and a click
    headers, list_id, emails = owner_with_audience(client, 7, prefix="filters")
    campaign_id = sent_campaign(client, headers, list_id)
    assert wait_for_status(client, headers, campaign_id, {"sent", "failed"})["status"] == "sent"
    assert cloud.wait_idle(15)
    owner_id = client.get("/api/me", headers=headers).json()["id"]
    store = Store.default()
    ordered = sorted(emails)
    for email in (ordered[1], ordered[5]):
        assert store.recipients.transition(
            owner_id, campaign_id, email, allowed=("sent", "delivered"), to="bounced"
        )
    for email, also_clicked in ((ordered[0], False), (ordered[3], True), (ordered[6], False)):
        stamps = {"first_open_at": "2026-12-03T00:00:00+00:00"}
        if also_clicked:
            stamps["first_click_at"] = "2026-12-03T00:01:00+00:00"
        store.table.update(*_recipient_key(owner_id, campaign_id, email), sets=stamps)
    path = f"/api/campaigns/{campaign_id}/recipients"

    # When each filter is paged through, two recipients read a request
    bounced, sizes = _all_pages(client, headers, path, status="bounced")
    opened, _ = _all_pages(client, headers, path, status="opened")
    clicked, _ = _all_pages(client, headers, path, status="clicked")
    failed, failed_sizes = _all_pages(client, headers, path, status="failed")

    # Then each returns exactly its recipients in order, some pages short or empty on the way
    assert bounced == [ordered[1], ordered[5]] and 0 in sizes
    assert opened == [ordered[0], ordered[3], ordered[6]]
    assert clicked == [ordered[3]]
    assert failed == [] and len(failed_sizes) == 4  # seven read, two at a time: the cursor went on
    everyone, _ = _all_pages(client, headers, path)
    assert everyone == ordered


def _recipient_key(owner_id: str, campaign_id: str, email: str) -> tuple[str, str]:
    from app.delivery.repository import recipient_key

    return recipient_key(owner_id, campaign_id, email)


def test_an_unknown_status_is_a_422_and_another_owners_campaign_a_404(client: TestClient) -> None:
    # Given a sent campaign and a stranger
    headers, list_id, _ = owner_with_audience(client, 1, prefix="filters")
    campaign_id = sent_campaign(client, headers, list_id)
    _, stranger = registered_user(client, prefix="stranger")

    # Then a status that does not exist is refused, and the stranger sees no such campaign
    assert (
        client.get(f"/api/campaigns/{campaign_id}/recipients?status=lost", headers=headers).status_code == 422
    )
    theirs = client.get(f"/api/campaigns/{campaign_id}/recipients?status=failed", headers=bearer(stranger))
    assert (theirs.status_code, theirs.json()["error"]["code"]) == (404, "campaign_not_found")
    resend = client.post(f"/api/campaigns/{campaign_id}/resend-failed", headers=bearer(stranger))
    assert (resend.status_code, resend.json()["error"]["code"]) == (404, "campaign_not_found")


def test_a_resend_is_refused_for_a_draft_and_when_nobody_failed(client: TestClient) -> None:
    # Given a draft, and a campaign sent to everyone
    headers, list_id, _ = owner_with_audience(client, 2, prefix="resend")
    draft_id = new_campaign(client, headers, list_id)
    sent_id = sent_campaign(client, headers, list_id)
    assert wait_for_status(client, headers, sent_id, {"sent", "failed"})["status"] == "sent"

    # When a resend to the failed is asked of each
    of_draft = client.post(f"/api/campaigns/{draft_id}/resend-failed", headers=headers)
    of_sent = client.post(f"/api/campaigns/{sent_id}/resend-failed", headers=headers)

    # Then both are 409s that say why, and the campaigns are unchanged
    assert (of_draft.status_code, of_draft.json()["error"]["code"]) == (409, "campaign_not_finished")
    assert (of_sent.status_code, of_sent.json()["error"]["code"]) == (409, "nothing_to_resend")
    assert client.get(f"/api/campaigns/{sent_id}", headers=headers).json()["status"] == "sent"
