"""The dev console's tools in Chromium: SES throttled from the console mid-campaign, then a trail's
replay, a saved snapshot and the resource browser."""

from __future__ import annotations

import re
import time
import uuid
from collections import Counter
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import shot
from tests.factories import PASSWORD, new_email

RECIPIENTS = 150  # at the template's 14 sends a second: about ten seconds of sending


def _account(server: str) -> tuple[dict[str, str], str]:
    """A confirmed, logged-in owner (through the API) and the confirmation's correlation id."""
    email = new_email("tools")
    assert httpx.post(
        f"{server}/api/auth/signup", json={"email": email, "password": PASSWORD, "name": "Tess"}
    ).is_success
    confirmed = httpx.post(f"{server}/api/auth/confirm", json={"email": email, "code": "123456"})
    assert confirmed.is_success, confirmed.text
    token = httpx.post(f"{server}/api/auth/login", json={"email": email, "password": PASSWORD}).json()[
        "access_token"
    ]
    return {"Authorization": f"Bearer {token}"}, confirmed.headers["x-correlation-id"]


def _campaign(server: str, headers: dict[str, str], count: int) -> tuple[str, list[str]]:
    """A list of `count` subscribers and a draft campaign to it."""
    with httpx.Client(base_url=server, headers=headers, timeout=30) as api:
        list_id = api.post("/api/lists", json={"name": f"Tools {uuid.uuid4().hex[:6]}"}).json()["id"]
        tag = uuid.uuid4().hex[:6]
        emails = [f"t{i:03d}-{tag}@example.com" for i in range(count)]
        for i, email in enumerate(emails):
            added = api.post(f"/api/lists/{list_id}/subscribers", json={"email": email, "name": f"T{i}"})
            assert added.status_code == 201, added.text
        campaign = api.post(
            "/api/campaigns",
            json={
                "name": "Throttled",
                "subject": "Hi {{ subscriber.name }}",
                "list_id": list_id,
                "text_body": "Hello {{ subscriber.name }}: {{ unsubscribe_url }}",
            },
        )
        assert campaign.status_code == 201, campaign.text
    return campaign.json()["id"], emails


def _mailed(server: str, campaign_id: str) -> Counter[str]:
    outbox = httpx.get(f"{server}/_local/outbox", timeout=30).json()
    return Counter(to for m in outbox if m.get("tags", {}).get("campaign") == campaign_id for to in m["to"])


def _until(check: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, "the condition did not come true in time"
        time.sleep(0.2)
    return value


def test_ses_throttled_from_the_console_mid_campaign_then_off(page: Page, server: str) -> None:
    # Given a campaign that has started to go out
    headers, _ = _account(server)
    campaign_id, emails = _campaign(server, headers, RECIPIENTS)
    page.goto("/_local?tab=faults")
    expect(page.get_by_test_id("console-fault-ses-state")).to_have_text("Off")
    sent = httpx.post(f"{server}/api/campaigns/{campaign_id}/send", headers=headers)
    assert sent.status_code == 202, sent.text
    _until(lambda: sum(_mailed(server, campaign_id).values()) >= 1, 30)

    # When SES throttling is switched on from the console
    page.get_by_test_id("console-fault-ses-on").click()
    expect(page.get_by_test_id("console-fault-ses-state")).to_have_text("Throttle")
    # ... sends are refused for a while (the counter says so), then it is switched off
    expect(page.get_by_test_id("console-faults-injected")).to_contain_text("ses", timeout=20_000)
    held = sum(_mailed(server, campaign_id).values())
    shot(page, "30-console-faults-on")
    page.get_by_test_id("console-fault-ses-off").click()
    expect(page.get_by_test_id("console-fault-ses-state")).to_have_text("Off")

    # Then the campaign finishes, with every recipient mailed exactly once
    final = _until(
        lambda: (
            (c := httpx.get(f"{server}/api/campaigns/{campaign_id}", headers=headers).json())["status"]
            in ("sent", "failed")
            and c
        ),
        90,
    )
    assert held < RECIPIENTS, "everything had gone out before the throttle"
    assert final["status"] == "sent", final
    assert _mailed(server, campaign_id) == Counter(emails)
    assert final["stats"]["sent"] == RECIPIENTS


def test_a_trail_entry_is_replayed_a_snapshot_saved_and_the_table_browsed(page: Page, server: str) -> None:
    # Given a sign-up and its trail in the console
    _, correlation_id = _account(server)
    page.goto(f"/_local?tab=trail&id={correlation_id}")
    delivery = page.get_by_test_id("console-trail-entry").filter(has_text="INSERT").first
    fixture_link = delivery.get_by_test_id("console-trail-fixture")
    expect(fixture_link).to_have_attribute("href", re.compile(r"/entries/\w+/fixture$"))
    fixture = httpx.get(f"{server}{fixture_link.get_attribute('href')}")
    assert (
        fixture.json()["function"] == "OnTableChangeFunction"
        and "attachment" in fixture.headers["content-disposition"]
    )

    # When its stream record is replayed
    delivery.get_by_test_id("console-trail-replay").click()

    # Then the console says it was delivered again
    expect(page.get_by_test_id("console-trail-replayed")).to_have_text(
        "Delivered again to OnTableChangeFunction."
    )

    # When the state is saved under a name
    page.get_by_test_id("console-tab-snapshots").click()
    name = f"e2e-{uuid.uuid4().hex[:6]}"
    page.get_by_test_id("console-snapshot-name").fill(name)
    page.get_by_test_id("console-snapshot-save").click()

    # Then it is listed with its size
    expect(page.get_by_test_id("console-snapshot-saved")).to_contain_text(f"Saved {name}")
    expect(page.get_by_test_id("console-snapshot-row").filter(has_text=name)).to_contain_text("B")

    # And the table's items can be read by key prefix
    page.get_by_test_id("console-tab-browse").click()
    page.get_by_test_id("console-browse-table-prefix").fill("USER#")
    page.get_by_test_id("console-browse-table-go").click()
    expect(page.get_by_test_id("console-browse-item").first).to_contain_text("USER#")
    shot(page, "31-console-browse")
    httpx.delete(f"{server}/_local/snapshots/{name}")


def test_the_meter_prices_a_sign_up_and_its_trail_shows_the_cost(page: Page, server: str) -> None:
    # Given a sign-up confirmed through the API (its request, the stream, the event, the welcome mail)
    _, correlation_id = _account(server)

    # When the console's Meter tab is opened
    page.goto("/_local?tab=meter")

    # Then the confirmation is listed by the request that began it, with what it would cost in AWS
    row = page.get_by_test_id("console-meter-row").filter(has_text="POST /api/auth/confirm").first
    expect(row.get_by_test_id("console-meter-cost")).to_have_text(re.compile(r"^\$0(\.\d+)?(e-\d+)?$"))
    expect(page.get_by_test_id("console-meter-total")).to_contain_text("Since start: $")

    # And its trail says the same cost, SES included (the welcome email)
    page.goto(f"/_local?tab=trail&id={correlation_id}")
    expect(page.get_by_test_id("console-trail-cost")).to_contain_text("In AWS this would have cost $")
    expect(page.get_by_test_id("console-trail-cost")).to_contain_text("SES $")
