"""Lists, subscribers, CSV import and suppression in Chromium, against the real local server."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import shot
from tests.e2e.journeys import IMPORT_TIMEOUT_MS, create_list, log_in_new_account, sign_up_and_log_in
from tests.factories import new_email


def people_csv(path: Path, good: int, bad: list[str]) -> Path:
    """A CSV with `good` valid rows (person000@…), then the `bad` addresses; a city attribute each."""
    lines = ["email,name,city"]
    lines += [f"person{i:03d}@example.com,Person {i},City {i % 7}" for i in range(good)]
    lines += [f"{address},Broken,Nowhere" for address in bad]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_lists_subscribers_and_csv_import(page: Page, server: str, tmp_path: Path) -> None:
    frames: list[str] = []  # what the server pushed over the WebSocket
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    sign_up_and_log_in(page, new_email("contacts"))

    # Lists: empty at first; the form is checked before anything is sent
    page.get_by_test_id("nav-lists").click()
    expect(page.get_by_test_id("lists-table")).to_be_visible()
    expect(page.get_by_test_id("lists-empty")).to_be_visible()
    page.get_by_test_id("lists-create-submit").click()
    expect(page.get_by_test_id("lists-create-name-error")).to_have_text("Enter a name for the list.")
    page.get_by_test_id("lists-create-name").fill("x" * 121)
    page.get_by_test_id("lists-create-submit").click()
    expect(page.get_by_test_id("lists-create-name-error")).to_contain_text("at most 120")
    shot(page, "10-lists-empty")

    page.get_by_test_id("lists-create-name").fill("Customers")
    page.get_by_test_id("lists-create-description").fill("Everyone who bought something")
    page.get_by_test_id("lists-create-submit").click()
    expect(page).to_have_url(re.compile(r"/lists/[0-9a-f]+"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Customers")
    expect(page.get_by_test_id("list-subscriber-count")).to_have_text("0")
    expect(page.get_by_test_id("subscribers-empty")).to_be_visible()

    # Add a subscriber: a bad address is refused in words, then a good one with an attribute
    page.get_by_test_id("subscriber-add-email").fill("not an email")
    page.get_by_test_id("subscriber-add-submit").click()
    expect(page.get_by_test_id("subscriber-add-email-error")).to_contain_text("valid email")
    page.get_by_test_id("subscriber-add-email").fill("Ada@Example.com")
    page.get_by_test_id("subscriber-add-name").fill("Ada Lovelace")
    page.get_by_test_id("subscriber-add-attr-add").click()
    page.get_by_test_id("subscriber-add-attr-key-0").fill("plan")
    page.get_by_test_id("subscriber-add-attr-value-0").fill("gold")
    page.get_by_test_id("subscriber-add-submit").click()
    expect(page.get_by_test_id("subscriber-added")).to_have_text("Added ada@example.com.")
    expect(page.get_by_test_id("subscriber-row")).to_have_count(1)
    expect(page.get_by_test_id("subscriber-email")).to_have_text("ada@example.com")  # normalised by the API
    expect(page.get_by_test_id("subscriber-status")).to_have_text("Subscribed")
    expect(page.get_by_test_id("list-subscriber-count")).to_have_text("1")

    # The same address twice is explained, not duplicated
    page.get_by_test_id("subscriber-add-email").fill("ada@example.com")
    page.get_by_test_id("subscriber-add-submit").click()
    expect(page.get_by_test_id("subscriber-add-email-error")).to_have_text(
        "This address is already on the list."
    )
    page.get_by_test_id("subscriber-add-email").fill("")

    # Search by email prefix (debounced)
    page.get_by_test_id("subscriber-search").fill("ad")
    expect(page.get_by_test_id("subscriber-row")).to_have_count(1)
    page.get_by_test_id("subscriber-search").fill("zz")
    expect(page.get_by_test_id("subscribers-empty")).to_contain_text("zz")
    page.get_by_test_id("subscriber-search").fill("")
    expect(page.get_by_test_id("subscriber-row")).to_have_count(1)
    shot(page, "11-list-one-subscriber")

    # CSV import: 200 rows, 3 of them bad, through the real file input and the presigned S3 POST
    bad = ["not-an-email", "@example.com", "someone@"]
    csv_file = people_csv(tmp_path / "people.csv", good=197, bad=bad)
    page.get_by_test_id("import-submit").click()
    expect(page.get_by_test_id("import-file-error")).to_have_text("Choose a CSV file to import.")
    page.get_by_test_id("import-file").set_input_files(str(csv_file))
    page.get_by_test_id("import-submit").click()
    progress = page.get_by_test_id("import-progress")
    expect(progress).to_be_visible()
    expect(progress).to_have_attribute("aria-valuenow", "100", timeout=IMPORT_TIMEOUT_MS)
    expect(page.get_by_test_id("import-status")).to_have_text("Import finished: 200 rows read, 3 skipped.")
    expect(page.get_by_test_id("import-rows")).to_have_text("200")
    expect(page.get_by_test_id("import-created")).to_have_text("197")
    expect(page.get_by_test_id("import-errors")).to_have_text("3")
    expect(page.get_by_test_id("list-subscriber-count")).to_have_text("198")
    # the local runner's /ws bridge pushed the import's progress (polling is only the fallback);
    # the stream's 1 s batching window can put the push just after the poll that showed the end
    for _ in range(20):
        if any('"type":"import.' in frame.replace(" ", "") for frame in frames):
            break
        page.wait_for_timeout(250)
    assert any('"type":"import.' in frame.replace(" ", "") for frame in frames), frames[:5]

    # The error report: a real, working link to the CSV of skipped rows
    link = page.get_by_test_id("import-report-link")
    expect(link).to_have_text(re.compile("Download error report"))
    expect(link).to_have_attribute("data-ready", "true")
    url = link.get_attribute("href")
    assert url and url.startswith("http"), url
    report = httpx.get(url)
    assert report.status_code == 200, report.text
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows[0] == ["row", "email", "reason"], rows[0]
    assert [r[0] for r in rows[1:]] == ["199", "200", "201"], rows  # spreadsheet rows (header is row 1)
    expect(page.get_by_test_id("import-history-row").first).to_contain_text("people.csv")
    shot(page, "12-list-imported")

    # The subscribers table pages with next / previous (25 a page, email order)
    expect(page.get_by_test_id("subscriber-row")).to_have_count(25)
    expect(page.get_by_test_id("subscriber-email").first).to_have_text("ada@example.com")
    page.get_by_test_id("subscribers-pager-next").click()
    expect(page.get_by_test_id("subscribers-pager-page")).to_have_text("Page 2")
    expect(page.get_by_test_id("subscriber-email").first).to_have_text("person024@example.com")
    page.get_by_test_id("subscribers-pager-next").click()
    expect(page.get_by_test_id("subscribers-pager-page")).to_have_text("Page 3")
    expect(page.get_by_test_id("subscriber-email").first).to_have_text("person049@example.com")
    page.get_by_test_id("subscribers-pager-prev").click()
    expect(page.get_by_test_id("subscribers-pager-page")).to_have_text("Page 2")
    expect(page.get_by_test_id("subscriber-email").first).to_have_text("person024@example.com")
    page.get_by_test_id("subscribers-pager-prev").click()
    expect(page.get_by_test_id("subscribers-pager-page")).to_have_text("Page 1")
    expect(page.get_by_test_id("subscribers-pager-prev")).to_be_disabled()

    # Search the imported rows: "person01" matches person010..person019
    page.get_by_test_id("subscriber-search").fill("PERSON01")
    expect(page.get_by_test_id("subscriber-row")).to_have_count(10)
    expect(page.get_by_test_id("subscriber-row").first).to_contain_text("Person 10")
    shot(page, "13-subscriber-search")

    # Back on the lists page the count is there too
    page.get_by_test_id("list-back").click()
    row = page.get_by_test_id("list-row").filter(has_text="Customers")
    expect(row.get_by_test_id("list-count")).to_have_text("198")
    shot(page, "14-lists")

    # The phone layout keeps every main control reachable
    page.set_viewport_size({"width": 375, "height": 740})
    row.get_by_test_id("list-link").click()
    expect(page.get_by_test_id("import-file")).to_be_visible()
    expect(page.get_by_test_id("subscriber-search")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "the page scrolls sideways at 375px"
    shot(page, "15-list-phone")


def test_edit_remove_suppress_rename_delete(page: Page, server: str) -> None:
    log_in_new_account(page, server, "manage")
    create_list(page, "Weekly")
    for address in ["bob@example.com", "carol@example.com"]:
        page.get_by_test_id("subscriber-add-email").fill(address)
        page.get_by_test_id("subscriber-add-submit").click()
        expect(page.get_by_test_id("subscriber-added")).to_have_text(f"Added {address}.")
    expect(page.get_by_test_id("subscriber-row")).to_have_count(2)

    # Edit: name, attributes as rows, status → bounced (which also suppresses the address)
    bob = page.get_by_test_id("subscriber-row").filter(has_text="bob@example.com")
    bob.get_by_test_id("subscriber-edit").click()
    dialog = page.get_by_test_id("subscriber-edit-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("subscriber-edit-name")).to_be_focused()
    page.keyboard.press("Escape")  # closes, and focus goes back to the button that opened it
    expect(dialog).to_have_count(0)
    expect(bob.get_by_test_id("subscriber-edit")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    dialog.get_by_test_id("subscriber-edit-name").fill("Bob Builder")
    dialog.get_by_test_id("subscriber-edit-attr-add").click()
    dialog.get_by_test_id("subscriber-edit-attr-value-0").fill("no name")
    dialog.get_by_test_id("subscriber-edit-submit").click()
    expect(dialog.get_by_test_id("subscriber-edit-attr-error")).to_contain_text("give the attribute a name")
    dialog.get_by_test_id("subscriber-edit-attr-key-0").fill("team")
    dialog.get_by_test_id("subscriber-edit-status").select_option("bounced")
    expect(dialog).to_contain_text("suppression list")
    shot(page, "16-subscriber-edit")
    dialog.get_by_test_id("subscriber-edit-submit").click()
    expect(dialog).to_be_hidden()
    expect(bob.get_by_test_id("subscriber-status")).to_have_text("Bounced")
    expect(bob).to_contain_text("Bob Builder")

    # Remove with confirmation: Cancel keeps it, Remove removes it
    carol = page.get_by_test_id("subscriber-row").filter(has_text="carol@example.com")
    carol.get_by_test_id("subscriber-remove").click()
    page.get_by_test_id("subscriber-remove-cancel").click()
    expect(page.get_by_test_id("subscriber-row")).to_have_count(2)
    carol.get_by_test_id("subscriber-remove").click()
    page.get_by_test_id("subscriber-remove-confirm").click()
    expect(page.get_by_test_id("subscriber-row")).to_have_count(1)
    expect(page.get_by_test_id("list-subscriber-count")).to_have_text("1")

    # Suppression: bob is there (bounced); add one by hand; search; remove one
    page.get_by_test_id("nav-suppression").click()
    expect(page.get_by_test_id("suppression-row")).to_have_count(1)
    expect(page.get_by_test_id("suppression-email")).to_have_text("bob@example.com")
    expect(page.get_by_test_id("suppression-reason")).to_have_text("Bounced")
    page.get_by_test_id("suppression-add-email").fill("nope")
    page.get_by_test_id("suppression-add-submit").click()
    expect(page.get_by_test_id("suppression-add-email-error")).to_contain_text("valid email")
    page.get_by_test_id("suppression-add-email").fill("dave@example.com")
    page.get_by_test_id("suppression-add-submit").click()
    expect(page.get_by_test_id("suppression-added")).to_have_text("dave@example.com is suppressed.")
    expect(page.get_by_test_id("suppression-row")).to_have_count(2)
    page.get_by_test_id("suppression-search").fill("da")
    expect(page.get_by_test_id("suppression-row")).to_have_count(1)
    expect(page.get_by_test_id("suppression-reason")).to_have_text("Added by you")
    shot(page, "17-suppression")
    page.get_by_test_id("suppression-remove").click()
    page.get_by_test_id("suppression-remove-confirm").click()
    expect(page.get_by_test_id("suppression-empty")).to_be_visible()
    page.get_by_test_id("suppression-search").fill("")
    expect(page.get_by_test_id("suppression-row")).to_have_count(1)

    # Rename and delete the list (with confirmation)
    page.get_by_test_id("nav-lists").click()
    row = page.get_by_test_id("list-row").filter(has_text="Weekly")
    row.get_by_test_id("list-rename").click()
    page.get_by_test_id("list-rename-name").fill("")
    page.get_by_test_id("list-rename-submit").click()
    expect(page.get_by_test_id("list-rename-name-error")).to_be_visible()
    page.get_by_test_id("list-rename-name").fill("Monthly")
    page.get_by_test_id("list-rename-submit").click()
    renamed = page.get_by_test_id("list-row").filter(has_text="Monthly")
    expect(renamed).to_be_visible()
    renamed.get_by_test_id("list-delete").click()
    expect(page.get_by_test_id("list-delete-dialog")).to_contain_text("Monthly")
    shot(page, "18-list-delete-confirm")
    page.get_by_test_id("list-delete-confirm").click()
    expect(page.get_by_test_id("lists-empty")).to_be_visible()


def test_an_import_that_fails_says_why(page: Page, server: str, tmp_path: Path) -> None:
    log_in_new_account(page, server, "badcsv")
    create_list(page, "Broken file")
    no_email = tmp_path / "no-email.csv"
    no_email.write_text("name,city\nAda,London\n", encoding="utf-8")
    page.get_by_test_id("import-file").set_input_files(str(no_email))
    page.get_by_test_id("import-submit").click()
    expect(page.get_by_test_id("import-failure")).to_contain_text(
        "missing_email_column", timeout=IMPORT_TIMEOUT_MS
    )
    expect(page.get_by_test_id("import-status")).to_contain_text("Import failed")
    expect(page.get_by_test_id("import-report-link")).to_have_count(0)
    expect(page.get_by_test_id("list-subscriber-count")).to_have_text("0")
    shot(page, "19-import-failed")


def test_import_progress_without_a_websocket_falls_back_to_polling(
    page: Page, server: str, tmp_path: Path
) -> None:
    # Every WebSocket the page opens is refused: progress must come from GET /api/imports/{id}
    refused: list[str] = []

    def refuse(ws: object) -> None:
        refused.append(getattr(ws, "url", "?"))
        ws.close(code=1011, reason="refused by the test")  # type: ignore[attr-defined]

    page.route_web_socket(re.compile(r".*/ws(\?.*)?$"), refuse)
    polls: list[str] = []
    page.on("request", lambda request: polls.append(request.url) if "/api/imports/" in request.url else None)

    log_in_new_account(page, server, "nows")
    create_list(page, "No socket")
    csv_file = people_csv(tmp_path / "small.csv", good=20, bad=["broken"])
    page.get_by_test_id("import-file").set_input_files(str(csv_file))
    page.get_by_test_id("import-submit").click()
    expect(page.get_by_test_id("import-channel")).to_have_text("Checking for progress every second.")
    expect(page.get_by_test_id("import-progress")).to_have_attribute(
        "aria-valuenow", "100", timeout=IMPORT_TIMEOUT_MS
    )
    expect(page.get_by_test_id("import-created")).to_have_text("20")
    expect(page.get_by_test_id("import-errors")).to_have_text("1")
    expect(page.get_by_test_id("list-subscriber-count")).to_have_text("20")
    assert refused, "the page did try the WebSocket"
    assert any(re.search(r"/api/imports/[0-9a-f]+$", url) for url in polls), polls
