"""Test copies and welcome mail share the account's SES rate with the campaign senders.

On the code before the budget, test copies and welcome mail went to SES unmetered, beside senders
that each took rate / concurrency: together they could exceed the account's rate.
"""

from __future__ import annotations

from typing import Any, cast

import pytest

from app.config import Settings
from app.errors import TooManyRequests
from app.events import UserSignedUp
from app.mail import SendBudget
from app.store import Store
from app.users import service as users
from tests.factories import owner_id
from tests.helpers import FakeSes


class Clock:
    """A clock the test moves."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_mail_outside_campaigns_gets_its_share_of_the_rate_per_second(store: Store) -> None:
    # Given six messages a second kept for mail outside campaigns: two each for test copies,
    # welcome mail and transactional messages (counted in the table, for every instance)
    clock = Clock(1_900_000_000.2)
    budget = SendBudget(store.table, clock=clock)
    settings = Settings(transactional_rate_per_second=6)

    # When three test copies want to go in the same second (one from another instance), then one
    # in the next, and welcome mail in the first second too
    budget.take_second("test", settings=settings)
    SendBudget(store.table, clock=clock).take_second("test", settings=settings)
    with pytest.raises(TooManyRequests) as refused:
        budget.take_second("test", settings=settings)
    budget.take_second("welcome", settings=settings)
    budget.take_second("transactional", settings=settings)
    clock.now += 1
    budget.take_second("test", settings=settings)

    # Then the third test copy waits for the next second; the other kinds have their own shares
    assert (refused.value.code, refused.value.retry_after) == ("send_rate_limited", 1)


def test_an_account_sends_a_bounded_number_of_test_copies_an_hour(store: Store) -> None:
    # Given an account that may send two test copies an hour, ten minutes into the hour
    clock = Clock(1_900_000_000 - 1_900_000_000 % 3600 + 600)
    budget = SendBudget(store.table, clock=clock)
    settings = Settings(test_sends_per_hour=2)
    owner, other = owner_id(), owner_id()

    # When it asks for a third, and another account for its first
    budget.take_test(owner, settings=settings)
    budget.take_test(owner, settings=settings)
    with pytest.raises(TooManyRequests) as refused:
        budget.take_test(owner, settings=settings)
    budget.take_test(other, settings=settings)

    # Then the third is refused until the hour ends; the other account is not affected
    assert (refused.value.code, refused.value.retry_after) == ("test_send_limit", 3000)  # 50 min left


def test_a_welcome_mail_waits_for_its_share_of_the_rate(store: Store) -> None:
    # Given this second's share already used by another message
    clock = Clock(1_900_000_100.5)
    budget = SendBudget(store.table, clock=clock)
    settings = Settings(transactional_rate_per_second=2)
    budget.take_second("welcome", settings=settings)
    ses = FakeSes()
    event = UserSignedUp(user_id="u1", email="new@example.com", name="New")

    # When the welcome mail is sent
    message_id = users.send_welcome_email(
        event, ses=cast(Any, ses), settings=settings, budget=budget, sleep=clock.sleep
    )

    # Then it went out in the next second
    assert message_id == "m-1" and ses.recipients() == ["new@example.com"]
    assert int(clock.now) == 1_900_000_101


def test_campaign_senders_leave_that_share_of_the_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.config import get_settings
    from workers import send_campaign_batch

    # Given an account rate of 14 a second, 2 of it kept for other mail, and two senders
    for name, value in (("SEND_RATE_PER_SECOND", "14"), ("TRANSACTIONAL_RATE_PER_SECOND", "2")):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SEND_MAX_CONCURRENCY", "2")
    get_settings.cache_clear()
    send_campaign_batch.limiter.cache_clear()
    try:
        # When a sender builds its rate limiter
        rate = send_campaign_batch.limiter().rate
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        send_campaign_batch.limiter.cache_clear()

    # Then each takes half of the other 12
    assert rate == 6.0
