"""Campaigns in Chromium: the issue's acceptance journey, from sign-up to an unsubscribed reader."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import shot
from tests.e2e.journeys import IMPORT_TIMEOUT_MS, create_list, log_in_new_account, sign_up_and_log_in
from tests.factories import new_email

SEND_TIMEOUT_MS = 60_000
READERS = ["ada@example.com", "grace@example.com", "linus@example.com"]
BOUNCE = "bounce@simulator.amazonses.com"
HTML_BODY = (
    "<h1>Hello {{ subscriber.name }}</h1>\n"
    "<p>Your city: {{ subscriber.attributes.city }}</p>\n"
    '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>\n'
)
TEXT_BODY = "Hello {{ subscriber.name }}\nUnsubscribe: {{ unsubscribe_url }}\n"


def readers_csv(path: Path) -> Path:
    lines = ["email,name,city"]
    lines += [f"{address},{address.split('@')[0].title()},Paris" for address in READERS]
    lines.append(f"{BOUNCE},Bouncer,Nowhere")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_campaign_send_and_unsubscribe(page: Page, server: str, tmp_path: Path) -> None:
    # Account: sign up → confirm → log in
    sign_up_and_log_in(page, new_email("campaigns"))

    # A list with 4 subscribers from a CSV import (the existing import UI)
    page.get_by_test_id("nav-lists").click()
    page.get_by_test_id("lists-create-name").fill("Readers")
    page.get_by_test_id("lists-create-submit").click()
    expect(page).to_have_url(re.compile(r"/lists/[0-9a-f]+"))
    list_id = page.url.rstrip("/").split("/")[-1].split("?")[0]
    page.get_by_test_id("import-file").set_input_files(str(readers_csv(tmp_path / "readers.csv")))
    page.get_by_test_id("import-submit").click()
    expect(page.get_by_test_id("import-progress")).to_have_attribute(
        "aria-valuenow", "100", timeout=IMPORT_TIMEOUT_MS
    )
    expect(page.get_by_test_id("import-created")).to_have_text("4")
    expect(page.get_by_test_id("list-subscriber-count")).to_have_text("4")
    shot(page, "30-campaign-list-imported")

    # Campaigns: none yet; create one on that list
    page.get_by_test_id("nav-campaigns").click()
    expect(page.get_by_test_id("campaigns-table")).to_be_visible()
    expect(page.get_by_test_id("campaigns-empty")).to_be_visible()
    page.get_by_test_id("campaigns-create-submit").click()
    expect(page.get_by_test_id("campaigns-create-name-error")).to_be_visible()
    page.get_by_test_id("campaigns-create-name").fill("November news")
    page.get_by_test_id("campaigns-create-subject").fill("News for {{ subscriber.name }}")
    page.get_by_test_id("campaigns-create-list").select_option(list_id)
    shot(page, "31-campaigns-create")
    page.get_by_test_id("campaigns-create-submit").click()
    expect(page).to_have_url(re.compile(r"/campaigns/[0-9a-zA-Z]+$"))
    campaign_id = page.url.rstrip("/").split("/")[-1]
    expect(page.get_by_role("heading", level=1)).to_have_text("November news")
    expect(page.get_by_test_id("campaign-status")).to_have_attribute("data-status", "draft")

    # The editor: a template error is explained with its line, then the real body
    page.get_by_test_id("campaign-html").fill("<p>ok</p>\n{% if %}")
    page.get_by_test_id("campaign-save").click()
    expect(page.get_by_test_id("campaign-template-error")).to_contain_text("HTML body, line 2")
    page.get_by_test_id("campaign-html").fill(HTML_BODY)
    page.get_by_test_id("campaign-text").fill(TEXT_BODY)
    page.get_by_test_id("campaign-save").click()
    expect(page.get_by_test_id("campaign-save-state")).to_have_attribute("data-state", "saved")
    expect(page.get_by_test_id("campaign-template-error")).to_have_count(0)
    frame = page.frame_locator("[data-testid=campaign-preview-frame]")
    expect(frame.locator("h1")).to_have_text("Hello Sample Subscriber")
    expect(page.get_by_test_id("campaign-preview-subject")).to_contain_text("News for Sample Subscriber")
    page.wait_for_timeout(500)  # the frame's document is there; give Chromium a moment to paint it
    shot(page, "32-campaign-editor")

    # Send now, confirmed; the page follows it live until it is sent
    page.get_by_test_id("campaign-send").click()
    expect(page.get_by_test_id("campaign-send-dialog")).to_be_visible()
    shot(page, "33-campaign-send-confirm")
    page.get_by_test_id("campaign-send-confirm").click()
    status = page.get_by_test_id("campaign-status")
    expect(status).to_have_attribute("data-status", "sent", timeout=SEND_TIMEOUT_MS)
    expect(status).to_have_text("Sent")
    expect(page.get_by_test_id("campaign-progress")).to_have_attribute("aria-valuenow", "100")
    timeline = page.get_by_test_id("campaign-timeline").locator("li")
    expect(timeline).to_have_count(4)
    for i, step in enumerate(["draft", "queued", "sending", "sent"]):
        expect(timeline.nth(i)).to_have_attribute("data-status", step)
    expect(page.get_by_test_id("campaign-stats-chart")).to_be_visible()
    # the simulator bounces bounce@…: the chart shows it once the feedback arrives
    expect(page.get_by_test_id("campaign-stat-bounced")).to_have_attribute(
        "data-value", "1", timeout=SEND_TIMEOUT_MS
    )
    expect(page.get_by_test_id("campaign-recipient-row")).to_have_count(4)
    shot(page, "34-campaign-sent")

    # The outbox has the mail to a normal reader, with List-Unsubscribe headers
    reader = READERS[0]
    outbox = httpx.get(f"{server}/_local/outbox").json()
    mails = [m for m in outbox if reader in m["to"] and (m.get("tags") or {}).get("campaign") == campaign_id]
    assert len(mails) == 1, [(m["to"], m["subject"]) for m in outbox[:10]]
    mail = mails[0]
    assert mail["subject"] == "News for Ada"
    headers = {k.lower(): v for k, v in mail["headers"].items()}
    assert headers["list-unsubscribe"].startswith(f"<{server}/api/public/unsubscribe/"), headers
    assert headers["list-unsubscribe-post"] == "List-Unsubscribe=One-Click"
    found = re.search(r'href="([^"]+/unsubscribe/[^"]+)"', mail["html"])
    assert found, mail["html"]
    link = found.group(1)
    assert link.startswith(f"{server}/unsubscribe/"), link

    # The reader opens the link (the SPA's public page, no login: a fresh browser context) and unsubscribes
    assert page.context.browser is not None
    reader_context = page.context.browser.new_context(
        base_url=server, viewport={"width": 1100, "height": 800}
    )
    reader_context.set_default_timeout(15_000)
    try:
        reader_page = reader_context.new_page()
        reader_page.goto(link)
        expect(reader_page.get_by_test_id("unsubscribe-email")).to_have_text(reader)
        expect(reader_page.get_by_test_id("unsubscribe-list")).to_have_text("Readers")
        expect(reader_page.get_by_test_id("nav-login")).to_be_visible()  # nobody is logged in here
        shot(reader_page, "35-unsubscribe")
        reader_page.get_by_test_id("unsubscribe-submit").click()
        expect(reader_page.get_by_test_id("unsubscribe-done")).to_contain_text("You are unsubscribed")
        shot(reader_page, "36-unsubscribe-done")

        # An altered link is refused in words
        reader_page.goto(link[:-3] + ("BBB" if link.endswith("AAA") else "AAA"))
        expect(reader_page.get_by_test_id("unsubscribe-error")).to_contain_text("not valid")
        shot(reader_page, "36b-unsubscribe-invalid")
    finally:
        reader_context.close()

    # The campaign counts the unsubscribe
    page.goto(f"/campaigns/{campaign_id}")
    expect(page.get_by_test_id("campaign-stat-unsubscribed")).to_have_attribute(
        "data-value", "1", timeout=SEND_TIMEOUT_MS
    )

    # The list shows the reader as unsubscribed
    page.goto(f"/lists/{list_id}")
    row = page.get_by_test_id("subscriber-row").filter(has_text=reader)
    expect(row.get_by_test_id("subscriber-status")).to_have_attribute("data-status", "unsubscribed")
    shot(page, "37-list-after-unsubscribe")

    # The campaigns list shows it as sent
    page.get_by_test_id("nav-campaigns").click()
    row = page.get_by_test_id("campaign-row").filter(has_text="November news")
    expect(row.get_by_test_id("campaign-row-status")).to_have_text("Sent")
    shot(page, "38-campaigns-list")

    # The phone layout: the campaign page does not scroll sideways
    page.set_viewport_size({"width": 375, "height": 740})
    page.get_by_test_id("campaign-row").filter(has_text="November news").get_by_test_id(
        "campaign-link"
    ).click()
    expect(page.get_by_test_id("campaign-stats-chart")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "the page scrolls sideways at 375px"
    shot(page, "38b-campaign-phone")


def test_schedule_cancel_and_delete_draft(page: Page, server: str) -> None:
    log_in_new_account(page, server, "schedule")
    create_list(page, "Weekly")
    page.get_by_test_id("nav-campaigns").click()
    page.get_by_test_id("campaigns-create-name").fill("Later")
    page.get_by_test_id("campaigns-create-subject").fill("Soon")
    page.get_by_test_id("campaigns-create-submit").click()
    expect(page.get_by_test_id("campaign-status")).to_have_attribute("data-status", "draft")

    # A time in the past is refused before anything is sent
    page.get_by_test_id("campaign-schedule-at").fill("2020-01-01T09:00")
    page.get_by_test_id("campaign-schedule").click()
    expect(page.get_by_test_id("campaign-schedule-at-error")).to_contain_text("at least a minute")

    # Two hours ahead in the browser's own wall time: scheduled, then cancelled back to a draft
    ahead = page.evaluate(
        """() => {
            const d = new Date(Date.now() + 2 * 3600 * 1000);
            const p = (n) => String(n).padStart(2, '0');
            const day = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
            return `${day}T${p(d.getHours())}:${p(d.getMinutes())}`;
        }"""
    )
    page.get_by_test_id("campaign-schedule-at").fill(ahead)
    page.get_by_test_id("campaign-schedule").click()
    expect(page.get_by_test_id("campaign-status")).to_have_attribute("data-status", "scheduled")
    expect(page.get_by_test_id("campaign-scheduled-at")).to_be_visible()
    shot(page, "39-campaign-scheduled")
    page.get_by_test_id("campaign-cancel-schedule").click()
    expect(page.get_by_test_id("campaign-status")).to_have_attribute("data-status", "draft")
    expect(page.get_by_test_id("campaign-html")).to_be_visible()

    # Drafts can be deleted from the list
    page.get_by_test_id("campaign-back").click()
    expect(page.get_by_test_id("campaign-row")).to_have_count(1)
    page.get_by_test_id("campaign-delete").click()
    page.get_by_test_id("campaign-delete-confirm").click()
    expect(page.get_by_test_id("campaigns-empty")).to_be_visible()


def _mailed(server: str, campaign_id: str) -> list[str]:
    outbox = httpx.get(f"{server}/_local/outbox").json()
    return [to for m in outbox if (m.get("tags") or {}).get("campaign") == campaign_id for to in m["to"]]


def test_pause_and_resume_a_sending_campaign(page: Page, server: str, tmp_path: Path) -> None:
    # A list of 150 readers (sent at the local 14 messages a second: about 11 s of sending)
    log_in_new_account(page, server, "pause")
    create_list(page, "Big list")
    list_id = page.url.rstrip("/").split("/")[-1].split("?")[0]
    readers = [f"reader{i:03d}@example.com" for i in range(150)]
    csv = tmp_path / "big.csv"
    csv.write_text(
        "email,name\n" + "".join(f"{r},Reader {i}\n" for i, r in enumerate(readers)), encoding="utf-8"
    )
    page.get_by_test_id("import-file").set_input_files(str(csv))
    page.get_by_test_id("import-submit").click()
    expect(page.get_by_test_id("import-created")).to_have_text("150", timeout=IMPORT_TIMEOUT_MS)

    # A campaign to it, sent
    page.get_by_test_id("nav-campaigns").click()
    page.get_by_test_id("campaigns-create-name").fill("Big news")
    page.get_by_test_id("campaigns-create-subject").fill("Hi {{ subscriber.name }}")
    page.get_by_test_id("campaigns-create-list").select_option(list_id)
    page.get_by_test_id("campaigns-create-submit").click()
    expect(page).to_have_url(re.compile(r"/campaigns/[0-9a-zA-Z]+$"))
    campaign_id = page.url.rstrip("/").split("/")[-1]
    page.get_by_test_id("campaign-html").fill("<p>Hi {{ subscriber.name }}</p>")
    page.get_by_test_id("campaign-save").click()
    expect(page.get_by_test_id("campaign-save-state")).to_have_attribute("data-state", "saved")
    page.get_by_test_id("campaign-send").click()
    page.get_by_test_id("campaign-send-confirm").click()
    status = page.get_by_test_id("campaign-status")
    expect(status).to_have_attribute("data-status", "sending", timeout=SEND_TIMEOUT_MS)

    # Pause: the page says what it means, and the outbox stops growing (the batch in flight ends)
    page.get_by_test_id("campaign-pause").click()
    expect(status).to_have_attribute("data-status", "paused")
    expect(page.get_by_test_id("campaign-paused-explanation")).to_contain_text("nobody is mailed twice")
    expect(page.get_by_test_id("campaign-pause-deadline")).to_be_visible()
    shot(page, "40-campaign-paused")
    settled, previous = False, -1
    for _ in range(20):
        count = len(_mailed(server, campaign_id))
        if count == previous:
            settled = True
            break
        previous = count
        page.wait_for_timeout(1500)
    assert settled, "mail kept going out while paused"
    page.wait_for_timeout(2000)
    paused_count = len(_mailed(server, campaign_id))
    assert paused_count == previous and paused_count < len(readers), paused_count

    # Resume: everyone else is mailed, nobody twice
    page.get_by_test_id("campaign-resume").click()
    expect(status).to_have_attribute("data-status", "sent", timeout=SEND_TIMEOUT_MS)
    mailed = _mailed(server, campaign_id)
    assert sorted(mailed) == readers
    timeline = page.get_by_test_id("campaign-timeline").locator("li")
    expect(timeline).to_have_count(6)  # draft, queued, sending, paused, sending, sent
    page.get_by_test_id("nav-campaigns").click()
    row = page.get_by_test_id("campaign-row").filter(has_text="Big news")
    expect(row.get_by_test_id("campaign-row-sent-at")).to_be_visible()
    shot(page, "40b-campaign-resumed-sent")


def test_resend_to_the_failed_from_the_campaign_page(page: Page, server: str, tmp_path: Path) -> None:
    # A list of three readers, and a campaign to it
    log_in_new_account(page, server, "resend")
    create_list(page, "Resend list")
    list_id = page.url.rstrip("/").split("/")[-1].split("?")[0]
    tag = new_email("r").split("@")[0]
    readers = sorted(f"{tag}-{i}@example.com" for i in range(3))
    csv = tmp_path / "three.csv"
    rows = "".join(f"{r},Reader {i}\n" for i, r in enumerate(readers))
    csv.write_text("email,name\n" + rows, encoding="utf-8")
    page.get_by_test_id("import-file").set_input_files(str(csv))
    page.get_by_test_id("import-submit").click()
    expect(page.get_by_test_id("import-created")).to_have_text("3", timeout=IMPORT_TIMEOUT_MS)
    page.get_by_test_id("nav-campaigns").click()
    page.get_by_test_id("campaigns-create-name").fill("Resend news")
    page.get_by_test_id("campaigns-create-subject").fill("Hi {{ subscriber.name }}")
    page.get_by_test_id("campaigns-create-list").select_option(list_id)
    page.get_by_test_id("campaigns-create-submit").click()
    expect(page).to_have_url(re.compile(r"/campaigns/[0-9a-zA-Z]+$"))
    campaign_id = page.url.rstrip("/").split("/")[-1]
    page.get_by_test_id("campaign-html").fill("<p>Hi {{ subscriber.name }}</p>")
    page.get_by_test_id("campaign-save").click()
    expect(page.get_by_test_id("campaign-save-state")).to_have_attribute("data-state", "saved")

    # SES refuses the next two sends (the dev console's fault switch), then the campaign is sent
    switched = httpx.put(f"{server}/_local/faults/ses", json={"mode": "reject", "count": 2})
    assert switched.status_code == 200, switched.text
    page.get_by_test_id("campaign-send").click()
    page.get_by_test_id("campaign-send-confirm").click()
    status = page.get_by_test_id("campaign-status")
    expect(status).to_have_attribute("data-status", "sent", timeout=SEND_TIMEOUT_MS)

    # The page says who never got it and why, and offers the resend
    summary = page.get_by_test_id("campaign-failed-summary")
    expect(summary).to_contain_text("2 recipients never got this campaign")
    page.get_by_test_id("campaign-show-failed").click()
    expect(page.get_by_test_id("campaign-recipients-filter")).to_have_value("failed")
    expect(page.get_by_test_id("campaign-recipient-row")).to_have_count(2)
    expect(page.get_by_test_id("campaign-recipient-reason").first).to_contain_text("MessageRejected")
    shot(page, "45-campaign-failed-recipients")

    # Resend to them, after the confirmation: each is mailed once, and nothing is left to resend
    page.get_by_test_id("campaign-resend").click()
    expect(page.get_by_test_id("campaign-resend-dialog")).to_contain_text("each at most once more")
    page.get_by_test_id("campaign-resend-confirm").click()
    timeline = page.get_by_test_id("campaign-timeline").locator("li")
    # draft, queued, sending, sent, then queued, sending, sent again
    expect(timeline).to_have_count(7, timeout=SEND_TIMEOUT_MS)
    expect(status).to_have_attribute("data-status", "sent", timeout=SEND_TIMEOUT_MS)
    expect(page.get_by_test_id("campaign-resend-panel")).to_have_count(0, timeout=SEND_TIMEOUT_MS)
    assert sorted(_mailed(server, campaign_id)) == readers
    shot(page, "45b-campaign-resent")
