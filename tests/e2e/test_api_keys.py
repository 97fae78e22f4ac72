"""An owner creates an API key (its secret shown once), uses it, and revokes it, in Chromium."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import shot
from tests.e2e.journeys import log_in_new_account


def test_create_a_key_see_it_once_use_it_and_revoke_it(page: Page, server: str) -> None:
    # Given a signed-in owner on the API keys page
    log_in_new_account(page, server, "e2e-keys")
    page.get_by_test_id("nav-keys").click()
    expect(page.get_by_test_id("keys-empty")).to_be_visible()

    # When they create a read-only key
    page.get_by_test_id("key-create-name").fill("Nightly export")
    page.get_by_test_id("key-create-scope").select_option("read_only")
    page.get_by_test_id("key-create-submit").click()

    # Then its secret is shown once, with a warning and a copy button
    dialog = page.get_by_test_id("key-created-dialog")
    expect(dialog).to_be_visible()
    expect(page.get_by_test_id("key-created-warning")).to_contain_text("cannot show it again")
    key = page.get_by_test_id("key-created-secret").input_value()
    assert key.startswith("hrd_")
    expect(page.get_by_test_id("key-created-copy")).to_be_visible()
    shot(page, "keys-01-created")
    page.get_by_test_id("key-created-done").click()
    expect(dialog).to_be_hidden()

    # And the list names it by its prefix, never the secret, and the key works
    row = page.get_by_test_id("key-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("key-name")).to_have_text("Nightly export")
    expect(row.get_by_test_id("key-prefix")).to_have_text(f"{key[:16]}…")
    expect(page.locator("body")).not_to_contain_text(key)
    headers = {"Authorization": f"Bearer {key}"}
    assert httpx.get(f"{server}/api/lists", headers=headers).status_code == 200
    page.reload()
    expect(page.get_by_test_id("key-last-used")).not_to_have_text("Never")
    shot(page, "keys-02-listed")

    # When they revoke it, after confirming
    page.get_by_test_id("key-revoke").click()
    expect(page.get_by_test_id("key-revoke-dialog")).to_contain_text("Nightly export")
    page.get_by_test_id("key-revoke-confirm").click()

    # Then it is gone from the list, and the API refuses it
    expect(page.get_by_test_id("keys-empty")).to_be_visible()
    assert httpx.get(f"{server}/api/lists", headers=headers).status_code == 401
