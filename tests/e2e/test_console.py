"""The local dev console (/_local) in Chromium: resources, queues, events, outbox, and the newer tabs."""

from __future__ import annotations

from urllib.parse import urlsplit

import boto3
import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import shot
from tests.factories import PASSWORD, new_email

MAIL_TIMEOUT_MS = 20_000


def sign_up(server: str, email: str, name: str) -> str:
    """Sign up and confirm through the API (confirming sends the welcome email).

    Returns the correlation id of the confirmation.
    """
    response = httpx.post(
        f"{server}/api/auth/signup", json={"email": email, "password": PASSWORD, "name": name}
    )
    assert response.status_code == 201, response.text
    response = httpx.post(f"{server}/api/auth/confirm", json={"email": email, "code": "123456"})
    assert response.status_code == 200, response.text
    return response.headers["x-correlation-id"]


def test_console_shows_resources_queues_events_and_the_welcome_email(page: Page, server: str) -> None:
    email = new_email("console")
    sign_up(server, email, "Console Person")

    # The console is in the nav on the local stage, without logging in
    page.goto("/login")
    page.get_by_test_id("nav-console").click()
    expect(page).to_have_url(f"{server}/_local")
    expect(page.get_by_test_id("console-tab-resources")).to_have_attribute("aria-selected", "true")

    # Resources: what the template declared and what the embedded cloud did with it
    resources = httpx.get(f"{server}/_local/resources").json()
    rows = page.get_by_test_id("console-resource-row")
    expect(rows).to_have_count(len(resources))
    table = rows.filter(has_text="AWS::DynamoDB::Table").first
    expect(table).to_contain_text("created")
    not_emulated = [r for r in resources if r["status"] != "created"]
    if not_emulated:  # its reason is shown next to it
        sample = not_emulated[0]
        expect(rows.filter(has_text=sample["logical_id"]).first).to_contain_text(sample["detail"])
    page.get_by_test_id("console-resources-filter").fill("DynamoDB::Table")
    expect(rows).to_have_count(sum(1 for r in resources if "DynamoDB::Table" in r["type"]))
    shot(page, "20-console-resources")

    # Queues: every queue with depth, in flight, DLQ and DLQ depth; DLQs with messages are flagged
    page.get_by_test_id("console-tab-queues").click()
    queues = httpx.get(f"{server}/_local/queues").json()
    queue_rows = page.get_by_test_id("console-queue-row")
    expect(queue_rows).to_have_count(len(queues))
    for queue in queues:
        row = page.locator(f'[data-testid="console-queue-row"][data-queue="{queue["name"]}"]')
        expect(row).to_be_visible()
        if queue["dlq"]:
            expect(row).to_contain_text(queue["dlq"])
            flagged = "true" if (queue["dlq_depth"] or 0) > 0 else "false"
            expect(row).to_have_attribute("data-alert", flagged)
    dlq_name = next(q["dlq"] for q in queues if q["dlq"])
    page.locator(f'[data-testid="console-queue-row"][data-queue="{dlq_name}"]').get_by_test_id(
        "console-dlq-open"
    ).click()
    panel = page.get_by_test_id("console-dlq-panel")
    expect(panel).to_contain_text(dlq_name)
    # The panel shows what the server answers: the messages (never a blank panel)
    answer = httpx.get(f"{server}/_local/queues/{dlq_name}/messages")
    assert answer.status_code == 200, answer.text
    messages = answer.json()["messages"]
    expect(panel.get_by_test_id("console-dlq-message")).to_have_count(len(messages))
    if not messages:
        expect(panel.get_by_text("No messages.")).to_be_visible()
        expect(panel.get_by_test_id("console-dlq-redrive")).to_be_disabled()
    shot(page, "21-console-queues")

    # Events: newest first, expandable JSON; the sign-up is there with its email
    page.get_by_test_id("console-tab-events").click()
    event = page.get_by_test_id("console-event-row").filter(has_text="UserSignedUp").filter(has_text=email)
    expect(event).to_have_count(1, timeout=MAIL_TIMEOUT_MS)
    expect(event.get_by_test_id("console-event-json")).to_be_hidden()  # collapsed until asked
    event.locator("summary").click()
    expect(event.get_by_test_id("console-event-json")).to_be_visible()
    expect(event.get_by_test_id("console-event-json")).to_contain_text('"detail-type": "UserSignedUp"')
    expect(event.get_by_test_id("console-event-json")).to_contain_text(f'"email": "{email}"')
    shot(page, "22-console-events")

    # Outbox: the welcome email is listed; its HTML renders in a sandboxed iframe, links clickable
    page.get_by_test_id("console-tab-outbox").click()
    mail_row = page.get_by_test_id("console-outbox-row").filter(has_text=email)
    expect(mail_row).to_have_count(1, timeout=MAIL_TIMEOUT_MS)  # auto-refresh picks it up
    expect(mail_row).to_contain_text("Welcome to Herald")
    mail_row.click()
    expect(page.get_by_test_id("console-outbox-to")).to_have_text(email)
    frame_el = page.get_by_test_id("console-outbox-frame")
    expect(frame_el).to_have_attribute("sandbox", "allow-popups allow-popups-to-escape-sandbox")
    frame = page.frame_locator('[data-testid="console-outbox-frame"]')
    expect(frame.locator("body")).to_contain_text("Hello Console Person")
    link = frame.locator("a").first
    expect(link).to_be_visible()
    href = link.get_attribute("href", timeout=5_000)
    assert href and href.startswith("http"), href
    # Sandboxed, yet its links open (in a new tab). The link's target is answered here, so the
    # check does not depend on what listens at APP_URL.
    page.context.route(
        lambda url: url.rstrip("/") == href.rstrip("/"),
        lambda route: route.fulfill(status=200, content_type="text/html", body="<title>app</title>"),
    )
    with page.expect_popup() as popup_info:
        link.click()
    popup = popup_info.value
    popup.wait_for_load_state()
    assert popup.url.rstrip("/") == href.rstrip("/"), (popup.url, href)
    popup.close()
    expect(page.get_by_test_id("console-outbox-text")).to_contain_text("Hello Console Person")
    expect(page.get_by_test_id("console-outbox-headers")).to_be_visible()
    shot(page, "23-console-outbox")

    # Auto-refresh (every 2 s while visible): a new email appears without a reload
    second = new_email("console2")
    sign_up(server, second, "Second Person")
    expect(page.get_by_test_id("console-outbox-row").filter(has_text=second)).to_have_count(
        1, timeout=MAIL_TIMEOUT_MS
    )
    expect(page.get_by_test_id("console-outbox-to")).to_have_text(email)  # the open message stays open


def test_a_dlq_with_messages_is_flagged(page: Page, server: str) -> None:
    """A message parked in a DLQ turns its row red and the summary into an alert."""
    queues = {q["name"]: q for q in httpx.get(f"{server}/_local/queues").json()}
    dlq = queues["herald-local-table-change-dlq"]
    endpoint = "{0.scheme}://{0.netloc}".format(urlsplit(dlq["url"]))
    sqs = boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    sqs.send_message(QueueUrl=dlq["url"], MessageBody='{"parked": "by test_console"}')
    try:
        page.goto("/_local?tab=queues")
        row = page.locator('[data-testid="console-queue-row"][data-queue="herald-local-table-change-dlq"]')
        expect(row).to_have_attribute("data-alert", "true")
        expect(row).to_have_class("row--alert")
        expect(page.get_by_test_id("console-queues-summary")).to_contain_text(
            "1 dead-letter queue has messages"
        )
        calm = page.locator('[data-testid="console-queue-row"][data-queue="herald-local-welcome-email-dlq"]')
        expect(calm).to_have_attribute("data-alert", "false")
        row.get_by_test_id("console-dlq-open").click()
        panel = page.get_by_test_id("console-dlq-panel")
        answer = httpx.get(f"{server}/_local/queues/herald-local-table-change-dlq/messages")
        assert answer.status_code == 200, answer.text
        expect(panel.get_by_test_id("console-dlq-message")).to_have_count(1)
        panel.get_by_test_id("console-dlq-message").locator("summary").click()
        expect(panel.get_by_test_id("console-dlq-message")).to_contain_text('"parked": "by test_console"')
        expect(panel.get_by_test_id("console-dlq-redrive")).to_be_enabled()
        # Redrive asks first; this DLQ is a stream's on-failure destination, so a plain message
        # has nowhere to go back to and the server refuses: the reason is shown in words
        panel.get_by_test_id("console-dlq-redrive").click()
        page.get_by_test_id("console-dlq-redrive-cancel").click()
        expect(page.get_by_test_id("console-dlq-redrive-dialog")).to_have_count(0)
        panel.get_by_test_id("console-dlq-redrive").click()
        page.get_by_test_id("console-dlq-redrive-confirm").click()
        # The dialog closes once the page's redrive has answered. Only then may the test ask for
        # its own answer: a redrive holds the messages in flight while it looks at them, so a
        # second one at the same time finds none and answers "nothing to move" instead
        expect(page.get_by_test_id("console-dlq-redrive-dialog")).to_have_count(0)
        refused = httpx.post(f"{server}/_local/queues/herald-local-table-change-dlq/redrive")
        assert refused.status_code == 409, refused.text
        error = panel.get_by_test_id("console-dlq-redrive-error")
        expect(error).to_contain_text(refused.json()["error"]["message"])
        expect(error).to_contain_text(refused.json()["error"]["details"][0]["reason"])
        shot(page, "27-console-dlq-flagged")
    finally:
        sqs.purge_queue(QueueUrl=dlq["url"])
    expect(row).to_have_attribute("data-alert", "false", timeout=10_000)  # auto-refresh sees it emptied


def test_console_tabs_by_keyboard_and_the_newer_tabs(page: Page, server: str) -> None:
    email = new_email("trail")
    correlation_id = sign_up(server, email, "Trail Person")
    page.goto("/_local?tab=resources")
    page.get_by_test_id("console-tab-resources").focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_test_id("console-tab-queues")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("console-tab-queues")).to_be_focused()
    page.keyboard.press("End")  # the last tab: Snapshots
    expect(page.get_by_test_id("console-tab-snapshots")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowRight")  # wraps around
    expect(page.get_by_test_id("console-tab-resources")).to_have_attribute("aria-selected", "true")

    # Executions: the list the server has
    page.get_by_test_id("console-tab-executions").click()
    answer = httpx.get(f"{server}/_local/executions")
    assert answer.status_code == 200, answer.text
    executions = answer.json()
    expect(page.get_by_test_id("console-execution-row")).to_have_count(len(executions))
    if not executions:
        expect(page.get_by_test_id("console-executions-empty")).to_be_visible()
    expect(page.get_by_test_id("console-error")).to_have_count(0)
    shot(page, "24-console-executions")

    # Trail for the sign-up's correlation id
    page.get_by_test_id("console-tab-trail").click()
    page.get_by_test_id("console-trail-id").fill(correlation_id)
    expect(page.get_by_test_id("console-trail-id")).to_have_value(correlation_id)
    page.get_by_test_id("console-trail-submit").click()
    expect(page).to_have_url(f"{server}/_local?tab=trail&id={correlation_id}")
    trail = httpx.get(f"{server}/_local/trail/{correlation_id}")
    assert trail.status_code == 200, trail.text
    # the confirmation's trail ends with the welcome email (auto-refresh brings it in)
    mail = page.locator('[data-testid="console-trail-entry"][data-source="email"]')
    expect(mail).to_contain_text(email, timeout=MAIL_TIMEOUT_MS)
    expect(page.locator('[data-testid="console-trail-entry"][data-source="api"]').first).to_be_visible()
    shot(page, "25-console-trail")

    # At phone width the tabs and panels still fit
    page.set_viewport_size({"width": 375, "height": 740})
    page.get_by_test_id("console-tab-queues").click()
    expect(page.get_by_test_id("console-queue-row").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, (
        "the console scrolls sideways at 375px"
    )
    shot(page, "26-console-phone")
