"""The SES mailbox simulator locally: which events each address produces, in SES's shape."""

from __future__ import annotations

from typing import Any, cast

from localcloud.dispatch import Write
from localcloud.pollers import Activity
from localcloud.services.ses.feedback import FeedbackPoller, ses_event, simulated_outcome
from localcloud.services.ses.records import SentMail


def test_simulator_addresses_decide_the_events() -> None:
    assert simulated_outcome("success@simulator.amazonses.com") == [("Delivery", None)]
    assert simulated_outcome("bounce+x@simulator.amazonses.com") == [("Bounce", "General")]
    assert simulated_outcome("complaint@simulator.amazonses.com") == [("Delivery", None), ("Complaint", None)]
    assert simulated_outcome("suppressionlist@simulator.amazonses.com") == [
        ("Bounce", "OnAccountSuppressionList")
    ]
    assert simulated_outcome("bounce@example.com") == [("Delivery", None)]


def test_events_carry_the_message_id_tags_and_recipient() -> None:
    mail = SentMail(
        message_id="m-1",
        source="News <news@example.com>",
        destinations=["bounce@simulator.amazonses.com"],
        subject="Hi",
        tags={"campaign": "c1"},
        configuration_set="herald-local",
    )
    event = ses_event(mail, "bounce@simulator.amazonses.com", "Bounce", "General", "123456789012")
    assert event["eventType"] == "Bounce" and event["mail"]["messageId"] == "m-1"
    assert event["mail"]["tags"]["campaign"] == ["c1"]
    assert event["mail"]["tags"]["ses:configuration-set"] == ["herald-local"]
    assert event["bounce"]["bounceType"] == "Permanent"
    assert event["bounce"]["bouncedRecipients"][0]["emailAddress"] == "bounce@simulator.amazonses.com"


def _poller() -> FeedbackPoller:
    nothing = cast(Any, None)
    return FeedbackPoller(
        configuration_set="herald-local",
        topic_arn="arn:topic",
        event_types=frozenset({"delivery"}),
        clients=nothing,
        capture=nothing,
        checkpoints=nothing,
        state_lock=nothing,
        account_id="123456789012",
        activity=Activity(),
        wake=lambda _write: None,
    )


def test_a_send_wakes_an_idle_feedback_poller() -> None:
    assert _poller().wakes_on(Write("ses"))
    assert not _poller().wakes_on(Write("dynamodb"))


def test_sends_while_mail_waits_to_be_due_do_not_wake_the_poller() -> None:
    # Given a poller whose oldest unpublished mail is not due yet (it polls again shortly anyway)
    poller = _poller()
    poller._waiting = True

    # Then a campaign's further sends do not each wake it (none can be due sooner)
    assert poller.pending() and not poller.wakes_on(Write("ses"))
