"""UI journeys more than one Chromium test walks: an account made and logged in, a list created."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, new_email

IMPORT_TIMEOUT_MS = 60_000


def sign_up_and_log_in(page: Page, email: str, *, name: str = "Grace Hopper") -> None:
    """The whole account journey through the UI: sign up, confirm (any code locally), log in."""
    page.goto("/signup")
    page.get_by_test_id("signup-email").fill(email)
    page.get_by_test_id("signup-name").fill(name)
    page.get_by_test_id("signup-password").fill(PASSWORD)
    page.get_by_test_id("signup-submit").click()
    page.get_by_test_id("confirm-code").fill("123456")
    page.get_by_test_id("confirm-submit").click()
    expect(page.get_by_test_id("login-password")).to_be_visible()
    if page.get_by_test_id("login-email").input_value() != email:
        page.get_by_test_id("login-email").fill(email)
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("nav-logout")).to_be_visible()


def log_in_new_account(page: Page, server: str, prefix: str) -> str:
    """A confirmed account made through the API, logged in through the UI (for the shorter tests)."""
    email = new_email(prefix)
    assert (
        httpx.post(f"{server}/api/auth/signup", json={"email": email, "password": PASSWORD}).status_code
        == 201
    )
    assert (
        httpx.post(f"{server}/api/auth/confirm", json={"email": email, "code": "123456"}).status_code == 200
    )
    page.goto("/login")
    page.get_by_test_id("login-email").fill(email)
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("nav-logout")).to_be_visible()
    return email


def api_headers(server: str, email: str) -> dict[str, str]:
    """An account's bearer header for the API (as an integrator beside the browser would log in)."""
    login = httpx.post(f"{server}/api/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def create_list(page: Page, name: str) -> None:
    """A new, empty list made on the Lists page; ends on its page."""
    page.goto("/lists")
    page.get_by_test_id("lists-create-name").fill(name)
    page.get_by_test_id("lists-create-submit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_test_id("list-subscriber-count")).to_have_text("0")
