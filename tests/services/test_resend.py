"""A resend to the failed recipients: a round of its own through the same steps, each recipient
taken again at most once (the steps called one after the other, as in test_delivery.py)."""

from __future__ import annotations

import pytest

from app.campaigns.models import Campaign
from app.delivery import finish, resend, start
from app.delivery.models import CampaignRef, DeliveryState, ExecutionEnded, SendBatch
from app.store import Store
from tests.helpers import EXECUTION, Delivery, FakeLauncher, queued

THROTTLED = "TooManyRequestsException"


@pytest.fixture(autouse=True)
def batches_of_two(monkeypatch: pytest.MonkeyPatch) -> None:
    """Recipients are enqueued two to a batch."""
    monkeypatch.setattr(start, "BATCH_SIZE", 2)


def _deliver(d: Delivery, token: str, *, last_try: bool = False) -> DeliveryState:
    """One round: StartDelivery, the wait, every batch not sent yet, then Finalize to the end."""
    d.start()
    d.wait(token)
    first = len(d.queue.batches)
    for batch in list(d.queue.batches):
        d.send(batch, f"{token}-m{batch.batch}:8", last_try=last_try)
    assert len(d.queue.batches) >= first  # nothing was lost from the queue
    _, output = d.resumer.resumed[-1]
    state = DeliveryState.model_validate(output)
    while True:
        state = d.finalize(state)
        if state.status != "finalizing":
            return state


def _resend(d: Delivery, launcher: FakeLauncher | None = None) -> Campaign:
    return resend.resend_failed(
        d.owner,
        d.campaign_id,
        campaigns=d.store.campaigns,
        launcher=launcher or FakeLauncher(),
        correlation_id=None,
    )


def _campaign(d: Delivery) -> Campaign:
    campaign = d.store.campaigns.get(d.owner, d.campaign_id, consistent=True)
    assert campaign is not None
    return campaign


def test_a_recipient_throttled_on_its_last_try_fails_and_the_campaign_still_finishes(store: Store) -> None:
    # Given SES throttles b@ on every try
    d = queued(store, ["a@example.com", "b@example.com", "c@example.com"])
    d.ses.refuse["b@example.com"] = THROTTLED

    # When the batches are sent on their last try from the queue
    _deliver(d, "t1", last_try=True)

    # Then b@ and the rest of its batch after it failed (throttled), the campaign is sent, and a
    # resend would take both
    campaign = _campaign(d)
    assert d.ses.recipients() == ["a@example.com", "c@example.com"]
    b = d.store.recipients.get(d.owner, d.campaign_id, "b@example.com")
    assert b is not None and (b.status, b.reason) == ("failed", f"throttled: {THROTTLED}")
    assert campaign.status == "sent"
    assert (campaign.stats.sent, campaign.stats.failed, campaign.stats.resendable) == (2, 1, 1)


def test_before_its_last_try_a_throttled_batch_comes_back_from_the_queue(store: Store) -> None:
    # Given SES throttles b@
    d = queued(store, ["a@example.com", "b@example.com"])
    d.ses.refuse["b@example.com"] = THROTTLED
    d.start()

    # When its batch is sent on an earlier try, then the throttle raises (SQS brings it back)
    with pytest.raises(Exception, match=THROTTLED):
        d.send(d.queue.batches[0], "m0:1")

    # Then b@ is pending again, not failed
    b = d.store.recipients.get(d.owner, d.campaign_id, "b@example.com")
    assert b is not None and b.status == "pending"


def test_resend_mails_each_failed_recipient_exactly_once_and_a_second_finds_nobody(store: Store) -> None:
    # Given a sent campaign whose b@ was throttled on its last try
    d = queued(store, ["a@example.com", "b@example.com", "c@example.com"])
    d.ses.refuse["b@example.com"] = THROTTLED
    _deliver(d, "t1", last_try=True)
    del d.ses.refuse["b@example.com"]
    launcher = FakeLauncher()

    # When the owner resends to the failed, and its round runs through the same steps
    queued_again = _resend(d, launcher)
    final = _deliver(d, "t2")

    # Then the campaign went queued -> sending -> sent, b@ got exactly one message, and the counters add up
    campaign = _campaign(d)
    assert queued_again.status == "queued"
    assert [t.status for t in campaign.timeline][-4:] == ["sent", "queued", "sending", "sent"]
    assert sorted(d.ses.recipients()) == ["a@example.com", "b@example.com", "c@example.com"]
    assert launcher.started == [(d.owner, d.campaign_id, None)]
    stats = campaign.stats
    assert (stats.recipients, stats.sent, stats.failed, stats.resendable, stats.resends) == (3, 3, 0, 0, 1)
    assert (final.round_first, final.finalize_sent) == (2, 3)
    b = d.store.recipients.get(d.owner, d.campaign_id, "b@example.com")
    assert b is not None and (b.status, b.reason, b.resent_at is not None) == ("sent", None, True)

    # And each subscriber counts the campaign once
    received = {e: d.store.subscribers.get(d.owner, d.list_id, e) for e in ("a@example.com", "b@example.com")}
    assert {e: s.campaigns_received if s else None for e, s in received.items()} == {
        "a@example.com": 1,
        "b@example.com": 1,
    }

    # When a second resend is asked for
    with pytest.raises(resend.NothingToResend):
        _resend(d)


def test_a_recipient_failed_again_is_not_resent_twice(store: Store) -> None:
    # Given b@ was throttled, and is refused again (rejected) in the resend
    d = queued(store, ["a@example.com", "b@example.com"])
    d.ses.refuse["b@example.com"] = THROTTLED
    _deliver(d, "t1", last_try=True)
    d.ses.refuse["b@example.com"] = "MessageRejected"

    # When the resend runs
    _resend(d)
    _deliver(d, "t2")

    # Then b@ is failed with the new reason, counted once, and not resendable any more
    campaign = _campaign(d)
    assert (campaign.stats.sent, campaign.stats.failed, campaign.stats.resendable) == (1, 1, 0)
    b = d.store.recipients.get(d.owner, d.campaign_id, "b@example.com")
    assert b is not None and b.status == "failed" and (b.reason or "").startswith("MessageRejected")
    with pytest.raises(resend.NothingToResend):
        _resend(d)


def test_opted_out_recipients_are_never_resent(store: Store) -> None:
    # Given a campaign where b@ unsubscribed before its send, and c@ was throttled
    d = queued(store, ["a@example.com", "b@example.com", "c@example.com"])
    d.start()
    d.store.subscribers.update(
        d.owner, d.list_id, "b@example.com", status="unsubscribed", suppress=None, correlation_id=None
    )
    d.ses.refuse["c@example.com"] = THROTTLED
    _deliver(d, "t1", last_try=True)
    del d.ses.refuse["c@example.com"]

    # When the resend runs
    _resend(d)
    _deliver(d, "t2")

    # Then only c@ was taken again; b@ stays failed (opted out)
    campaign = _campaign(d)
    assert sorted(d.ses.recipients()) == ["a@example.com", "c@example.com"]
    assert (campaign.stats.sent, campaign.stats.failed, campaign.stats.resendable) == (2, 1, 0)
    b = d.store.recipients.get(d.owner, d.campaign_id, "b@example.com")
    assert b is not None and b.resent_at is None and (b.reason or "").startswith("opted_out")


def test_a_resend_is_refused_while_the_campaign_is_on_its_way(store: Store) -> None:
    # Given a campaign that is sending
    d = queued(store, ["a@example.com"])
    d.start()

    # When a resend is asked for, or for a campaign that does not exist
    with pytest.raises(resend.CampaignNotFinished):
        _resend(d)
    with pytest.raises(Exception, match="No such campaign"):
        resend.resend_failed(
            "someone-else",
            d.campaign_id,
            campaigns=d.store.campaigns,
            launcher=FakeLauncher(),
            correlation_id=None,
        )


def test_a_resend_that_cannot_start_leaves_the_campaign_as_it_was(store: Store) -> None:
    # Given a sent campaign with one failed recipient
    d = queued(store, ["a@example.com", "b@example.com"])
    d.ses.refuse["b@example.com"] = THROTTLED
    _deliver(d, "t1", last_try=True)

    # When the resend's execution cannot be started
    with pytest.raises(Exception, match="could not start"):
        _resend(d, FakeLauncher(fail=True))

    # Then the campaign is sent again with its counters, and can be resent later
    campaign = _campaign(d)
    assert (campaign.status, campaign.stats.resendable, campaign.stats.resends) == ("sent", 1, 0)
    assert _resend(d).status == "queued"


def test_a_batch_of_an_earlier_round_is_dropped_in_a_resend(store: Store) -> None:
    # Given a campaign in its resend round
    d = queued(store, ["a@example.com", "b@example.com"])
    d.ses.refuse["b@example.com"] = THROTTLED
    _deliver(d, "t1", last_try=True)
    del d.ses.refuse["b@example.com"]
    _resend(d)
    d.start()

    # When a late copy of the first round's batch arrives
    outcome = d.send(
        SendBatch(owner_id=d.owner, campaign_id=d.campaign_id, batch=0, emails=["b@example.com"]), "late:1"
    )

    # Then it is dropped: nobody is mailed and nothing is counted
    record = d.store.campaigns.get_record(d.owner, d.campaign_id, consistent=True)
    assert outcome == "skipped" and d.ses.recipients() == ["a@example.com"]
    assert record is not None and (record.batches_done, record.batches_total) == (1, 2)


def test_a_failed_campaign_resent_ends_failed_with_its_first_failure(store: Store) -> None:
    # Given a campaign that failed after b@ was throttled
    d = queued(store, ["a@example.com", "b@example.com"])
    d.ses.refuse["b@example.com"] = THROTTLED
    d.start()
    d.send(d.queue.batches[0], "m0:8", last_try=True)
    failed = d.store.campaigns.mark_failed(
        d.owner, d.campaign_id, allowed=("sending",), code="sender_timeout", message="timed out"
    )
    assert failed is not None and failed.stats.resendable == 1
    del d.ses.refuse["b@example.com"]

    # When the resend runs
    _resend(d)
    _deliver(d, "t2")

    # Then b@ was mailed, and the campaign is failed again with the reason of its first delivery
    campaign = _campaign(d)
    assert sorted(d.ses.recipients()) == ["a@example.com", "b@example.com"]
    assert campaign.status == "failed" and campaign.failure is not None
    assert (campaign.failure.code, campaign.stats.sent, campaign.stats.failed) == ("sender_timeout", 2, 0)


def test_the_first_executions_late_end_does_not_fail_a_resend(store: Store) -> None:
    # Given a campaign whose first delivery failed, and whose resend is queued
    d = queued(store, ["a@example.com", "b@example.com"])
    d.ses.refuse["b@example.com"] = THROTTLED
    d.start()
    d.send(d.queue.batches[0], "m0:8", last_try=True)
    assert d.store.campaigns.mark_failed(
        d.owner, d.campaign_id, allowed=("sending",), code="sender_timeout", message="timed out"
    )
    _resend(d)

    # When Step Functions' event of the first execution's end arrives only now
    ended = ExecutionEnded.model_validate(
        {
            "executionArn": f"arn:aws:states:us-east-1:123456789012:execution:delivery:{EXECUTION}",
            "status": "FAILED",
            "input": CampaignRef(owner_id=d.owner, campaign_id=d.campaign_id).model_dump_json(),
        }
    )

    # Then the resend is left alone
    assert finish.delivery_ended(ended, campaigns=d.store.campaigns) is False
    assert d.status() == "queued"
