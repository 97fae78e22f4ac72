"""Delivery's steps, one after the other, against the module's own table (no state machine, no queue).

The steps are called as the state machine and the send queue would call them; the queue, the
task tokens and SES are stand-ins that remember what they were given.
"""

from __future__ import annotations

import pytest

from app.contacts.models import SuppressionEntry
from app.delivery import feedback, finish, pause, send, start
from app.delivery.models import CampaignRef, ExecutionEnded, FailedState, SesEvent
from app.store import Store
from tests.helpers import EXECUTION, Delivery, queued


@pytest.fixture
def batches_of_two(monkeypatch: pytest.MonkeyPatch) -> None:
    """Recipients are enqueued two to a batch."""
    monkeypatch.setattr(start, "BATCH_SIZE", 2)


def test_start_freezes_who_may_be_mailed_and_enqueues_them_once(store: Store, batches_of_two: None) -> None:
    # Given four subscribers, one of whom unsubscribed and one whose address is suppressed
    d = queued(store, ["a@example.com", "b@example.com", "c@example.com", "x@example.com", "y@example.com"])
    d.store.subscribers.update(
        d.owner, d.list_id, "x@example.com", status="unsubscribed", suppress=None, correlation_id=None
    )
    d.store.suppressions.add(d.owner, "y@example.com", SuppressionEntry(reason="manual", source="api"))

    # When StartDelivery runs, and is retried
    state = d.start()
    d.start()

    # Then the three others are frozen in two batches, enqueued once, and the campaign is sending
    assert (state.recipients, state.batches_total, d.status()) == (3, 2, "sending")
    assert [(b.batch, b.emails) for b in d.queue.batches] == [
        (0, ["a@example.com", "b@example.com"]),
        (1, ["c@example.com"]),
    ]
    campaign = d.store.campaigns.get(d.owner, d.campaign_id)
    assert campaign is not None and (campaign.stats.recipients, campaign.stats.suppressed) == (3, 1)


def test_senders_mail_everyone_once_and_the_last_batch_resumes_the_wait(
    store: Store, batches_of_two: None
) -> None:
    # Given a started delivery whose wait has stored its token
    d = queued(store, ["a@example.com", "b@example.com", "c@example.com"])
    d.start()
    assert d.wait("token-1") is False

    # When each batch is sent, and the first one is delivered again by the queue
    outcomes = [d.send(batch, f"m{batch.batch}:1") for batch in d.queue.batches]
    redelivered = d.send(d.queue.batches[0], "m0:2")

    # Then every recipient got one message, counted once, and the execution resumed with the totals
    assert outcomes == ["done", "done"] and redelivered == "counted"
    assert sorted(d.ses.recipients()) == ["a@example.com", "b@example.com", "c@example.com"]
    [(token, output)] = d.resumer.resumed
    assert (token, output["status"], output["sent"], output["batches_done"]) == ("token-1", "done", 3, 2)
    page, _ = d.store.recipients.page(d.owner, d.campaign_id, limit=10, start_sk=None)
    assert {(r.status, r.message_id is not None) for r in page} == {("sent", True)}


def test_a_recipient_claimed_by_a_dead_attempt_is_never_mailed_again(store: Store) -> None:
    # Given a started delivery where an earlier attempt claimed the first address and died
    d = queued(store, ["a@example.com", "b@example.com"])
    d.start()
    assert d.store.batches.claim(d.owner, d.campaign_id, 0, "m0:1", start=0, end=1)

    # When the queue brings the batch back
    d.send(d.queue.batches[0], "m0:2")

    # Then only the other recipient is mailed; the claimed one counts failed, interrupted
    assert d.ses.recipients() == ["b@example.com"]
    claimed = d.store.recipients.get(d.owner, d.campaign_id, "a@example.com")
    assert claimed is not None and (claimed.status, claimed.reason) == ("failed", "interrupted")


def test_a_recipient_claimed_alone_before_ranges_is_not_mailed(store: Store) -> None:
    # Given a delivery begun by a sender that claimed each recipient alone and died holding one
    d = queued(store, ["a@example.com", "b@example.com"])
    d.start()
    d.store.recipients.transition(d.owner, d.campaign_id, "a@example.com", allowed=("pending",), to="claimed")

    # When the queue brings the batch back to a sender that claims by range
    d.send(d.queue.batches[0], "m0:2")

    # Then only the other recipient is mailed; the one claimed alone counts failed, interrupted
    assert d.ses.recipients() == ["b@example.com"]
    held = d.store.recipients.get(d.owner, d.campaign_id, "a@example.com")
    assert held is not None and (held.status, held.reason) == ("failed", "interrupted")


def test_a_batch_is_claimed_a_range_at_a_time_by_one_attempt_each(store: Store) -> None:
    # Given a started delivery whose first attempt claimed the batch's first two addresses
    d = queued(store, ["a@example.com", "b@example.com", "c@example.com"])
    d.start()
    batches = d.store.batches
    assert batches.claim(d.owner, d.campaign_id, 0, "m0:1", start=0, end=2)

    # When another attempt claims from where it last saw the cursor, or gives back what it never had
    # Then it is refused; the holder gives one address back and the next claim starts from there
    assert not batches.claim(d.owner, d.campaign_id, 0, "m0:2", start=0, end=2)
    assert not batches.give_back(d.owner, d.campaign_id, 0, "m0:2", claimed=2, back_to=0)
    assert batches.give_back(d.owner, d.campaign_id, 0, "m0:1", claimed=2, back_to=1)
    assert not batches.claim(d.owner, d.campaign_id, 0, "m0:2", start=2, end=3)
    assert batches.claim(d.owner, d.campaign_id, 0, "m0:2", start=1, end=3)
    found = batches.get(d.owner, d.campaign_id, 0)
    assert found is not None and found.claimed == 3
    assert not batches.claim(d.owner, d.campaign_id, 99, "m99:1", start=0, end=1)  # no such batch


def test_a_sender_that_stops_gives_back_what_it_did_not_send(store: Store) -> None:
    # Given a batch of three whose second send is refused (SES throttles)
    d = queued(store, ["a@example.com", "b@example.com", "c@example.com"])
    d.start()
    d.ses.refuse["b@example.com"] = "TooManyRequestsException"

    # When the batch is sent, stops, and comes back once SES takes mail again
    with pytest.raises(send.RetryBatch):
        d.send(d.queue.batches[0], "m0:1")
    stopped_at = d.store.batches.get(d.owner, d.campaign_id, 0)
    d.ses.refuse.clear()
    outcome = d.send(d.queue.batches[0], "m0:2")

    # Then the cursor went back to the refused address, which the next attempt mailed, once each
    assert stopped_at is not None and stopped_at.claimed == 1
    assert outcome == "done"
    assert d.ses.recipients() == ["a@example.com", "b@example.com", "c@example.com"]
    campaign = d.store.campaigns.get(d.owner, d.campaign_id)
    assert campaign is not None and (campaign.stats.sent, campaign.stats.failed) == (3, 0)


def test_a_paused_campaign_sends_nothing_until_resumed_then_only_what_was_left(
    store: Store, batches_of_two: None
) -> None:
    # Given a delivery whose first batch went out before it was paused
    d = queued(store, ["a@example.com", "b@example.com", "c@example.com"])
    d.start()
    d.wait("token-1")
    d.send(d.queue.batches[0], "m0:1")
    paused = pause.pause(
        d.owner, d.campaign_id, campaigns=d.store.campaigns, resumer=d.resumer, correlation_id=None
    )

    # When the second batch arrives while paused, then the campaign is resumed
    skipped = d.send(d.queue.batches[1], "m1:1")
    resumed = d.resume()
    with pytest.raises(pause.CampaignNotPaused):
        d.resume()

    # Then the paused batch was dropped, and only the batch not counted went back on the queue
    assert (paused.status, skipped, resumed.status) == ("paused", "skipped", "sending")
    assert [b.batch for b in d.queue.batches] == [0, 1, 1]
    assert [output["status"] for _, output in d.resumer.resumed] == ["paused"]
    assert d.ses.recipients() == ["a@example.com", "b@example.com"]


def test_finalize_counts_each_campaign_once_per_subscriber_a_page_at_a_time(store: Store) -> None:
    # Given a delivery whose every batch was sent
    d = queued(store, ["a@example.com", "b@example.com", "c@example.com"])
    state = d.start()
    d.send(d.queue.batches[0], "m0:1")

    # When Finalize runs two recipients a page, and its last page is retried
    pages = [d.finalize(state)]
    while pages[-1].status == "finalizing":
        pages.append(d.finalize(pages[-1]))
    d.finalize(pages[-2])

    # Then the campaign is sent with its counts, and each subscriber received it once
    assert [p.status for p in pages] == ["finalizing", "done"]
    assert (d.status(), pages[-1].finalize_sent) == ("sent", 3)
    received = [d.store.subscribers.get(d.owner, d.list_id, e) for e in ("a@example.com", "c@example.com")]
    assert [s.campaigns_received if s else None for s in received] == [1, 1]


def _bounce(d: Delivery, email: str) -> SesEvent:
    return SesEvent.model_validate(
        {
            "eventType": "Bounce",
            "mail": {"messageId": "m", "tags": {"owner": [d.owner], "campaign": [d.campaign_id]}},
            "bounce": {
                "bounceType": "Permanent",
                "bounceSubType": "General",
                "bouncedRecipients": [{"emailAddress": email}],
            },
        }
    )


def test_a_permanent_bounce_suppresses_the_subscriber_and_counts_once(store: Store) -> None:
    # Given a recipient whose message went out
    d = queued(store, ["a@example.com", "b@example.com"])
    d.start()
    d.send(d.queue.batches[0], "m0:1")
    kit = d.feedback()

    # When SES reports a permanent bounce, twice
    first = feedback.apply_ses_event(_bounce(d, "A@example.com"), kit=kit)
    again = feedback.apply_ses_event(_bounce(d, "a@example.com"), kit=kit)
    kit.flush()

    # Then the recipient bounced, the subscriber is bounced and suppressed, and the stats count one
    assert (first, again) == (["a@example.com:bounced"], [])
    subscriber = d.store.subscribers.get(d.owner, d.list_id, "a@example.com")
    suppressed = d.store.suppressions.get(d.owner, "a@example.com")
    assert subscriber is not None and subscriber.status == "bounced"
    assert suppressed is not None and (suppressed.reason, suppressed.source) == (
        "bounced",
        f"campaign:{d.campaign_id}",
    )
    campaign = d.store.campaigns.get(d.owner, d.campaign_id)
    assert campaign is not None and campaign.stats.bounced == 1


def test_a_send_event_changes_nothing_even_before_the_send_is_recorded(store: Store) -> None:
    # Given a recipient whose batch has not been sent (a Send event for it could still come)
    d = queued(store, ["a@example.com"])
    d.start()
    kit = d.feedback()
    send = SesEvent.model_validate(
        {
            "eventType": "Send",
            "mail": {
                "messageId": "m",
                "destination": ["a@example.com"],
                "tags": {"owner": [d.owner], "campaign": [d.campaign_id]},
            },
            "send": {},
        }
    )

    # When the feedback worker gets it
    changed = feedback.apply_ses_event(send, kit=kit)

    # Then nothing changes and nothing is retried (feedback waited for the send's record before)
    assert changed == []
    recipient = d.store.recipients.get(d.owner, d.campaign_id, "a@example.com")
    assert recipient is not None and recipient.status == "pending"


def test_a_failed_or_abandoned_delivery_fails_only_a_campaign_on_its_way(store: Store) -> None:
    # Given a queued campaign and a paused one
    failing, abandoned = queued(store, ["a@example.com"]), queued(store, ["b@example.com"])
    abandoned.start()
    pause.pause(
        abandoned.owner,
        abandoned.campaign_id,
        campaigns=store.campaigns,
        resumer=abandoned.resumer,
        correlation_id=None,
    )

    # When MarkFailed runs for the first (twice), and the second's execution is aborted
    reason = FailedState(owner_id=failing.owner, campaign_id=failing.campaign_id, reason="No senders.")
    finish.mark_failed(reason, campaigns=store.campaigns)
    finish.mark_failed(reason, campaigns=store.campaigns)
    ended = ExecutionEnded.model_validate(
        {
            "executionArn": f"arn:aws:states:us-east-1:123456789012:execution:x:{EXECUTION}",
            "status": "ABORTED",
            "input": CampaignRef(
                owner_id=abandoned.owner, campaign_id=abandoned.campaign_id
            ).model_dump_json(),
            "cause": "stopped by hand",
        }
    )
    marked = finish.delivery_ended(ended, campaigns=store.campaigns)

    # Then both failed once, saying why
    first = store.campaigns.get(failing.owner, failing.campaign_id)
    second = store.campaigns.get(abandoned.owner, abandoned.campaign_id)
    assert (
        first is not None and first.failure is not None and second is not None and second.failure is not None
    )
    assert (first.status, first.failure.code, first.failure.message) == (
        "failed",
        "delivery_failed",
        "No senders.",
    )
    assert [t.status for t in first.timeline].count("failed") == 1
    assert (marked, second.status, second.failure.code) == (True, "failed", "delivery_aborted")
    assert "stopped by hand" in second.failure.message
