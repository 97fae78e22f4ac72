"""Transactional send and its feedback against a table of their own, with a stand-in for SES.

What the API tests cannot make SES do: refuse (throttling, a rejection) or leave the outcome
unknown; and each SES event's effect on a message's status and on the suppression list.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from app.config import Settings
from app.delivery import feedback
from app.delivery.models import SesEvent
from app.errors import Conflict, InvalidInput, TooManyRequests
from app.store import Store
from app.transactional.feedback import MessageNotSentYet
from tests.factories import owner_id
from tests.helpers import FakeSes, send_transactional

SETTINGS = Settings(transactional_rate_per_second=300, transactional_sends_per_hour=1000)


class RefusingSes(FakeSes):
    """SES that answers each call with the next of `failures` (an exception), then accepts."""

    def __init__(self, *failures: Exception) -> None:
        super().__init__()
        self.failures = list(failures)
        self.calls = 0

    def send_email(self, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return super().send_email(**kwargs)


def ses_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": f"{code} here"}}, "SendEmail")


def send(
    store: Store, owner: str, ses: FakeSes, *, key: str | None = "k-1", to: str = "ada@example.com"
) -> Any:
    return send_transactional(store, owner, ses, key=key, to=to, settings=SETTINGS)


def test_ses_throttling_frees_the_key_so_the_retry_sends(store: Store) -> None:
    # Given SES throttling the first call
    owner, ses = owner_id(), RefusingSes(ses_error("TooManyRequestsException"))

    # When the message is sent, and retried with the same key
    with pytest.raises(TooManyRequests) as refused:
        send(store, owner, ses)
    retried = send(store, owner, ses)

    # Then the retry is a new message that went out; the first is recorded as failed
    assert refused.value.retry_after == 1 and not retried.replayed
    assert retried.message.status == "sent" and ses.recipients() == ["ada@example.com"]
    statuses = [m.status for m in store.tx_messages.page(owner, limit=10, start_sk=None)[0]]
    assert statuses == ["sent", "failed"]


def test_a_rejected_message_is_failed_and_its_retry_is_not_sent_again(store: Store) -> None:
    # Given SES rejecting the message
    owner, ses = owner_id(), RefusingSes(ses_error("MessageRejected"))

    # When it is sent, and retried with the same key
    with pytest.raises(InvalidInput) as first:
        send(store, owner, ses)
    with pytest.raises(InvalidInput) as retry:
        send(store, owner, ses)

    # Then both answers say message_rejected for the same message; SES was called once
    assert first.value.code == retry.value.code == "message_rejected"
    assert first.value.details == retry.value.details
    assert ses.calls == 1 and ses.sent == []


def test_an_unknown_outcome_is_never_sent_again(store: Store) -> None:
    # Given the call to SES failing without an answer (a dropped connection)
    owner, ses = owner_id(), RefusingSes(ConnectionError("reset by peer"))

    # When it is sent, and retried with the same key
    with pytest.raises(ConnectionError):
        send(store, owner, ses)
    retry = send(store, owner, ses)

    # Then the retry answers the message as queued, without calling SES again
    assert retry.replayed and retry.message.status == "queued"
    assert ses.calls == 1


def event(kind: str, owner: str, message_id: str, to: str, **part: Any) -> SesEvent:
    mail = {"messageId": "ses-1", "destination": [to], "tags": {"owner": [owner], "tx": [message_id]}}
    return SesEvent.model_validate({"eventType": kind, "mail": mail, **part})


def bounce(kind: str, to: str) -> dict[str, Any]:
    return {
        "bounce": {
            "bounceType": kind,
            "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": to}],
        }
    }


@pytest.fixture
def kit(store: Store) -> feedback.FeedbackKit:
    return feedback.FeedbackKit(
        campaigns=store.campaigns,
        recipients=store.recipients,
        subscribers=store.subscribers,
        suppressions=store.suppressions,
        engagement=store.engagement,
        soft_bounce_limit=2,
        messages=store.tx_messages,
    )


def test_events_move_a_messages_status_forward_only(store: Store, kit: feedback.FeedbackKit) -> None:
    # Given a message that was sent
    owner = owner_id()
    sent = send(store, owner, FakeSes(), key=None).message

    # When SES reports a delivery, a click, then (late) the open and the delivery again
    for kind in ("Delivery", "Click", "Open", "Delivery"):
        feedback.apply_ses_event(event(kind, owner, sent.id, sent.to), kit=kit)

    # Then the message is clicked, and no campaign was counted
    assert store.tx_messages.get(owner, sent.id).status == "clicked"  # type: ignore[union-attr]
    assert kit.counted == {}


def test_a_complaint_or_a_permanent_bounce_suppresses_the_address(
    store: Store, kit: feedback.FeedbackKit
) -> None:
    # Given two messages sent
    owner = owner_id()
    first = send(store, owner, FakeSes(), key=None, to="a@example.com").message
    second = send(store, owner, FakeSes(), key=None, to="b@example.com").message

    # When one bounces for good and the other is complained about
    bounced = feedback.apply_ses_event(
        event("Bounce", owner, first.id, first.to, **bounce("Permanent", first.to)), kit=kit
    )
    complaint = {"complaint": {"complainedRecipients": [{"emailAddress": second.to}]}}
    complained = feedback.apply_ses_event(
        event("Complaint", owner, second.id, second.to, **complaint), kit=kit
    )

    # Then each message has that status, with the bounce's reason, and both addresses are suppressed
    assert bounced == [f"{first.id}:bounced", "a@example.com:suppressed"]
    assert complained == [f"{second.id}:complained", "b@example.com:suppressed"]
    assert store.tx_messages.get(owner, first.id).reason == "Permanent/General"  # type: ignore[union-attr]
    assert store.suppressions.suppressed_among(owner, ["a@example.com", "b@example.com"]) == {
        "a@example.com",
        "b@example.com",
    }
    with pytest.raises(Conflict) as again:
        send(store, owner, FakeSes(), key=None, to="a@example.com")
    assert again.value.code == "suppressed"


def test_soft_bounces_suppress_past_the_limit(store: Store, kit: feedback.FeedbackKit) -> None:
    owner = owner_id()
    messages = [send(store, owner, FakeSes(), key=None, to="soft@example.com").message for _ in range(2)]

    # When both bounce softly (the first twice: a replay)
    changes = [
        feedback.apply_ses_event(event("Bounce", owner, m.id, m.to, **bounce("Transient", m.to)), kit=kit)
        for m in (messages[0], messages[0], messages[1])
    ]

    # Then the replay counted nothing, and the second bounce reached the limit of two
    assert changes == [
        [f"{messages[0].id}:bounced"],
        [],
        [f"{messages[1].id}:bounced", "soft@example.com:suppressed"],
    ]


def test_an_event_before_the_send_is_recorded_is_retried(store: Store, kit: feedback.FeedbackKit) -> None:
    # Given a message claimed but not yet recorded as sent (SES answered, the API has not written it)
    owner = owner_id()
    claimed = store.tx_messages.claim(
        owner,
        "0" * 28,
        to="early@example.com",
        subject="S",
        template_id=None,
        client_key=None,
        fingerprint="f",
        correlation_id=None,
    )
    assert claimed is not None

    # When its delivery arrives, then the record fails (to be retried), and the status is kept
    with pytest.raises(MessageNotSentYet):
        feedback.apply_ses_event(event("Delivery", owner, claimed.id, claimed.to), kit=kit)
    assert store.tx_messages.get(owner, claimed.id).status == "queued"  # type: ignore[union-attr]
