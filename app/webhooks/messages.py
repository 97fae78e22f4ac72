"""Message events for webhooks (message.delivered, .bounced, .complained, .opened, .clicked): what
one feedback invocation announces, and to whom.

An SES event is announced only when its owner has an endpoint that asked for its type (the owner's
endpoints are read once per invocation: one Query of at most the endpoint cap), and only when it
changed something: a recipient's or a transactional message's status moved (delivered, bounced,
complained), or an open or a click was recorded. So a replay of an SES event (SES delivers at least
once) announces nothing. Every recorded open and click of campaign mail is announced, each with its
own time (a reader opening a message twice is two events; the same SES event twice is one);
machine opens (Apple's preloads, scanners) are not. A transactional message keeps a status rather
than a record of each open, so its first open and its first click are announced.

Events are published after the feedback's stats are added (`FeedbackKit.flush`): a receiver that
reads the campaign on `message.delivered` sees it counted. An event the bus refuses makes its SQS
record fail, so it comes back; that retry changes nothing (the status already moved), so a retried
record announces what it finds already applied: at least once, never lost, and the second copy
carries the same id (the SES event's identity) for the receiver to drop. Stats are not counted
again: only moves count them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from app.delivery.models import SesEvent
from app.events import MESSAGE_EVENTS, DomainEvent, MessageActivity
from app.observability import logger
from app.webhooks.repository import WebhookRepository

# Put events on the bus; the positions of those refused (app.events.put_events, bound to a bus).
PutEvents = Callable[[Sequence[DomainEvent]], list[int]]


def occurred_at(event: SesEvent) -> datetime | None:
    """When SES says the event happened (its type's own timestamp; the send's when it has none)."""
    if event.open is not None:
        return event.open.timestamp
    if event.click is not None:
        return event.click.timestamp
    part = event.delivery or event.bounce or event.complaint or event.mail
    stamp = part.get("timestamp") or event.mail.get("timestamp")
    return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")) if stamp else None


def message_event(
    event: SesEvent,
    owner_id: str,
    email: str,
    *,
    campaign_id: str | None = None,
    transactional_id: str | None = None,
) -> MessageActivity | None:
    """The message event an SES event is announced as (None for types webhooks do not announce)."""
    kind = MESSAGE_EVENTS.get(event.event_type)
    at = occurred_at(event)
    if kind is None or at is None:
        return None
    identity = f"{event.message_id}:{event.event_type}:{email}:{at.isoformat()}"
    return MessageActivity(
        kind=kind,
        owner_id=owner_id,
        event_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"herald:ses:{identity}")),
        message_id=event.message_id,
        email=email,
        at=at,
        campaign_id=campaign_id,
        transactional_id=transactional_id,
        bounce_type=str((event.bounce or {}).get("bounceType") or "") or None,
        link=event.click.link if event.click is not None else None,
    )


@dataclass
class Announcer:
    """One feedback invocation's message events: which owners want which, and what each record
    announces (published after the records, see the module docstring)."""

    repo: WebhookRepository
    cap: int
    wanted: dict[str, frozenset[str]] = field(default_factory=dict)
    pending: list[tuple[str, MessageActivity]] = field(default_factory=list)
    record_id: str = ""
    retried: bool = False

    def begin(self, record_id: str, *, retried: bool) -> None:
        """The SQS record whose events come next (`retried`: it was received before)."""
        self.record_id, self.retried = record_id, retried

    def discard(self, record_id: str) -> None:
        """Forget a failed record's events: its retry announces them."""
        self.pending = [(r, e) for r, e in self.pending if r != record_id]

    def wants(self, owner_id: str, webhook: str) -> bool:
        """Whether one of the owner's endpoints asked for `webhook` (read once per invocation)."""
        if owner_id not in self.wanted:
            self.wanted[owner_id] = self.repo.subscribed(owner_id, cap=self.cap)
        return webhook in self.wanted[owner_id]

    def note(
        self,
        event: SesEvent,
        owner_id: str,
        email: str,
        *,
        moved: bool,
        known: bool = True,
        campaign_id: str | None = None,
        transactional_id: str | None = None,
    ) -> None:
        """Announce an SES event that changed something (`moved`), or that a retried record finds
        already applied (`known`: its message is on record), if the owner wants its type."""
        if not (moved or (self.retried and known)):
            return
        kind = MESSAGE_EVENTS.get(event.event_type)
        if kind is None or not self.wants(owner_id, kind):
            return
        activity = message_event(
            event, owner_id, email, campaign_id=campaign_id, transactional_id=transactional_id
        )
        if activity is not None:
            self.pending.append((self.record_id, activity))

    def publish(self, put: PutEvents) -> set[str]:
        """Publish what was announced; the records whose events the bus refused (they are retried)."""
        pending, self.pending = self.pending, []
        if not pending:
            return set()
        try:
            refused = put([event for _, event in pending])
        except Exception:
            logger.exception("message events not published", extra={"events": len(pending)})
            return {record_id for record_id, _ in pending}
        if refused:
            logger.warning("message events refused", extra={"events": len(refused)})
        return {pending[i][0] for i in refused}
