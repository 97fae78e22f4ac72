"""Delivery building blocks: the rate limiter, unsubscribe tokens, failure reasons, campaign pushes."""

from __future__ import annotations

import pytest

from app.delivery.models import FailedState, StepError
from app.delivery.sender import TokenBucket
from app.delivery.service import failure_reason
from app.errors import NotFound
from app.outbox import TableChange, pushes_for
from app.unsubscribe.tokens import UnsubscribeTarget, make_token, read_token

KEY = b"k" * 32


class FakeClock:
    """A clock that only moves when slept on."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_the_token_bucket_holds_senders_to_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, clock=clock, sleep=clock.sleep)
    for _ in range(40):
        bucket.acquire()
    # a full bucket of 10 at once, then 30 more at 10 a second
    assert clock.now == pytest.approx(3.0)


def test_an_unsubscribe_token_round_trips_and_refuses_tampering() -> None:
    target = UnsubscribeTarget(owner_id="o", list_id="l", campaign_id="c", email="a@example.com")
    token = make_token(target, key=KEY)
    assert read_token(token, key=lambda: KEY) == target
    payload, signature = token.split(".")
    for bad in (f"{payload}x.{signature}", f"{payload}.{signature[:-2]}AA", "garbage", token + "."):
        with pytest.raises(NotFound):
            read_token(bad, key=lambda: KEY)
    with pytest.raises(NotFound):
        read_token(token, key=lambda: b"o" * 32)


def test_a_timed_out_wait_gets_a_reason_people_understand() -> None:
    state = FailedState(
        owner_id="o",
        campaign_id="c",
        wait_timeout_seconds=60,
        error=StepError.model_validate({"Error": "States.Timeout"}),
    )
    code, message = failure_reason(state)
    assert code == "sender_timeout" and "within 60 seconds" in message
    crashed = FailedState(
        owner_id="o",
        campaign_id="c",
        error=StepError.model_validate({"Error": "KeyError", "Cause": '{"errorMessage": "boom"}'}),
    )
    assert failure_reason(crashed) == ("delivery_error", "KeyError: boom")


def test_campaign_changes_push_status_then_progress_to_the_owner() -> None:
    old = {"type": "campaign", "owner_id": "u1", "campaign_id": "c1", "status": "queued", "sent": 0}
    new = {**old, "status": "sending", "recipients": 5, "correlation_id": "cid"}
    pushes = pushes_for(TableChange(kind="MODIFY", old=old, new=new))
    assert [(p.user_id, p.message["type"]) for p in pushes] == [
        ("u1", "campaign.status"),
        ("u1", "campaign.progress"),
    ]
    assert pushes[0].message["previous"] == "queued" and pushes[1].message["recipients"] == 5
    assert pushes_for(TableChange(kind="MODIFY", old=new, new=dict(new))) == []
