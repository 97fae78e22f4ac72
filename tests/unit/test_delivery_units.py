"""Delivery building blocks: the rate limiter, unsubscribe tokens, failure reasons, campaign pushes."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from app.delivery.feedback import FeedbackKit, apply_ses_event
from app.delivery.finish import failure_reason
from app.delivery.models import FailedState, SesEvent, StepError
from app.delivery.sender import TokenBucket
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
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    for bad in (flipped, token[:-1], "garbage", token + ".", "2" + token[1:]):
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


def test_a_click_counted_on_the_campaign_is_pushed_as_progress() -> None:
    old = {"type": "campaign", "owner_id": "u1", "campaign_id": "c1", "status": "sent", "delivered": 2}
    new = {**old, "clicks": 1, "unique_clicks": 1}
    [push] = pushes_for(TableChange(kind="MODIFY", old=old, new=new))
    assert push.message["type"] == "campaign.progress"
    assert (push.message["clicks"], push.message["unique_clicks"], push.message["opens"]) == (1, 1, 0)


class _Campaigns:
    def __init__(self) -> None:
        self.added: list[tuple[str, str, dict[str, int]]] = []

    def add_counters(self, owner_id: str, campaign_id: str, counts: Mapping[str, int]) -> None:
        self.added.append((owner_id, campaign_id, dict(counts)))


class _Recipients:
    """Every recipient is a recorded send, delivered for the first time."""

    def __init__(self) -> None:
        self.delivered: list[tuple[str, str, str]] = []

    def deliver(self, owner_id: str, campaign_id: str, email: str) -> bool:
        self.delivered.append((owner_id, campaign_id, email))
        return True


def _kit() -> tuple[FeedbackKit, _Campaigns, _Recipients]:
    campaigns, recipients = _Campaigns(), _Recipients()
    kit = FeedbackKit(
        campaigns=campaigns,  # type: ignore[arg-type]
        recipients=recipients,  # type: ignore[arg-type]
        subscribers=None,  # type: ignore[arg-type]
        suppressions=None,  # type: ignore[arg-type]
        engagement=None,  # type: ignore[arg-type]
        soft_bounce_limit=3,
        messages=None,  # type: ignore[arg-type]
    )
    return kit, campaigns, recipients


def _delivery(email: str, tags: dict[str, list[str]]) -> SesEvent:
    return SesEvent.model_validate(
        {
            "eventType": "Delivery",
            "mail": {"messageId": f"m-{email}", "destination": [email], "tags": tags},
            "delivery": {"recipients": [email]},
        }
    )


def test_delivery_stats_are_added_once_per_campaign_when_the_kit_is_flushed() -> None:
    kit, campaigns, recipients = _kit()
    tags = {"owner": ["o1"], "campaign": ["c1"]}
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        assert apply_ses_event(_delivery(email, tags), kit=kit) == [f"{email}:delivered"]
    apply_ses_event(_delivery("d@example.com", {"owner": ["o1"], "campaign": ["c2"]}), kit=kit)

    assert campaigns.added == []  # nothing written per event
    kit.flush()
    assert sorted(campaigns.added) == [("o1", "c1", {"delivered": 3}), ("o1", "c2", {"delivered": 1})]
    kit.flush()
    assert len(campaigns.added) == 2  # flushed once
    assert len(recipients.delivered) == 4


def test_mail_without_campaign_tags_is_not_campaign_mail_and_touches_nothing() -> None:
    kit, campaigns, recipients = _kit()
    assert apply_ses_event(_delivery("owner@example.com", {}), kit=kit) == []
    kit.flush()
    assert campaigns.added == [] and recipients.delivered == []
