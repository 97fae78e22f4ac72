"""SES feedback for transactional messages: events move a message's status and suppress bad addresses.

A message is found by the tags it was sent with (`owner`, `tx`), never by a lookup. Each event is a
conditional transition (a replay, or an event that arrives after a later one, changes nothing);
Open and Click come with the configuration set's engagement tracking. As for campaign mail, a
complaint or a permanent bounce suppresses the address account-wide (so is a soft bounce past the
account's limit), whether or not the message is still on record.

A move is announced to the owner's webhooks (message.delivered, ...: app/webhooks/messages.py); as a
message keeps its status rather than each open, its first open and first click are announced.
"""

from __future__ import annotations

from typing import Protocol

from app.contacts.models import SuppressionEntry
from app.contacts.suppression import SuppressionRepository
from app.delivery.models import SesEvent
from app.delivery.repository import RecipientRepository
from app.observability import logger
from app.transactional.repository import MessageRepository
from app.webhooks.messages import Announcer

# event type -> the status it gives a message, and the statuses it may follow
STEPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Delivery": ("delivered", ("sent",)),
    "Open": ("opened", ("sent", "delivered")),
    "Click": ("clicked", ("sent", "delivered", "opened")),
    "Bounce": ("bounced", ("sent", "delivered")),
    "Complaint": ("complained", ("sent", "delivered", "opened", "clicked", "bounced")),
}


class MessageFeedback(Protocol):
    """What a transactional message's feedback writes to (the feedback worker's FeedbackKit)."""

    messages: MessageRepository
    suppressions: SuppressionRepository
    recipients: RecipientRepository
    soft_bounce_limit: int
    # The message events for the owner's webhooks (None: announce nothing).
    announcer: Announcer | None


class MessageNotSentYet(Exception):
    """An SES event arrived before the API recorded the send; the record is retried."""


def located(event: SesEvent) -> tuple[str, str] | None:
    """(owner, message) from the tags every transactional message carries; None: not one."""
    owner_id, message_id = event.tag("owner"), event.tag("tx")
    return (owner_id, message_id) if owner_id and message_id else None


def apply_ses_event(event: SesEvent, where: tuple[str, str], *, kit: MessageFeedback) -> list[str]:
    """The message's status, and the suppression of its address, for one SES event; returns what
    changed."""
    owner_id, message_id = where
    step = STEPS.get(event.event_type)
    if step is None:
        return []
    status, allowed = step
    bounce = event.bounce or {}
    reason = (
        f"{bounce.get('bounceType')}/{bounce.get('bounceSubType')}" if event.event_type == "Bounce" else None
    )
    moved = kit.messages.transition(owner_id, message_id, allowed=allowed, to=status, reason=reason)
    current = moved
    if moved is None:
        current = kit.messages.get(owner_id, message_id, consistent=True)
        if current is not None and current.status == "queued":
            raise MessageNotSentYet(f"message {message_id} is not recorded as sent yet")
    if kit.announcer is not None and current is not None:
        kit.announcer.note(event, owner_id, current.to, moved=moved is not None, transactional_id=message_id)
    changes = [f"{message_id}:{status}"] if moved else []
    permanent = event.event_type == "Complaint" or bounce.get("bounceType") == "Permanent"
    for raw in event.recipients() if event.event_type in ("Bounce", "Complaint") else []:
        email = raw.strip().lower()
        soft_limit_reached = (
            moved is not None
            and not permanent
            and kit.recipients.count_soft_bounce(owner_id, email) >= kit.soft_bounce_limit
        )
        if permanent or soft_limit_reached:
            why = "complained" if event.event_type == "Complaint" else "bounced"
            kit.suppressions.add(owner_id, email, SuppressionEntry(reason=why, source=f"tx:{message_id}"))
            logger.info("address suppressed", extra={"message_id": message_id, "reason": why})
            changes.append(f"{email}:suppressed")
    return changes
