"""The public cost calculator (/cost) in Chromium: its figures follow the inputs as the CLI's do."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from pricing.model import MODEL, PRICES, Workload, estimate, load


def dollars(text: str) -> float:
    """'$1,234.5678' -> 1234.5678."""
    return float(re.sub(r"[^0-9.]", "", text))


def python_estimate(subscribers: int, campaigns: int, engagement: float) -> dict[str, Any]:
    """What `make cost` computes for the same inputs."""
    return estimate(Workload(subscribers, campaigns, engagement), load(PRICES), load(MODEL))


def figures(page: Page) -> dict[str, float]:
    """The page's headline figures."""
    return {
        "total": dollars(page.get_by_test_id("cost-herald-total").inner_text()),
        "classical": dollars(page.get_by_test_id("cost-classical-total").inner_text()),
        "herald_per_1000": dollars(page.get_by_test_id("cost-per-1000-herald").inner_text()),
        "ses_per_1000": dollars(page.get_by_test_id("cost-per-1000-ses").inner_text()),
        "dynamodb": dollars(page.get_by_test_id("cost-service-dynamodb").inner_text()),
    }


def test_the_calculator_is_public_and_agrees_with_the_python_calculator(page: Page, server: str) -> None:
    # Given the cost page, without logging in
    page.goto("/cost")
    expect(page.get_by_role("heading", name="What it costs")).to_be_visible()
    expect(page).to_have_url(f"{server}/cost")
    expect(page.get_by_test_id("cost-emails")).to_have_text("400,000 emails a month")

    # Then its figures are the Python calculator's for 100,000 subscribers and 4 campaigns
    first = figures(page)
    expected = python_estimate(100_000, 4, 0.0)
    assert abs(first["total"] - expected["total_usd"]) < 0.01
    assert abs(first["classical"] - expected["classical"]["total_usd"]) < 0.01
    assert first["ses_per_1000"] == 0.10
    assert abs(first["herald_per_1000"] - expected["per_1000_emails"]["herald_aws_usd"]) < 0.0001
    assert page.get_by_test_id("cost-herald-bar").locator("[data-service]").count() >= 3

    # When the subscribers grow tenfold and engagement is 30%
    page.get_by_test_id("cost-subscribers").fill("1000000")
    page.get_by_test_id("cost-engagement").fill("30")

    # Then the figures move with them, still the Python calculator's
    expect(page.get_by_test_id("cost-emails")).to_have_text("4,000,000 emails a month")
    second = figures(page)
    expected = python_estimate(1_000_000, 4, 0.3)
    assert abs(second["total"] - expected["total_usd"]) < 0.01
    assert abs(second["dynamodb"] - expected["services"]["DynamoDB"]["usd"]) < 0.01
    assert second["total"] > first["total"] * 9 and second["dynamodb"] > first["dynamodb"] * 9
    assert second["ses_per_1000"] == 0.10

    # And a value that cannot be priced is refused, not computed
    page.get_by_test_id("cost-campaigns").fill("-2")
    expect(page.get_by_test_id("cost-error")).to_contain_text("Campaigns")
    expect(page.get_by_test_id("cost-herald-total")).to_have_count(0)
