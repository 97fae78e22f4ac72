"""Delivery under faults: SES throttling, a crash mid-batch, the wait timing out, the pending loop,
a lost start, a throttled step, a send longer than the wait."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from fastapi.testclient import TestClient

from app.campaigns import launch
from app.config import get_settings
from app.delivery import finish, sender
from app.delivery import send as senders
from app.delivery import start as starting
from localcloud.cloud import EmbeddedCloud
from tests.factories import (
    new_campaign,
    owner_with_audience,
    sent_campaign,
)
from tests.helpers import campaign_mail, settings_from, sfn, state_names, wait_for_status


def test_throttled_sends_are_retried_and_each_recipient_is_mailed_once(
    cloud: EmbeddedCloud, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given SES throttles the 2nd and 4th send of the campaign once each
    headers, list_id, emails = owner_with_audience(client, 6, prefix="faults")
    real = sender.send
    calls: list[str] = []

    def throttling(message: sender.Message, **kwargs: Any) -> str:
        calls.append(message.to)
        if len(calls) in (2, 4):
            raise ClientError(
                {"Error": {"Code": "TooManyRequestsException", "Message": "slow down"}}, "SendEmail"
            )
        return real(message, **kwargs)

    monkeypatch.setattr(sender, "send", throttling)

    # When the campaign is sent
    campaign_id = sent_campaign(client, headers, list_id)
    final = wait_for_status(client, headers, campaign_id, {"sent", "failed"})

    # Then the batch came back after each throttle, and every recipient got exactly one message
    assert final["status"] == "sent", final
    assert len(calls) == 8
    assert Counter(to for m in campaign_mail(cloud, campaign_id) for to in m["to"]) == Counter(emails)
    assert (final["stats"]["sent"], final["stats"]["failed"]) == (6, 0)


def test_a_sender_crashing_mid_batch_never_mails_anyone_twice(
    cloud: EmbeddedCloud, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the sender process dies right after SES accepted the 3rd message of the batch
    headers, list_id, emails = owner_with_audience(client, 6, prefix="faults")
    real = sender.send
    calls: list[str] = []

    def crashing(message: sender.Message, **kwargs: Any) -> str:
        calls.append(message.to)
        message_id = real(message, **kwargs)
        if len(calls) == 3:
            raise SystemExit(137)  # the runtime dies: nothing after this line runs
        return message_id

    monkeypatch.setattr(sender, "send", crashing)

    # When the campaign is sent (SQS redelivers the batch)
    campaign_id = sent_campaign(client, headers, list_id)
    final = wait_for_status(client, headers, campaign_id, {"sent", "failed"})

    # Then nobody got two messages; the one whose send was never recorded counts failed (interrupted)
    assert final["status"] == "sent", final
    mailed = Counter(to for m in campaign_mail(cloud, campaign_id) for to in m["to"])
    assert mailed == Counter(emails)
    assert (final["stats"]["sent"], final["stats"]["failed"]) == (5, 1)
    recipients = client.get(f"/api/campaigns/{campaign_id}/recipients", headers=headers).json()["items"]
    assert [(r["email"], r["reason"]) for r in recipients if r["status"] == "failed"] == [
        (calls[2], "interrupted")
    ]


@pytest.fixture
def short_wait(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The WaitForSender step times out after 2 s."""
    yield from settings_from(monkeypatch, SENDER_TIMEOUT_SECONDS="2")


def test_a_wait_that_times_out_fails_the_campaign_with_a_clear_reason(
    cloud: EmbeddedCloud, client: TestClient, monkeypatch: pytest.MonkeyPatch, short_wait: None
) -> None:
    # Given senders that never finish a batch
    headers, list_id, _ = owner_with_audience(client, 2, prefix="faults")
    monkeypatch.setattr(senders, "send_batch", lambda *_args, **_kwargs: "skipped")

    # When the campaign is sent
    campaign_id = sent_campaign(client, headers, list_id)
    final = wait_for_status(client, headers, campaign_id, {"sent", "failed"})

    # Then the task token times out and MarkFailed records why
    assert final["status"] == "failed", final
    assert final["failure"]["code"] == "sender_timeout"
    assert "did not finish within 2 seconds" in final["failure"]["message"]
    assert state_names(cloud, campaign_id) == [
        "StartDelivery",
        "AudienceFrozen?",
        "WaitForSender",
        "MarkFailed",
        "Failed",
    ]
    # the execution's FAILED event comes after: the reason MarkFailed wrote stays
    assert cloud.wait_idle(15)
    again = client.get(f"/api/campaigns/{campaign_id}", headers=headers).json()
    assert again["failure"]["code"] == "sender_timeout"


def test_a_pending_resume_loops_back_to_the_wait_then_completes(
    cloud: EmbeddedCloud, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given senders held back (their batch keeps coming back) until we let them go
    headers, list_id, emails = owner_with_audience(client, 3, prefix="faults")
    real = senders.send_batch
    released = {"go": False}

    def held(batch: Any, attempt: str, *, kit: senders.SenderKit, last_try: bool = False) -> str:
        if not released["go"]:
            raise senders.RetryBatch("held by the test")
        return real(batch, attempt, kit=kit, last_try=last_try)

    monkeypatch.setattr(senders, "send_batch", held)
    owner_id = client.get("/api/me", headers=headers).json()["id"]
    campaign_id = sent_campaign(client, headers, list_id)
    token = token_of(owner_id, campaign_id)

    # When the execution is resumed with status "pending" (senders still busy)
    output = {
        "owner_id": owner_id,
        "campaign_id": campaign_id,
        "status": "pending",
        "wait_timeout_seconds": 60,
    }
    sfn(cloud).send_task_success(taskToken=token, output=json.dumps(output))
    second = token_of(owner_id, campaign_id, not_this=token)
    released["go"] = True

    # Then the Choice went back to the wait, and the real completion finalized the campaign
    final = wait_for_status(client, headers, campaign_id, {"sent", "failed"})
    assert final["status"] == "sent" and second != token
    assert state_names(cloud, campaign_id) == [
        "StartDelivery",
        "AudienceFrozen?",
        "WaitForSender",
        "SendersDone?",
        "WaitForSender",
        "SendersDone?",
        "Finalize",
        "SubscribersUpdated?",
        "Sent",
    ]
    assert Counter(to for m in campaign_mail(cloud, campaign_id) for to in m["to"]) == Counter(emails)


def token_of(owner_id: str, campaign_id: str, not_this: str | None = None) -> str:
    """The task token stored on the campaign (waits for a new one)."""
    from app.store import Store

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        record = Store.default().campaigns.get_record(owner_id, campaign_id, consistent=True)
        token = record.task_token if record else None
        if token and token != not_this:
            return token
        time.sleep(0.05)
    raise AssertionError("no task token was stored")


def test_a_paused_campaign_sends_nothing_until_resumed_then_mails_everyone_once(
    cloud: EmbeddedCloud, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a campaign whose senders are held back while it starts
    headers, list_id, emails = owner_with_audience(client, 4, prefix="faults")
    real = senders.send_batch
    released = {"go": False}

    def held(batch: Any, attempt: str, *, kit: senders.SenderKit, last_try: bool = False) -> str:
        if not released["go"]:
            raise senders.RetryBatch("held by the test")
        return real(batch, attempt, kit=kit, last_try=last_try)

    monkeypatch.setattr(senders, "send_batch", held)
    owner_id = client.get("/api/me", headers=headers).json()["id"]
    campaign_id = sent_campaign(client, headers, list_id)
    first = token_of(owner_id, campaign_id)

    # When it is paused, and the senders then get its batches
    paused = client.post(f"/api/campaigns/{campaign_id}/pause", headers=headers)
    assert paused.status_code == 200, paused.text
    assert paused.json()["status"] == "paused"
    token_of(owner_id, campaign_id, not_this=first)  # the execution went round to a long wait
    released["go"] = True
    assert cloud.wait_idle(15)

    # Then nothing went out, and it stays paused (a second pause is refused)
    assert campaign_mail(cloud, campaign_id) == []
    assert client.get(f"/api/campaigns/{campaign_id}", headers=headers).json()["status"] == "paused"
    again = client.post(f"/api/campaigns/{campaign_id}/pause", headers=headers)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "campaign_not_sending")

    # When it is resumed
    resumed = client.post(f"/api/campaigns/{campaign_id}/resume", headers=headers)
    assert resumed.status_code == 200, resumed.text
    final = wait_for_status(client, headers, campaign_id, {"sent", "failed"})

    # Then every recipient got exactly one message and the execution looped through its wait
    assert final["status"] == "sent", final
    assert Counter(to for m in campaign_mail(cloud, campaign_id) for to in m["to"]) == Counter(emails)
    assert final["stats"]["sent"] == 4
    states = state_names(cloud, campaign_id)
    assert states[:6] == [
        "StartDelivery",
        "AudienceFrozen?",
        "WaitForSender",
        "SendersDone?",
        "WaitForSender",
        "SendersDone?",
    ]
    # Resume requeues the parked batches, then sends the execution round to a third wait. The
    # senders may finish first: the last batch then completes the long wait's token itself
    # (resume's SendTaskSuccess on it is stale, and says so), so a third wait is optional.
    assert states[6:] in (
        ["WaitForSender", "SendersDone?", "Finalize", "SubscribersUpdated?", "Sent"],
        ["Finalize", "SubscribersUpdated?", "Sent"],
    ), states
    assert [t["status"] for t in final["timeline"]][-4:] == ["sending", "paused", "sending", "sent"]


def test_finalize_updates_subscribers_a_page_at_a_time_and_recounts_the_stats(
    cloud: EmbeddedCloud, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given Finalize takes two recipients per run, and a campaign to five subscribers
    monkeypatch.setattr(finish, "FINALIZE_PAGE", 2)
    headers, list_id, emails = owner_with_audience(client, 5, prefix="faults")

    # When the campaign is sent
    campaign_id = sent_campaign(client, headers, list_id)
    final = wait_for_status(client, headers, campaign_id, {"sent", "failed"})

    # Then Finalize looped over three pages before the campaign became sent
    assert final["status"] == "sent", final
    states = state_names(cloud, campaign_id)
    assert states.count("Finalize") == 3 and states[-1] == "Sent"
    assert (final["stats"]["sent"], final["stats"]["failed"]) == (5, 0)

    # And every subscriber counts the campaign once
    for email in emails:
        member = client.get(f"/api/lists/{list_id}/subscribers/{email}", headers=headers).json()
        assert member["campaigns_received"] == 1, member


def test_an_execution_stopped_by_hand_fails_its_campaign_with_the_reason(
    cloud: EmbeddedCloud, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a campaign waiting on senders that are held back
    headers, list_id, _ = owner_with_audience(client, 2, prefix="faults")
    monkeypatch.setattr(senders, "send_batch", _held_forever)
    owner_id = client.get("/api/me", headers=headers).json()["id"]
    campaign_id = sent_campaign(client, headers, list_id)
    token_of(owner_id, campaign_id)

    # When an operator stops its execution
    arn = (get_settings().state_machine_arn or "").replace(
        ":stateMachine:", ":execution:"
    ) + f":{campaign_id}"
    sfn(cloud).stop_execution(executionArn=arn, error="Operator", cause="stopped by hand")

    # Then Step Functions' status-change event fails the campaign, saying why
    final = wait_for_status(client, headers, campaign_id, {"failed", "sent"})
    assert final["status"] == "failed", final
    assert final["failure"]["code"] == "delivery_aborted"
    assert "stopped by hand" in final["failure"]["message"]


def _held_forever(*_args: Any, **_kwargs: Any) -> str:
    raise senders.RetryBatch("held by the test")


def test_a_start_whose_answer_was_lost_is_adopted_and_the_campaign_sent_once(
    cloud: EmbeddedCloud, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given Step Functions whose answer to the first StartExecution is lost (the execution started)
    headers, list_id, emails = owner_with_audience(client, 2, prefix="faults")
    real = launch.StepFunctionsLauncher._start
    lost = {"once": True}

    def answer_lost(self: launch.StepFunctionsLauncher, name: str, payload: str) -> str:
        arn = real(self, name, payload)
        if lost.pop("once", False):
            raise EndpointConnectionError(endpoint_url="https://states.us-east-1.amazonaws.com")
        return arn

    monkeypatch.setattr(launch.StepFunctionsLauncher, "_start", answer_lost)

    # When the campaign is sent
    campaign_id = new_campaign(client, headers, list_id)
    sent = client.post(f"/api/campaigns/{campaign_id}/send", headers=headers)

    # Then the running execution is adopted (not a 503 and a campaign stuck in draft), and it is sent once
    assert sent.status_code == 202, sent.text
    final = wait_for_status(client, headers, campaign_id, {"sent", "failed"})
    assert final["status"] == "sent", final
    assert Counter(to for m in campaign_mail(cloud, campaign_id) for to in m["to"]) == Counter(emails)


def test_a_passing_failure_in_a_step_is_retried_and_the_campaign_sent(
    cloud: EmbeddedCloud, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given DynamoDB throttling StartDelivery's first run
    headers, list_id, emails = owner_with_audience(client, 2, prefix="faults")
    real = starting.start_delivery
    throttled = {"once": True}

    def throttling(*args: Any, **kwargs: Any) -> Any:
        if throttled.pop("once", False):
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "Query"
            )
        return real(*args, **kwargs)

    monkeypatch.setattr(starting, "start_delivery", throttling)

    # When the campaign is sent
    campaign_id = sent_campaign(client, headers, list_id)
    final = wait_for_status(client, headers, campaign_id, {"sent", "failed"})

    # Then the state machine retried the step (not MarkFailed), and everyone got one message
    assert final["status"] == "sent", final
    assert "MarkFailed" not in state_names(cloud, campaign_id) and not throttled
    assert Counter(to for m in campaign_mail(cloud, campaign_id) for to in m["to"]) == Counter(emails)


def test_a_send_longer_than_the_wait_finishes_while_batches_progress(
    cloud: EmbeddedCloud, client: TestClient, monkeypatch: pytest.MonkeyPatch, short_wait: None
) -> None:
    # Given eight batches of one recipient, each taking half a second to send, and a wait of 2 s
    monkeypatch.setattr(starting, "BATCH_SIZE", 1)
    headers, list_id, emails = owner_with_audience(client, 8, prefix="faults")
    real = senders.send_batch

    def slow(batch: Any, attempt: str, *, kit: senders.SenderKit, last_try: bool = False) -> str:
        time.sleep(0.5)
        return real(batch, attempt, kit=kit, last_try=last_try)

    monkeypatch.setattr(senders, "send_batch", slow)

    # When the campaign is sent (four seconds of sending, twice the wait)
    campaign_id = sent_campaign(client, headers, list_id)
    final = wait_for_status(client, headers, campaign_id, {"sent", "failed"})

    # Then each batch done kept the wait alive, and the campaign was sent to everyone
    assert final["status"] == "sent", final
    assert Counter(to for m in campaign_mail(cloud, campaign_id) for to in m["to"]) == Counter(emails)
