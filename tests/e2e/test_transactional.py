"""Transactional mail in Chromium: a template written and previewed, a message sent with it, listed."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import shot
from tests.e2e.journeys import api_headers, log_in_new_account
from tests.factories import new_email


def test_a_template_is_written_previewed_and_its_messages_listed(page: Page, server: str) -> None:
    # Given an account, logged in here and through the API (as an integrator would be)
    headers = api_headers(server, log_in_new_account(page, server, "txowner"))

    # When a template is written on the Templates screen
    page.get_by_test_id("nav-templates").click()
    expect(page.get_by_test_id("templates-empty")).to_be_visible()
    page.get_by_test_id("templates-create").click()
    page.get_by_test_id("template-name").fill("Receipt")
    page.get_by_test_id("template-subject").fill("Order {{ data.order }}")
    page.get_by_test_id("template-html").fill("<p>Thanks, {{ data.name }}</p>")
    page.get_by_test_id("template-save").click()
    expect(page).to_have_url(re.compile(r"/templates/[0-9a-f]{28}$"))
    template_id = page.url.rsplit("/", 1)[1]

    # Then its preview renders at once (no data yet), then with the data typed beside it
    expect(page.get_by_test_id("template-preview-subject")).to_have_text("Subject: Order")
    page.get_by_test_id("template-preview-data").fill('{"order": 42, "name": "Ada"}')
    page.get_by_test_id("template-preview-run").click()
    expect(page.get_by_test_id("template-preview-subject")).to_have_text("Subject: Order 42")
    expect(page.frame_locator("[data-testid=template-preview-frame]").locator("p")).to_have_text(
        "Thanks, Ada"
    )
    shot(page, "transactional-01-template")

    # When a message is sent with it through the API
    to = new_email("buyer")
    sent = httpx.post(
        f"{server}/api/tx",
        json={"to": to, "template_id": template_id, "data": {"order": 7, "name": "Grace"}},
        headers={**headers, "Idempotency-Key": "e2e-receipt"},
    )
    assert sent.status_code == 201, sent.text

    # Then the Templates screen lists the template and the message, with its status
    page.get_by_test_id("nav-templates").click()
    expect(page.get_by_test_id("template-link")).to_have_text("Receipt")
    expect(page.get_by_test_id("tx-message-to")).to_have_text(to)
    page.get_by_test_id("tx-messages-refresh").click()
    expect(page.get_by_test_id("tx-message-status")).to_have_attribute(
        "data-status", re.compile("sent|delivered")
    )
    shot(page, "transactional-02-messages")
