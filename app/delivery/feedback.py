"""SES feedback: Delivery, Bounce and Complaint events update recipients, stats and suppression;
Open and Click events are recorded by engagement.py.

Replays change nothing: every recipient change is a conditional transition, and a campaign's
stats count only the transitions that happened. A complaint or a permanent bounce suppresses the
address whatever its recipient's state (failed, unsubscribed, or gone with its campaign): the
mail reached SES, and the address must not be mailed again.

What changed is also announced to the owner's webhooks (message.delivered, .bounced, ...; see
app/webhooks/messages.py for when, and why after the stats are added).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.campaigns.repository import CampaignRepository
from app.contacts.models import SuppressionEntry
from app.contacts.subscribers import SubscriberRepository
from app.contacts.suppression import SuppressionRepository
from app.delivery.engagement import EngagementTally, is_machine_open, record_engagement
from app.delivery.models import SesEvent
from app.delivery.repository import RecipientRecord, RecipientRepository
from app.engagement.repository import EngagementRepository
from app.observability import bind_correlation_id, logger
from app.transactional import feedback as transactional
from app.transactional.repository import MessageRepository
from app.webhooks.messages import Announcer, PutEvents

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse, PartialItemFailures


class FeedbackTooEarly(Exception):
    """An SES event arrived before its send was recorded; the record is retried."""


@dataclass
class FeedbackKit:
    """What the feedback worker writes to, and the stats it counted but has not added yet."""

    campaigns: CampaignRepository
    recipients: RecipientRepository
    subscribers: SubscriberRepository
    suppressions: SuppressionRepository
    engagement: EngagementRepository
    soft_bounce_limit: int
    messages: MessageRepository
    counted: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)
    tally: EngagementTally = field(default_factory=EngagementTally)
    # The message events for the owner's webhooks (None: announce nothing).
    announcer: Announcer | None = None

    def announce(
        self, event: SesEvent, owner_id: str, campaign_id: str, email: str, *, moved: bool, known: bool = True
    ) -> None:
        """Announce what an SES event did to a campaign's recipient (see Announcer.note)."""
        if self.announcer is not None:
            self.announcer.note(event, owner_id, email, moved=moved, known=known, campaign_id=campaign_id)

    def count(self, owner_id: str, campaign_id: str, name: str, n: int = 1) -> None:
        """`n` more `name` (delivered, bounced, complained, opens, ...) for a campaign's stats."""
        self.counted.setdefault((owner_id, campaign_id), Counter())[name] += n

    def flush(self) -> None:
        """Add what was counted to the stats: one write per campaign per invocation, not per event.

        A campaign's item is a hot key while its events pour in; one ADD per batch of events
        keeps it cheap. A campaign deleted meanwhile has no stats to add to. Links and hours of
        opens and clicks are added the same way.
        """
        counted, self.counted = self.counted, {}
        for (owner_id, campaign_id), counts in counted.items():
            self.campaigns.add_counters(owner_id, campaign_id, counts)
        self.tally.flush(self.engagement)


# The SES event types feedback acts on (the configuration sets subscribe to these alone): a Send or
# a Reject would change nothing, and a Send arrives before the sender records it.
ACTED_ON = frozenset({"Delivery", "Bounce", "Complaint", "Open", "Click"})


def _locate(event: SesEvent) -> tuple[str, str] | None:
    """(owner, campaign) from the tags every campaign message carries; None: not campaign mail."""
    owner_id, campaign_id = event.tag("owner"), event.tag("campaign")
    return (owner_id, campaign_id) if owner_id and campaign_id else None


def apply_ses_event(event: SesEvent, *, kit: FeedbackKit) -> list[str]:
    """Recipient status and suppression for one SES event, its stats counted in `kit` (see
    FeedbackKit.flush); returns what changed (nothing for a type it does not act on)."""
    if event.event_type not in ACTED_ON:
        return []
    if (message := transactional.located(event)) is not None:
        return transactional.apply_ses_event(event, message, kit=kit)
    changes: list[str] = []
    for raw in event.recipients():
        email = raw.strip().lower()
        where = _locate(event)
        if where is None:
            continue  # not campaign mail (e.g. the welcome email)
        owner_id, campaign_id = where
        if event.event_type in ("Open", "Click"):
            outcome = _engage(event, owner_id, campaign_id, email, kit=kit)
            if outcome:
                changes.append(f"{email}:{outcome}")
            continue
        if event.event_type == "Delivery" and kit.recipients.deliver(owner_id, campaign_id, email):
            # The usual case in one write: a recorded send, delivered for the first time.
            kit.count(owner_id, campaign_id, "delivered")
            kit.announce(event, owner_id, campaign_id, email, moved=True)
            changes.append(f"{email}:delivered")
            continue
        recipient = kit.recipients.get(owner_id, campaign_id, email)
        if recipient is None:  # its campaign was deleted: the address is still suppressed
            if _suppresses(event):
                entry = SuppressionEntry(reason=_reason(event), source=f"campaign:{campaign_id}")
                kit.suppressions.add(owner_id, email, entry)
                changes.append(f"{email}:suppressed")
            continue
        if recipient.status in ("pending", "claimed"):
            # SES reported before the sender recorded the send (it does so per batch): retry later.
            raise FeedbackTooEarly(f"{email} is not recorded as sent yet")
        bind_correlation_id(recipient.correlation_id)
        outcome = _apply_one(event, recipient, kit=kit)
        if outcome:
            changes.append(f"{email}:{outcome}")
    return changes


def apply_record(event: SesEvent, *, record_id: str, retried: bool, kit: FeedbackKit) -> list[str]:
    """apply_ses_event for one queue record (`retried`: received before): what it announces is kept
    with it, and dropped when it fails (its retry announces it)."""
    if kit.announcer is None:
        return apply_ses_event(event, kit=kit)
    kit.announcer.begin(record_id, retried=retried)
    try:
        return apply_ses_event(event, kit=kit)
    except Exception:
        kit.announcer.discard(record_id)
        raise


def announce(
    kit: FeedbackKit, answer: PartialItemFailureResponse, *, put: PutEvents
) -> PartialItemFailureResponse:
    """Publish the invocation's message events (after `kit.flush`); a record whose events the bus
    refused joins the failures, so that it is retried."""
    if kit.announcer is None:
        return answer
    failed = {f["itemIdentifier"] for f in answer["batchItemFailures"]}
    refused: list[PartialItemFailures] = [
        {"itemIdentifier": r} for r in sorted(kit.announcer.publish(put) - failed)
    ]
    return {"batchItemFailures": [*answer["batchItemFailures"], *refused]}


def _engage(event: SesEvent, owner_id: str, campaign_id: str, email: str, *, kit: FeedbackKit) -> str | None:
    """An open or click recorded and counted; None for a replay or a deleted campaign."""
    applied = record_engagement(event, owner_id, campaign_id, email, repo=kit.engagement, tally=kit.tally)
    machine = event.open is not None and is_machine_open(event.open.user_agent)
    if applied is None:
        recipient = kit.recipients.get(owner_id, campaign_id, email)
        if recipient is not None and recipient.status in ("pending", "claimed"):
            raise FeedbackTooEarly(f"{email} is not recorded as sent yet")
        kit.announce(
            event, owner_id, campaign_id, email, moved=False, known=recipient is not None and not machine
        )
        return None
    counts, outcome = applied
    for name, n in counts.items():
        kit.count(owner_id, campaign_id, name, n)
    kit.announce(event, owner_id, campaign_id, email, moved=not machine, known=not machine)
    return outcome


def _apply_one(event: SesEvent, recipient: RecipientRecord, *, kit: FeedbackKit) -> str | None:
    owner_id, campaign_id, email = recipient.owner_id, recipient.campaign_id, recipient.email
    kind = event.event_type
    if kind == "Delivery":
        # SES does not order events: a Complaint may be applied before its Delivery; both count.
        counted = kit.recipients.note_delivery(owner_id, campaign_id, email)
        kit.recipients.transition(owner_id, campaign_id, email, allowed=("sent",), to="delivered")
        kit.announce(event, owner_id, campaign_id, email, moved=counted)
        if counted:
            kit.count(owner_id, campaign_id, "delivered")
            return "delivered"
        return None
    if kind == "Bounce" and event.bounce is not None:
        permanent = event.bounce.get("bounceType") == "Permanent"
        reason = f"{event.bounce.get('bounceType')}/{event.bounce.get('bounceSubType')}"
        moved = kit.recipients.transition(
            owner_id, campaign_id, email, allowed=("sent", "delivered"), to="bounced", reason=reason
        )
        kit.announce(event, owner_id, campaign_id, email, moved=moved)
        if moved:
            kit.count(owner_id, campaign_id, "bounced")
        if permanent or (
            moved and kit.recipients.count_soft_bounce(owner_id, email) >= kit.soft_bounce_limit
        ):
            _suppress(recipient, "bounced", kit=kit)
        return "bounced" if moved else _suppressed_only(recipient, permanent)
    if kind == "Complaint":
        moved = kit.recipients.transition(
            owner_id, campaign_id, email, allowed=("sent", "delivered", "bounced"), to="complained"
        )
        kit.announce(event, owner_id, campaign_id, email, moved=moved)
        if moved:
            kit.count(owner_id, campaign_id, "complained")
        _suppress(recipient, "complained", kit=kit)
        return "complained" if moved else _suppressed_only(recipient, True)
    return None


def _suppresses(event: SesEvent) -> bool:
    """A complaint, or a permanent bounce."""
    bounce = event.bounce or {}
    return event.event_type == "Complaint" or (
        event.event_type == "Bounce" and bounce.get("bounceType") == "Permanent"
    )


def _reason(event: SesEvent) -> str:
    return "complained" if event.event_type == "Complaint" else "bounced"


def _suppressed_only(recipient: RecipientRecord, suppressed: bool) -> str | None:
    """What changed for a recipient whose status stays (a replay changes nothing new)."""
    if suppressed and recipient.status not in ("bounced", "complained"):
        return "suppressed"
    return None


def _suppress(recipient: RecipientRecord, reason: str, *, kit: FeedbackKit) -> None:
    """The subscriber takes the status (which suppresses account-wide); gone from the list: suppress only."""
    owner_id, email = recipient.owner_id, recipient.email
    entry = SuppressionEntry(reason=reason, source=f"campaign:{recipient.campaign_id}")
    if not (
        recipient.list_id
        and kit.subscribers.update(
            owner_id, recipient.list_id, email, status=reason, suppress=entry, correlation_id=None
        )
    ):
        kit.suppressions.add(owner_id, email, entry)
    logger.info("address suppressed", extra={"campaign_id": recipient.campaign_id, "reason": reason})
