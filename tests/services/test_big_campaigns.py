"""Big campaigns finish, and share the senders fairly: paged freezing, a window on the send queue,
heartbeats, senders that hand work back, and a campaign item that does not grow.

Each test here fails on the code that froze the whole audience in one invocation, enqueued every
batch at once, kept the batches done in a set on the campaign, and let a wait time out after an
hour whatever the progress.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app import aws
from app.delivery import finish, pause, send, start
from app.delivery.models import CampaignRef, ExecutionEnded, FailedState, SendBatch, StepError
from app.delivery.queue import SqsBatchQueue
from app.store import Store
from tests.helpers import EXECUTION, Delivery, FakeLauncher, queued


def people(count: int, tag: str = "p") -> list[str]:
    """`count` addresses, in email order."""
    return [f"{tag}{i:03d}@example.com" for i in range(count)]


@pytest.fixture
def one_per_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """One recipient per batch, so a few subscribers make many batches."""
    monkeypatch.setattr(start, "BATCH_SIZE", 1)


def one_page_per_run() -> Callable[[], float]:
    """The time left of an invocation that has time for one page of the audience."""
    looks = iter([100.0])
    return lambda: next(looks, 0.0)


def test_the_audience_is_frozen_a_page_at_a_time_across_invocations(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an audience of five read two at a time, and an invocation that dies right after it
    # counted its first page (before returning)
    monkeypatch.setattr(start, "AUDIENCE_PAGE", 2)
    d = queued(store, people(5))
    real = store.campaigns.advance_freeze
    crashes = iter([True])

    def counted_then_crash(*args: Any, **kwargs: Any) -> Any:
        counted = real(*args, **kwargs)
        if next(crashes, False):
            raise RuntimeError("the invocation died")
        return counted

    monkeypatch.setattr(store.campaigns, "advance_freeze", counted_then_crash)
    with pytest.raises(RuntimeError):
        d.start(time_left=one_page_per_run())

    # When StartDelivery is run again, with time for one page per run, until it says it is done
    states = [d.start(time_left=one_page_per_run())]
    while states[-1].status == "freezing":
        states.append(d.start(time_left=one_page_per_run()))

    # Then each run froze one page, the audience was counted once, and its batches went out in order
    assert [s.status for s in states] == ["freezing", "started"]
    assert (states[-1].recipients, states[-1].batches_total) == (5, 3)
    assert [b.emails for b in d.queue.batches] == [people(5)[0:2], people(5)[2:4], people(5)[4:5]]


def _drive(d: Delivery, *, window_seen: list[int]) -> None:
    """Run the senders and the execution's waits as the state machine would, until the last
    batch resumes it with `done`."""
    tokens = iter(f"token-{n}" for n in range(1, 1000))
    d.wait(next(tokens))
    sent: set[int] = set()
    while not d.resumer.resumed or d.resumer.resumed[-1][1]["status"] != "done":
        batch = next(b for b in d.queue.batches if b.batch not in sent)
        campaign = d.store.campaigns.get_record(d.owner, d.campaign_id, consistent=True)
        assert campaign is not None
        window_seen.append(campaign.batches_enqueued - campaign.batches_done)
        d.send(batch, f"m{batch.batch}:1")
        sent.add(batch.batch)
        if d.resumer.resumed and d.resumer.resumed[-1][1]["status"] == "pending":
            d.resumer.resumed.pop()  # the execution comes back to WaitForSender with a new token
            d.wait(next(tokens), status="pending")


def test_the_send_queue_holds_a_window_of_a_campaign_and_senders_ask_for_more(
    store: Store, one_per_batch: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a campaign of seven batches, and a window of two batches on the queue
    monkeypatch.setattr(start, "SEND_WINDOW", 2)
    monkeypatch.setattr(start, "REFILL_AT", 1)
    d = queued(store, people(7))

    # When it starts, then its batches are sent one by one
    d.start()
    first = [b.batch for b in d.queue.batches]
    window_seen: list[int] = []
    _drive(d, window_seen=window_seen)

    # Then only two batches were ever waiting, each batch was enqueued and mailed once, and the
    # last one resumed the execution with the totals
    assert first == [0, 1] and max(window_seen) == 2
    assert sorted(b.batch for b in d.queue.batches) == list(range(7))
    assert sorted(d.ses.recipients()) == people(7)
    assert d.resumer.resumed[-1][1]["sent"] == 7


def test_each_batch_done_tells_the_waiting_execution_the_senders_are_progressing(
    store: Store, one_per_batch: None
) -> None:
    # Given a started campaign of three batches whose wait stored its token
    d = queued(store, people(3))
    d.start()
    d.wait("token-1")

    # When the batches are sent
    for batch in list(d.queue.batches):
        d.send(batch, f"m{batch.batch}:1")

    # Then the first two sent a heartbeat (the wait counts from them) and the last resumed it
    assert d.resumer.heartbeats == ["token-1", "token-1"]
    assert [(token, output["status"]) for token, output in d.resumer.resumed] == [("token-1", "done")]


def test_a_sender_short_of_time_hands_the_rest_of_its_batch_back(store: Store) -> None:
    # Given a batch of three, and a sender whose time runs short after its first recipient
    d = queued(store, people(3))
    d.start()
    [batch] = d.queue.batches
    looks = iter([100.0])

    # When it sends the batch, then the queue brings the batch back to a sender with time
    first = d.send(batch, "m0:1", time_left=lambda: next(looks, 10.0))
    again = d.send(d.queue.batches[-1], "m0b:1")

    # Then the first sender mailed one and put the batch back; the second mailed the others, once
    assert (first, again) == ("handed_back", "done")
    assert [b.batch for b in d.queue.batches] == [0, 0]
    assert d.ses.recipients() == people(3)
    campaign = d.store.campaigns.get(d.owner, d.campaign_id)
    assert campaign is not None and (campaign.stats.sent, campaign.stats.failed) == (3, 0)


def test_a_campaign_whose_every_batch_went_out_is_sent_never_failed(store: Store) -> None:
    # Given a campaign whose senders all finished, then whose Finalize failed for good
    d = queued(store, people(2))
    d.start()
    d.send(d.queue.batches[0], "m0:1")
    error = StepError.model_validate({"Error": "Lambda.Unknown", "Cause": "Finalize timed out"})

    # When MarkFailed runs, and the execution's FAILED event arrives
    marked = finish.mark_failed(
        FailedState(owner_id=d.owner, campaign_id=d.campaign_id, execution=EXECUTION, error=error),
        campaigns=store.campaigns,
    )
    ended = ExecutionEnded.model_validate(
        {
            "executionArn": f"arn:aws:states:us-east-1:123456789012:execution:x:{EXECUTION}",
            "status": "FAILED",
            "input": json.dumps({"owner_id": d.owner, "campaign_id": d.campaign_id}),
        }
    )

    # Then the campaign is sent with the senders' counts
    assert marked["code"] == "sent" and finish.delivery_ended(ended, campaigns=store.campaigns) is False
    campaign = store.campaigns.get(d.owner, d.campaign_id)
    assert campaign is not None and (campaign.status, campaign.stats.sent, campaign.failure) == (
        "sent",
        2,
        None,
    )


def test_only_the_execution_that_started_sending_delivers_or_fails_the_campaign(store: Store) -> None:
    # Given a campaign an execution started sending
    d = queued(store, people(1))
    d.start()

    # When a second execution of it runs (a duplicate start), and is failed
    with pytest.raises(start.CampaignNotSendable):
        start.start_delivery(
            CampaignRef(owner_id=d.owner, campaign_id=d.campaign_id),
            execution="a-second-execution",
            repos=start.Freezing.of(store),
            queue=d.queue,
            settings=_settings(),
        )
    finish.mark_failed(
        FailedState(
            owner_id=d.owner, campaign_id=d.campaign_id, execution="a-second-execution", reason="dup"
        ),
        campaigns=store.campaigns,
    )

    # Then the first execution's delivery goes on untouched
    assert d.status() == "sending" and len(d.queue.batches) == 1


def _settings() -> Any:
    from app.config import get_settings

    return get_settings()


def test_the_campaign_item_does_not_grow_with_the_audience(store: Store, one_per_batch: None) -> None:
    # Given a campaign of forty batches
    d = queued(store, people(40))
    d.start()

    # When every batch is sent
    sizes = []
    for batch in list(d.queue.batches):
        d.send(batch, f"m{batch.batch}:1")
        item = store.table.get(f"OWNER#{d.owner}", f"CAMPAIGN#{d.campaign_id}")
        sizes.append(len(json.dumps(item, default=str)))

    # Then the campaign item is about as large after the last batch as after the first
    assert sorted(d.ses.recipients()) == people(40)
    assert sizes[-1] - sizes[0] < 64


def test_a_campaign_may_be_paused_a_bounded_number_of_times(store: Store) -> None:
    # Given a sending campaign
    d = queued(store, people(1))
    d.start()

    # When it is paused and resumed twenty times, then paused again
    for _ in range(20):
        pause.pause(d.owner, d.campaign_id, campaigns=store.campaigns, resumer=d.resumer, correlation_id=None)
        d.resume()
    with pytest.raises(pause.PauseLimitReached):
        pause.pause(d.owner, d.campaign_id, campaigns=store.campaigns, resumer=d.resumer, correlation_id=None)

    # Then it goes on sending, its timeline bounded
    campaign = store.campaigns.get(d.owner, d.campaign_id)
    assert campaign is not None and campaign.status == "sending" and len(campaign.timeline) == 43


@pytest.fixture
def send_queue() -> Iterator[SqsBatchQueue]:
    """A standard queue of its own on the embedded cloud."""
    sqs = aws.sqs()
    url = sqs.create_queue(QueueName=f"herald-fairness-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    try:
        yield SqsBatchQueue(sqs, url)
    finally:
        sqs.delete_queue(QueueUrl=url)


def test_every_send_queue_message_names_its_tenant_as_its_message_group(send_queue: SqsBatchQueue) -> None:
    # Given batches of two tenants
    batches = [
        SendBatch(owner_id=owner, campaign_id="c", batch=0, emails=["a@example.com"]) for owner in "ab"
    ]

    # When they are enqueued
    send_queue.enqueue(batches)

    # Then each message carries its tenant as MessageGroupId (what makes SQS share fairly)
    received = send_queue.sqs.receive_message(
        QueueUrl=send_queue.url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["MessageGroupId"]
    )["Messages"]
    groups = {
        json.loads(m["Body"])["owner_id"]: m.get("Attributes", {}).get("MessageGroupId") for m in received
    }
    assert groups == {"a": "a", "b": "b"}


def test_a_small_campaign_is_not_queued_behind_all_of_a_big_one(
    store: Store, one_per_batch: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a window of three batches, a tenant's campaign of thirty, and another tenant's of one,
    # on the same send queue
    monkeypatch.setattr(start, "SEND_WINDOW", 3)
    big, small = queued(store, people(30, "big")), queued(store, people(1, "small"))
    small.queue = big.queue

    # When the big one starts first, then the small one
    big.start()
    small.start()

    # Then the small one's batch waits behind three of the big one's, not thirty
    owners = [b.owner_id for b in big.queue.batches]
    assert owners == [big.owner] * 3 + [small.owner]


def test_a_retried_send_never_counts_a_batch_twice(store: Store) -> None:
    # Given a batch that was sent and counted
    d = queued(store, people(2))
    d.start()
    d.send(d.queue.batches[0], "m0:1")

    # When SQS delivers it again (at-least-once), twice
    outcomes = [d.send(d.queue.batches[0], "m0:2"), d.send(d.queue.batches[0], "m0:3")]

    # Then nobody is mailed twice and the campaign counts each recipient once
    assert outcomes == ["counted", "counted"] and d.ses.recipients() == people(2)
    campaign = store.campaigns.get_record(d.owner, d.campaign_id, consistent=True)
    assert campaign is not None and (campaign.batches_done, campaign.stats.sent) == (1, 2)
    assert send.SENT_RECORD_GROUP > 0


def test_a_campaign_may_be_scheduled_a_bounded_number_of_times(store: Store) -> None:
    from app.campaigns import service
    from app.campaigns.models import ScheduleRequest
    from app.errors import Conflict

    # Given a draft, and a time to send it
    d = queued(store, people(1))
    store.campaigns.update(d.owner, d.campaign_id, allowed=("queued",), to="draft")
    launcher = FakeLauncher()
    when = ScheduleRequest(send_at=datetime.now(UTC) + timedelta(days=1))

    # When it is scheduled and cancelled twenty times, then scheduled again
    for _ in range(20):
        kwargs: dict[str, Any] = {"repo": store.campaigns, "launcher": launcher, "correlation_id": None}
        service.schedule(d.owner, d.campaign_id, when, lists=store.lists, **kwargs)
        service.cancel_schedule(d.owner, d.campaign_id, **kwargs)
    with pytest.raises(Conflict) as refused:
        service.schedule(
            d.owner,
            d.campaign_id,
            when,
            repo=store.campaigns,
            lists=store.lists,
            launcher=launcher,
            correlation_id=None,
        )

    # Then it is refused (the campaign stays a draft, its timeline bounded)
    assert refused.value.code == "schedule_limit_reached"
    campaign = store.campaigns.get(d.owner, d.campaign_id)
    assert campaign is not None and campaign.status == "draft" and len(campaign.timeline) == 43


def test_a_segment_over_all_lists_is_frozen_page_by_page_each_address_once_with_its_lists_opt_outs(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.contacts.models import NewSubscriber
    from app.segments.models import Rule
    from tests.factories import draft, list_with, owner_id

    # Given two lists that share b@ and c@, a segment over all lists (plan: pro), and pages of two
    monkeypatch.setattr(start, "AUDIENCE_PAGE", 2)
    owner = owner_id()
    first, second = list_with(store, owner, []), list_with(store, owner, [])
    pro = {"plan": "pro"}
    for list_id, emails in ((first, "abc"), (second, "bcde")):
        store.subscribers.put_many(
            owner,
            list_id,
            [NewSubscriber(email=f"{e}@x.test", attributes=pro if e != "e" else {}) for e in emails],
        )
    rule = Rule.model_validate(
        {"conditions": [{"field": "attribute", "key": "plan", "op": "equals", "value": "pro"}]}
    )
    segment = store.segments.create(owner, "s" * 28, name="Pro", list_id=None, rule=rule)
    campaign_id = draft(store, owner, first, segment_id=segment.id)
    assert store.campaigns.update(owner, campaign_id, allowed=("draft",), to="queued") is not None
    d = Delivery(store, owner, first, campaign_id, *_stand_ins())

    # and a run that dies after writing a page of the second list, before counting it
    real = store.campaigns.advance_freeze
    calls = iter(range(100))

    def dies_on_the_third_page(*args: Any, **kwargs: Any) -> Any:
        if next(calls) == 2:
            raise RuntimeError("the invocation died")
        return real(*args, **kwargs)

    monkeypatch.setattr(store.campaigns, "advance_freeze", dies_on_the_third_page)
    with pytest.raises(RuntimeError):
        d.start()
    state = d.start()

    # When d@ leaves the second list after the freeze, and every batch is sent
    assert store.subscribers.update(
        owner, second, "d@x.test", status="unsubscribed", suppress=None, correlation_id=None
    )
    window: list[int] = []
    _drive(d, window_seen=window)

    # Then each pro address was frozen once (b@ and c@ from the list read first), b@ and c@ were
    # mailed once, the second list's d@ was held back by that list's opt-out, e@ never chosen
    assert state.status == "started" and state.recipients == 4
    assert sorted(d.ses.recipients()) == ["a@x.test", "b@x.test", "c@x.test"]
    d_recipient = store.recipients.get(owner, campaign_id, "d@x.test")
    assert d_recipient is not None and d_recipient.list_id == second
    assert d_recipient.status == "failed" and "unsubscribed" in (d_recipient.reason or "")
    read_first = [found.id for found in store.lists.all(owner)][0]
    for shared in ("b@x.test", "c@x.test"):
        recipient = store.recipients.get(owner, campaign_id, shared)
        assert recipient is not None and recipient.list_id == read_first


def _stand_ins() -> tuple[Any, Any, Any]:
    from tests.helpers import FakeQueue, FakeResumer, FakeSes

    return FakeQueue(), FakeResumer(), FakeSes()
