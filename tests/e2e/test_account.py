"""A person signs up, confirms, logs in, edits their profile and logs out, in Chromium."""

from __future__ import annotations

import time

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import shot
from tests.factories import PASSWORD, new_email


def test_sign_up_confirm_log_in_profile_welcome_email_log_out(page: Page, server: str) -> None:
    email = new_email("e2e")

    page.goto("/signup")
    page.get_by_test_id("signup-email").fill(email)
    page.get_by_test_id("signup-name").fill("Ada Lovelace")
    page.get_by_test_id("signup-password").fill(PASSWORD)
    shot(page, "01-signup")
    page.get_by_test_id("signup-submit").click()

    expect(page.get_by_test_id("confirm-code")).to_be_visible()
    expect(page.get_by_test_id("confirm-local-hint")).to_be_visible()
    page.get_by_test_id("confirm-code").fill("123456")
    shot(page, "02-confirm")
    page.get_by_test_id("confirm-submit").click()

    expect(page.get_by_test_id("login-password")).to_be_visible()
    if page.get_by_test_id("login-email").input_value() != email:
        page.get_by_test_id("login-email").fill(email)
    page.get_by_test_id("login-password").fill(PASSWORD)
    shot(page, "03-login")
    page.get_by_test_id("login-submit").click()

    expect(page.get_by_test_id("nav-logout")).to_be_visible()
    page.goto("/profile")
    expect(page.get_by_test_id("profile-email")).to_contain_text(email)
    expect(page.get_by_test_id("profile-name")).to_have_value("Ada Lovelace")
    page.get_by_test_id("profile-name").fill("Ada King")
    page.get_by_test_id("profile-save").click()
    expect(page.get_by_test_id("profile-saved")).to_be_visible()
    shot(page, "04-profile")

    # A reload keeps the session (silent refresh through the httpOnly cookie)
    page.reload()
    expect(page.get_by_test_id("profile-name")).to_have_value("Ada King")

    deadline = time.monotonic() + 10
    while not [m for m in httpx.get(f"{server}/_local/outbox").json() if email in m["to"]]:
        assert time.monotonic() < deadline, "no welcome email within 10 s"
        time.sleep(0.2)

    page.get_by_test_id("nav-logout").click()
    expect(page.get_by_test_id("nav-login")).to_be_visible()
    page.goto("/profile")
    expect(page.get_by_test_id("login-email")).to_be_visible()  # private screens need a session


def test_wrong_password_is_explained_in_words(page: Page) -> None:
    page.goto("/login")
    page.get_by_test_id("login-email").fill(new_email("nobody"))
    page.get_by_test_id("login-password").fill("Wrong-Password-1")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_contain_text("email or password")
    shot(page, "05-login-error")
