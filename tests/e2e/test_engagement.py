"""Engagement in Chromium: a tracked link clicked in the dev console's outbox shows up on the open
campaign page, live (no reload)."""

from __future__ import annotations

import time
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import shot
from tests.e2e.journeys import log_in_new_account
from tests.factories import PASSWORD

SEND_TIMEOUT_MS = 60_000
STORY = "https://example.org/story"
HTML = f'<p>Hello {{{{ subscriber.name }}}}</p><p><a href="{STORY}">Read the story</a></p>'


def _sent_campaign(server: str, owner: str, reader: str) -> str:
    """A list with one reader and a campaign with a link, sent through the API; its id once sent."""
    with httpx.Client(base_url=server, timeout=30) as api:
        login = api.post("/api/auth/login", json={"email": owner, "password": PASSWORD})
        api.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        list_id = api.post("/api/lists", json={"name": "Readers"}).json()["id"]
        assert api.post(f"/api/lists/{list_id}/subscribers", json={"email": reader, "name": "Ada"}).is_success
        body: dict[str, Any] = {"name": "Story", "subject": "A story", "list_id": list_id, "html_body": HTML}
        campaign_id: str = api.post("/api/campaigns", json=body).json()["id"]
        assert api.post(f"/api/campaigns/{campaign_id}/send").status_code == 202
        deadline = time.monotonic() + SEND_TIMEOUT_MS / 1000
        while api.get(f"/api/campaigns/{campaign_id}").json()["status"] != "sent":
            assert time.monotonic() < deadline, "the campaign was not sent in time"
            time.sleep(0.5)
    return campaign_id


def test_a_link_clicked_in_the_outbox_shows_on_the_open_campaign_page(page: Page, server: str) -> None:
    # Given a sent campaign with a tracked link, its page open
    owner = log_in_new_account(page, server, "engage")
    reader = f"ada-{int(time.time() * 1000)}@example.com"
    campaign_id = _sent_campaign(server, owner, reader)
    page.goto(f"/campaigns/{campaign_id}")
    engagement = page.get_by_test_id("campaign-engagement")
    expect(engagement.get_by_test_id("campaign-unique-clicks")).to_have_attribute("data-value", "0")
    expect(engagement.get_by_test_id("campaign-mpp-note")).to_contain_text("Apple Mail Privacy Protection")
    page.evaluate("window.__notReloaded = true")

    # When the reader's link is clicked in the dev console's outbox (in another tab)
    console = page.context.new_page()
    console.goto("/_local")
    console.get_by_test_id("console-tab-outbox").click()
    row = console.get_by_test_id("console-outbox-row").filter(has_text=reader)
    expect(row).to_have_count(1, timeout=SEND_TIMEOUT_MS)
    row.click()
    link = console.get_by_test_id("console-outbox-tracked-link").filter(has_text=STORY)
    with console.expect_popup() as popup:
        link.click()
    # (the tracker answers 302 to the story, off-line here: the redirect is checked in
    # tests/integration/test_engagement.py; what matters here is that the click reached the tracker)
    popup.value.close()
    shot(console, "70-console-tracked-link")

    # Then the campaign page counts the click and lists the link, without a reload
    expect(engagement.get_by_test_id("campaign-unique-clicks")).to_have_attribute(
        "data-value", "1", timeout=SEND_TIMEOUT_MS
    )
    row = engagement.get_by_test_id("campaign-link-row").filter(has_text=STORY)
    expect(row.get_by_test_id("campaign-link-clicks")).to_have_text("1")
    assert page.evaluate("window.__notReloaded") is True
    shot(page, "71-campaign-engagement")
