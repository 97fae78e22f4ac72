"""An owner registers a webhook endpoint on the Webhooks screen (its secret shown once), sends it a
test event, sees a message.delivered for a sent message among its deliveries, and deletes it."""

from __future__ import annotations

import json
import uuid

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import shot
from tests.e2e.journeys import api_headers, log_in_new_account
from tests.helpers import eventually, webhook_listener


def test_register_an_endpoint_test_it_see_its_deliveries_and_delete_it(page: Page, server: str) -> None:
    # Given a signed-in owner on the Webhooks screen, and a listener on 127.0.0.1 that answers 200
    headers = api_headers(server, log_in_new_account(page, server, "e2e-hooks"))
    page.get_by_test_id("nav-webhooks").click()
    expect(page.get_by_test_id("webhooks-empty")).to_be_visible()
    with webhook_listener(200) as (url, received):
        # When they add an endpoint for message.delivered only
        page.get_by_test_id("webhook-add-url").fill(url)
        page.get_by_test_id("webhook-add-subscriber.created").uncheck()
        page.get_by_test_id("webhook-add-message.delivered").check()
        page.get_by_test_id("webhook-add-submit").click()

        # Then its secret is shown once; closed, it is nowhere on the page
        secret_dialog = page.get_by_test_id("webhook-secret")
        expect(secret_dialog).to_be_visible()
        secret = page.get_by_test_id("webhook-secret-value").inner_text()
        assert secret.startswith("whsec_")
        shot(page, "webhooks-01-secret")
        secret_dialog.get_by_role("button", name="Close").click()
        expect(secret_dialog).to_be_hidden()
        row = page.get_by_test_id("webhook-row")
        expect(row).to_have_count(1)
        expect(row.get_by_test_id("webhook-url")).to_have_text(url)
        expect(row).to_contain_text("message.delivered")
        expect(page.locator("body")).not_to_contain_text(secret)

        # When they send a test event, and a message goes out that SES delivers
        row.get_by_test_id("webhook-test").click()
        expect(page.get_by_test_id("webhook-test-sent")).to_contain_text("Test event queued")
        to = f"success+{uuid.uuid4().hex[:6]}@simulator.amazonses.com"
        sent = httpx.post(
            f"{server}/api/tx", json={"to": to, "subject": "Hi", "text_body": "Hello"}, headers=headers
        )
        assert sent.status_code == 201, sent.text

        # Then the listener gets both, and the deliveries show each with its 200
        assert eventually(lambda: len(received) >= 2, timeout=30), [r.headers for r in received]
        row.get_by_test_id("webhook-deliveries").click()
        dialog = page.get_by_role("dialog", name="Recent deliveries")
        deliveries = dialog.get_by_test_id("delivery-row")

        def both_delivered() -> bool:
            dialog.get_by_test_id("webhook-deliveries-refresh").click()
            expect(dialog.get_by_test_id("webhook-deliveries-table")).to_have_attribute(
                "data-loading", "false"
            )
            texts = deliveries.all_inner_texts()
            return len(texts) == 2 and all("delivered" in t and "200" in t for t in texts)

        assert eventually(both_delivered, timeout=20), deliveries.all_inner_texts()
        expect(dialog).to_contain_text("webhook.test")
        expect(dialog).to_contain_text("message.delivered")
        expect(dialog.get_by_test_id("delivery-code")).to_have_text(["200", "200"])
        shot(page, "webhooks-02-deliveries")
        dialog.get_by_role("button", name="Close").click()

        # When they delete the endpoint, after confirming (while the listener still answers)
        row.get_by_test_id("webhook-delete").click()
        page.get_by_test_id("webhook-delete-confirm").click()

        # Then it is gone
        expect(page.get_by_test_id("webhooks-empty")).to_be_visible()
    payloads = {json.loads(r.body)["type"]: json.loads(r.body)["data"] for r in received}
    assert set(payloads) == {"webhook.test", "message.delivered"}
    assert payloads["message.delivered"]["transactional_id"] == sent.json()["id"]
    assert httpx.get(f"{server}/api/webhooks", headers=headers).json()["items"] == []
