"""Audience growth in Chromium: the form builder on the list page, the hosted form and the
confirmation page with JavaScript turned off, and the segment editor's live count."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlparse

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import shot
from tests.factories import PASSWORD, new_email


def owner_session(page: Page, server: str, prefix: str) -> dict[str, str]:
    """A new confirmed account, logged in in this browser context (its refresh cookie); its bearer header."""
    email = new_email(prefix)
    assert (
        page.request.post(f"{server}/api/auth/signup", data={"email": email, "password": PASSWORD}).status
        == 201
    )
    assert (
        page.request.post(f"{server}/api/auth/confirm", data={"email": email, "code": "123456"}).status == 200
    )
    login = page.request.post(f"{server}/api/auth/login", data={"email": email, "password": PASSWORD})
    assert login.status == 200
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def api(server: str, method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
    response = httpx.request(method, f"{server}{path}", json=body, headers=headers, timeout=30)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def mail_for(server: str, address: str, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in httpx.get(f"{server}/_local/outbox").json() if address in m["to"]]
        if found:
            message: dict[str, Any] = found[0]
            return message
        assert time.monotonic() < deadline, f"no email to {address} within {timeout} s"
        time.sleep(0.2)


def test_a_form_built_on_the_list_page_signs_up_and_confirms_without_javascript(
    page: Page, browser: Browser, server: str
) -> None:
    # Given an owner on their list's page
    headers = owner_session(page, server, "formowner")
    list_id = api(server, "POST", "/api/lists", headers, {"name": "Garden news"})["id"]
    page.goto(f"/lists/{list_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Garden news")

    # When they build a form asking for a city, and open its embed code
    page.get_by_test_id("forms-create").click()
    page.get_by_test_id("form-name").fill("Site footer")
    page.get_by_test_id("form-title").fill("Get the garden news")
    page.get_by_test_id("form-field-add").click()
    page.get_by_test_id("form-field-key-0").fill("city")
    page.get_by_test_id("form-field-label-0").fill("Your city")
    page.get_by_test_id("form-save").click()
    expect(page.get_by_test_id("form-row")).to_have_count(1)
    page.get_by_test_id("form-embed").click()
    snippet = page.get_by_test_id("form-embed-snippet")
    expect(snippet).to_have_value(re.compile('method="post"'))
    hosted = page.get_by_test_id("form-embed-url").get_attribute("href") or ""
    assert 'name="attributes.city"' in snippet.input_value() and "<script" not in snippet.input_value()
    shot(page, "audience-01-embed")

    # When a reader whose browser runs no JavaScript opens the hosted page and submits it
    reader = new_email("reader")
    context = browser.new_context(base_url=server, java_script_enabled=False)
    visitor = context.new_page()
    visitor.goto(urlparse(hosted).path)
    expect(visitor.get_by_test_id("page-title")).to_have_text("Get the garden news")
    honeypot = visitor.locator("input[name=homepage]").bounding_box()
    assert honeypot is not None and honeypot["x"] < 0  # out of sight of people
    visitor.get_by_label("Email").fill(reader)
    visitor.get_by_label("Name (optional)").fill("Rosa")
    visitor.get_by_label("Your city (optional)").fill("Lyon")
    shot(visitor, "audience-02-hosted-form-without-js")
    visitor.get_by_role("button", name="Subscribe").click()

    # Then the answer is a page asking them to check their inbox
    expect(visitor.get_by_test_id("page-title")).to_have_text("Almost done: check your inbox")
    shot(visitor, "audience-03-signed-up-without-js")

    # When they open the link of the confirmation email (still without JavaScript)
    link = next(w for w in mail_for(server, reader)["text"].split() if "/api/public/confirm/" in w)
    visitor.goto(urlparse(link).path)

    # Then the page asks before it confirms, and its button confirms
    expect(visitor.get_by_test_id("confirm-email")).to_have_text(reader)
    expect(visitor.get_by_test_id("confirm-lists")).to_have_text("Garden news")
    assert (
        api(server, "GET", f"/api/lists/{list_id}/subscribers/{reader}", headers)["status"] == "unconfirmed"
    )
    visitor.get_by_test_id("confirm-submit").click()
    expect(visitor.get_by_test_id("confirm-done")).to_contain_text("is subscribed to Garden news")
    shot(visitor, "audience-04-confirmed")
    context.close()

    # And the owner sees them subscribed, with the city they gave
    member = api(server, "GET", f"/api/lists/{list_id}/subscribers/{reader}", headers)
    assert (member["status"], member["attributes"], member["confirmed_by"]) == (
        "subscribed",
        {"city": "Lyon"},
        "double_opt_in",
    )


def test_the_segment_editor_counts_matches_live_and_saves_the_segment(page: Page, server: str) -> None:
    # Given a list of five subscribers, three of them in Oslo
    headers = owner_session(page, server, "segowner")
    list_id = api(server, "POST", "/api/lists", headers, {"name": "Nordic readers"})["id"]
    for i, city in enumerate(["Oslo", "oslo", "Bergen", "OSLO", "Paris"]):
        body = {
            "email": f"reader{i}-{list_id[:6]}@example.com",
            "attributes": {"city": city, "age": 20 + 10 * i},
        }
        api(server, "POST", f"/api/lists/{list_id}/subscribers", headers, body)

    # When the owner starts a segment of that list
    page.goto("/segments")
    expect(page.get_by_test_id("segments-empty")).to_be_visible()
    page.get_by_test_id("segments-create").click()
    page.get_by_test_id("segment-name").fill("Oslo")
    page.get_by_test_id("segment-scope").select_option(label="Nordic readers")

    # Then with no condition everyone on the list counts
    expect(page.get_by_test_id("segment-count")).to_have_attribute("data-state", "done")
    expect(page.get_by_test_id("segment-count-value")).to_have_text("5")

    # When a condition on the city is added, then narrowed by age
    page.get_by_test_id("segment-condition-add").click()
    page.get_by_test_id("segment-condition-key-0").fill("city")
    page.get_by_test_id("segment-condition-value-0").fill("oslo")
    expect(page.get_by_test_id("segment-count-value")).to_have_text("3")
    expect(page.get_by_test_id("segment-sample-row")).to_have_count(3)
    page.get_by_test_id("segment-condition-add").click()
    page.get_by_test_id("segment-condition-key-1").fill("age")
    page.get_by_test_id("segment-condition-op-1").select_option("at_least")
    page.get_by_test_id("segment-condition-value-1").fill("30")

    # Then the count follows the rule as it is edited
    expect(page.get_by_test_id("segment-count-value")).to_have_text("2")
    expect(page.get_by_test_id("segment-count")).to_have_attribute("data-state", "done")
    shot(page, "audience-05-segment-editor")

    # When "opened any of the last 3 campaigns" is added (no one here has opened anything)
    page.get_by_test_id("segment-condition-add").click()
    page.get_by_test_id("segment-condition-field-2").select_option("opened")
    page.get_by_test_id("segment-condition-value-2").fill("3")

    # Then the editor says what opens depend on, and no one matches
    expect(page.get_by_test_id("segment-engagement-hint")).to_contain_text("Apple Mail Privacy Protection")
    expect(page.get_by_test_id("segment-count-value")).to_have_text("0")

    # When it is removed, then the hint goes and the count is the rule's without it
    page.get_by_test_id("segment-condition-remove-2").click()
    expect(page.get_by_test_id("segment-engagement-hint")).to_have_count(0)
    expect(page.get_by_test_id("segment-count-value")).to_have_text("2")

    # When it is saved
    page.get_by_test_id("segment-save").click()
    expect(page).to_have_url(re.compile(r"/segments/[0-9a-f]{28}$"))
    segment_id = page.url.rsplit("/", 1)[1]
    saved = api(server, "GET", f"/api/segments/{segment_id}", headers)
    assert saved["list_id"] == list_id and len(saved["rule"]["conditions"]) == 2

    # Then its export downloads the two members
    with page.expect_download() as download:
        page.get_by_test_id("segment-export").click()
    rows = download.value.path().read_text().splitlines()
    assert len(rows) == 3 and rows[0].startswith("email,name,status")

    # And the segments page lists it
    page.get_by_test_id("nav-segments").click()
    expect(page.get_by_test_id("segment-link")).to_have_text("Oslo")


def wait_sent(server: str, headers: dict[str, str], campaign_id: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while api(server, "GET", f"/api/campaigns/{campaign_id}", headers)["status"] != "sent":
        assert time.monotonic() < deadline, "the campaign was not sent in time"
        time.sleep(0.3)


def test_the_preference_centre_from_a_campaign_link(page: Page, browser: Browser, server: str) -> None:
    # Given a reader on two public lists who got a campaign with {{ preferences_url }}
    headers = owner_session(page, server, "prefowner")
    reader = new_email("prefreader")
    lists = {}
    for name in ("Letters", "Offers"):
        lists[name] = api(
            server, "POST", "/api/lists", headers, {"name": name, "description": f"The {name.lower()}"}
        )["id"]
        api(server, "PATCH", f"/api/lists/{lists[name]}", headers, {"public": True})
        api(
            server,
            "POST",
            f"/api/lists/{lists[name]}/subscribers",
            headers,
            {"email": reader, "name": "Rosa"},
        )
    body = {
        "name": "Spring",
        "subject": "Spring",
        "list_id": lists["Letters"],
        "html_body": '<a href="{{ preferences_url }}">prefs</a> <a href="{{ unsubscribe_url }}">out</a>',
        "text_body": "{{ preferences_url }}",
    }
    campaign_id = api(server, "POST", "/api/campaigns", headers, body)["id"]
    api(server, "POST", f"/api/campaigns/{campaign_id}/send", headers)
    wait_sent(server, headers, campaign_id)
    link = next(w for w in mail_for(server, reader)["text"].split() if "/preferences/" in w)

    # When the reader opens it (no login: a browser of their own) and leaves Offers
    context = browser.new_context(base_url=server)
    own = context.new_page()
    own.goto(urlparse(link).path)
    expect(own.get_by_test_id("preferences-email")).to_have_text(reader)
    boxes = own.get_by_test_id("preferences-list")
    expect(boxes).to_have_count(2)
    own.get_by_label("Offers").uncheck()
    own.get_by_test_id("preferences-name").fill("Rosa M.")
    own.get_by_test_id("preferences-save").click()
    expect(own.get_by_test_id("preferences-saved")).to_have_text("Saved.")
    shot(own, "audience-06-preferences")

    # Then the owner sees it, and the reader can download their data
    offers = api(server, "GET", f"/api/lists/{lists['Offers']}/subscribers/{reader}", headers)
    assert (offers["status"], offers["name"]) == ("unsubscribed", "Rosa M.")
    with own.expect_download() as download:
        own.get_by_test_id("preferences-download").click()
    assert reader in download.value.path().read_text()

    # When they erase everything
    own.get_by_test_id("preferences-erase").click()
    own.get_by_test_id("preferences-erase-confirm").click()

    # Then the page says so and the owner's lists no longer hold them
    expect(own.get_by_test_id("preferences-erased")).to_contain_text(reader)
    shot(own, "audience-07-erased")
    gone = httpx.get(f"{server}/api/lists/{lists['Letters']}/subscribers/{reader}", headers=headers)
    assert gone.status_code == 404
    context.close()
