"""Opt-outs win races: whoever opts out after the audience was frozen is not mailed, feedback always
suppresses, and one recipient's costly template fails that recipient only.

Each test here fails on the code that checked opt-outs only when freezing the audience, applied a
complaint or bounce only to a `sent`/`delivered` recipient, and rendered templates unbounded.
"""

from __future__ import annotations

import pytest

from app.contacts.models import NewSubscriber, SuppressionEntry
from app.delivery import feedback, pause
from app.delivery.models import SesEvent
from app.store import Store
from tests.helpers import Delivery, queued


def recipient_status(d: Delivery, email: str) -> tuple[str, str | None]:
    """(status, reason) of one recipient."""
    recipient = d.store.recipients.get(d.owner, d.campaign_id, email)
    assert recipient is not None
    return recipient.status, recipient.reason


def test_someone_who_unsubscribes_while_the_campaign_is_paused_is_not_mailed_after_the_resume(
    store: Store,
) -> None:
    # Given a campaign paused before its batch was sent
    d = queued(store, ["a@example.com", "b@example.com"])
    d.start()
    d.wait("token-1")
    pause.pause(d.owner, d.campaign_id, campaigns=d.store.campaigns, resumer=d.resumer, correlation_id=None)
    parked = d.send(d.queue.batches[0], "m0:1")

    # When one subscriber unsubscribes during the pause, and the campaign is resumed and sent
    d.store.subscribers.update(
        d.owner, d.list_id, "b@example.com", status="unsubscribed", suppress=None, correlation_id=None
    )
    d.resume()
    d.send(d.queue.batches[-1], "m0:2")

    # Then only the other one is mailed; the one who left counts failed, saying why
    assert parked == "skipped" and d.ses.recipients() == ["a@example.com"]
    assert recipient_status(d, "b@example.com") == ("failed", "opted_out: unsubscribed")
    campaign = d.store.campaigns.get(d.owner, d.campaign_id)
    assert campaign is not None and (campaign.stats.sent, campaign.stats.failed) == (1, 1)


def test_an_address_suppressed_or_removed_after_the_freeze_is_not_mailed(store: Store) -> None:
    # Given a frozen audience of three
    d = queued(store, ["a@example.com", "b@example.com", "c@example.com"])
    d.start()

    # When one address is suppressed and another removed from the list before their batch is sent
    d.store.suppressions.add(d.owner, "b@example.com", SuppressionEntry(reason="manual", source="api"))
    assert d.store.subscribers.remove(d.owner, d.list_id, "c@example.com") is None
    d.send(d.queue.batches[0], "m0:1")

    # Then only the first is mailed, and the others say why they were not
    assert d.ses.recipients() == ["a@example.com"]
    assert recipient_status(d, "b@example.com") == ("failed", "opted_out: suppressed (manual)")
    assert recipient_status(d, "c@example.com") == ("failed", "opted_out: removed from the list")


def _event(d: Delivery, kind: str, email: str, **body: object) -> SesEvent:
    tags = {"owner": [d.owner], "campaign": [d.campaign_id]}
    return SesEvent.model_validate({"eventType": kind, "mail": {"messageId": "m", "tags": tags}, **body})


def _kit(d: Delivery) -> feedback.FeedbackKit:
    return d.feedback()


def test_a_complaint_or_hard_bounce_suppresses_the_address_whatever_its_recipient_state(store: Store) -> None:
    # Given a sent campaign: one recipient then failed (its send was interrupted after SES took it),
    # one unsubscribed through the message's link
    d = queued(store, ["failed@example.com", "left@example.com"])
    d.start()
    d.send(d.queue.batches[0], "m0:1")
    d.store.recipients.transition(
        d.owner, d.campaign_id, "failed@example.com", allowed=("sent",), to="failed"
    )
    d.store.recipients.transition(
        d.owner, d.campaign_id, "left@example.com", allowed=("sent",), to="unsubscribed"
    )
    bounce = {
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": "failed@example.com"}],
        }
    }
    complaint = {"complaint": {"complainedRecipients": [{"emailAddress": "left@example.com"}]}}

    # When SES reports a hard bounce for the first and a complaint about the second
    kit = _kit(d)
    changes = feedback.apply_ses_event(_event(d, "Bounce", "failed@example.com", **bounce), kit=kit)
    changes += feedback.apply_ses_event(_event(d, "Complaint", "left@example.com", **complaint), kit=kit)

    # Then both addresses are suppressed (their recipients keep their status)
    assert changes == ["failed@example.com:suppressed", "left@example.com:suppressed"]
    for email, reason in (("failed@example.com", "bounced"), ("left@example.com", "complained")):
        entry = d.store.suppressions.get(d.owner, email)
        assert entry is not None and entry.reason == reason
        subscriber = d.store.subscribers.get(d.owner, d.list_id, email)
        assert subscriber is not None and subscriber.status == reason


def test_a_complaint_about_a_deleted_campaigns_mail_still_suppresses_the_address(store: Store) -> None:
    # Given a campaign whose recipients are gone (it was deleted after it was sent)
    d = queued(store, ["a@example.com"])
    complaint = {"complaint": {"complainedRecipients": [{"emailAddress": "a@example.com"}]}}

    # When SES reports a complaint about it
    changes = feedback.apply_ses_event(_event(d, "Complaint", "a@example.com", **complaint), kit=_kit(d))

    # Then the address is suppressed account-wide
    entry = d.store.suppressions.get(d.owner, "a@example.com")
    assert changes == ["a@example.com:suppressed"]
    assert entry is not None and (entry.reason, entry.source) == ("complained", f"campaign:{d.campaign_id}")


COSTLY = (
    "{% for i in range(100) %}{% for j in range(100) %}{% for k in range(100) %}"
    "{% endfor %}{% endfor %}{% endfor %}"
)


@pytest.mark.parametrize(
    "costly, reason",
    [
        (COSTLY, "too costly to render"),
        ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "calls itself too deeply"),
    ],
    ids=["loops", "recursion"],
)
def test_a_costly_template_branch_fails_only_the_recipient_it_runs_for(
    store: Store, costly: str, reason: str
) -> None:
    # Given a campaign whose costly part runs only for subscribers on a plan, to one of each
    d = queued(
        store,
        ["plain@example.com"],
        html_body="{% if subscriber.attributes.plan %}" + costly + "{% endif %}<p>Hi</p>",
    )
    added = d.store.subscribers.add(
        d.owner,
        d.list_id,
        NewSubscriber(email="gold@example.com", attributes={"plan": "gold"}),
        suppress=None,
    )
    assert not isinstance(added, str)
    d.start()

    # When their batch is sent
    outcome = d.send(d.queue.batches[0], "m0:1")

    # Then the plain one is mailed; the one on a plan fails with the reason (not `interrupted`)
    assert outcome == "done" and d.ses.recipients() == ["plain@example.com"]
    status, why = recipient_status(d, "gold@example.com")
    assert (
        status == "failed" and why is not None and why.startswith("render_error: html_body") and reason in why
    )
