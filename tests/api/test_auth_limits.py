"""/api/auth/* is throttled per client address and per account, at the default limits: 429 + Retry-After."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api import deps
from app.config import Settings, get_settings
from localcloud.cloud import EmbeddedCloud
from tests.factories import PASSWORD, confirm, new_email, sign_up

LIMIT_FIELDS = (
    "signup_per_address",
    "signup_per_account",
    "confirm_per_address",
    "confirm_per_account",
    "login_per_address",
    "login_per_account",
    "refresh_per_address",
)
ClientAt = Callable[[], TestClient]


def default_limits() -> Settings:
    """The settings with every auth limit at its default (the suite raises the per-address ones)."""
    defaults = {name: Settings.model_fields[name].default for name in LIMIT_FIELDS}
    return get_settings().model_copy(update=defaults)


@pytest.fixture
def client_at(cloud: EmbeddedCloud) -> Iterator[ClientAt]:
    """Clients of an app at the default limits, each from an address of its own."""
    from app.main import create_app

    app = create_app()
    app.dependency_overrides[deps.settings] = default_limits
    opened: list[TestClient] = []

    def make() -> TestClient:
        address = f"198.51.100.{uuid.uuid4().int % 250 + 1}-{uuid.uuid4().hex[:8]}"
        test_client = TestClient(app, base_url="https://testserver", client=(address, 50000))
        opened.append(test_client.__enter__())
        return test_client

    yield make
    for test_client in opened:
        test_client.__exit__(None, None, None)


def _assert_throttled(response: Any) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response.headers["retry-after"]) <= 3600


def test_thirty_wrong_passwords_for_one_account_are_cut_off_after_ten(client_at: ClientAt) -> None:
    # Given a confirmed account
    email = new_email("limits")
    setup = client_at()
    sign_up(setup, email)
    confirm(setup, email)
    attacker = client_at()

    # When one address tries 30 wrong passwords in a row
    statuses = [
        attacker.post("/api/auth/login", json={"email": email, "password": f"Wrong-{i}-Pass"}).status_code
        for i in range(30)
    ]

    # Then the first ten are checked (401) and the other twenty refused before Cognito (429)
    assert statuses == [401] * 10 + [429] * 20
    # And even the right password is refused until the window turns, from any address
    _assert_throttled(client_at().post("/api/auth/login", json={"email": email, "password": PASSWORD}))


def test_one_address_spraying_a_password_over_many_accounts_is_cut_off_after_sixty(
    client_at: ClientAt,
) -> None:
    attacker = client_at()
    responses = [
        attacker.post("/api/auth/login", json={"email": new_email("spray"), "password": PASSWORD})
        for _ in range(61)
    ]
    assert [r.status_code for r in responses[:60]] == [401] * 60
    _assert_throttled(responses[60])


def test_twenty_sign_ups_in_a_row_from_one_address_are_cut_off_after_ten(client_at: ClientAt) -> None:
    # Given one address signing up new accounts as fast as it can
    flooder = client_at()
    responses = [
        flooder.post("/api/auth/signup", json={"email": new_email("flood"), "password": PASSWORD})
        for _ in range(20)
    ]

    # Then ten accounts are created, each mailing a code, and the other ten are refused
    assert [r.status_code for r in responses] == [201] * 10 + [429] * 10
    _assert_throttled(responses[-1])


def test_sign_ups_of_one_address_from_many_clients_are_cut_off_after_three(client_at: ClientAt) -> None:
    email = new_email("target")
    statuses = [
        client_at().post("/api/auth/signup", json={"email": email, "password": PASSWORD}).status_code
        for _ in range(4)
    ]
    assert statuses == [201, 201, 201, 429]


def test_guessing_confirmation_codes_is_cut_off_after_ten(client_at: ClientAt) -> None:
    # An address without an account answers as a wrong code does, and counts the same way
    email = new_email("codes")
    guesser = client_at()
    statuses = [
        guesser.post("/api/auth/confirm", json={"email": email, "code": f"{i:06d}"}).status_code
        for i in range(11)
    ]
    assert statuses == [401] * 10 + [429]


def test_refreshing_in_a_loop_is_cut_off(client_at: ClientAt) -> None:
    looper = client_at()
    looper.cookies.set("herald_refresh", "not-a-refresh-token")
    limit = Settings.model_fields["refresh_per_address"].default
    responses = [looper.post("/api/auth/refresh") for _ in range(limit + 1)]
    assert {r.status_code for r in responses[:limit]} == {401}, responses[0].text
    _assert_throttled(responses[limit])
