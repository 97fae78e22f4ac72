"""Domain events on the EventBridge bus: the catalog and the publisher."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict

from app.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient


class DomainEvent(BaseModel):
    """Base of every event Herald publishes; `detail-type` is the class name."""

    model_config = ConfigDict(frozen=True)
    source: ClassVar[str] = "herald"
    correlation_id: str | None = None

    @classmethod
    def detail_type(cls) -> str:
        """The EventBridge `detail-type` of this event."""
        return cls.__name__


class UserSignedUp(DomainEvent):
    """A person confirmed their account; their profile exists."""

    source: ClassVar[str] = "herald.users"
    user_id: str
    email: str
    name: str = ""


class ImportCompleted(DomainEvent):
    """A CSV import into a list finished; its counts are final."""

    source: ClassVar[str] = "herald.imports"
    owner_id: str
    import_id: str
    list_id: str
    rows_total: int
    created: int
    updated: int
    unchanged: int
    errors: int


class ImportFailed(DomainEvent):
    """A CSV import stopped without finishing (bad file, list deleted, ...)."""

    source: ClassVar[str] = "herald.imports"
    owner_id: str
    import_id: str
    list_id: str
    code: str
    message: str


class ConfirmationRequested(DomainEvent):
    """An address asked to join lists (a form, or its owner through the API): the confirmation
    email goes out, with one link for every (list, confirm id) pair."""

    source: ClassVar[str] = "herald.contacts"
    owner_id: str
    request_id: str
    email: str
    lists: list[tuple[str, str]]
    form_id: str = ""


class ExportRequested(DomainEvent):
    """An owner asked for a CSV export: the export worker writes it."""

    source: ClassVar[str] = "herald.exports"
    owner_id: str
    export_id: str


class OwnerActivity(DomainEvent):
    """Something an owner's integrations may want to hear of (webhooks deliver these)."""

    owner_id: str

    @classmethod
    def webhook(cls) -> str:
        """What webhooks call this kind of event: its detail-type in words (`SubscriberCreated`:
        `subscriber.created`)."""
        return re.sub(r"(?<=[a-z])(?=[A-Z])", ".", cls.detail_type()).lower()

    def webhook_type(self) -> str:
        """What webhooks call this event."""
        return self.webhook()

    def delivery_key(self, event_id: str) -> str:
        """The id its webhook deliveries carry: the bus event's, unless the activity has its own."""
        return event_id


class SubscriberActivity(OwnerActivity):
    """A subscriber of one of the owner's lists changed (base of the subscriber events)."""

    source: ClassVar[str] = "herald.contacts"
    list_id: str
    email: str
    status: str


class SubscriberCreated(SubscriberActivity):
    """An address joined a list (subscribed, or waiting to confirm)."""


class SubscriberConfirmed(SubscriberActivity):
    """An unconfirmed subscriber confirmed (double opt-in)."""


class SubscriberUnsubscribed(SubscriberActivity):
    """A subscriber left a list (a link, the preference centre, the owner)."""


class CampaignActivity(OwnerActivity):
    """A campaign's delivery moved on (base of the campaign events)."""

    source: ClassVar[str] = "herald.campaigns"
    campaign_id: str
    status: str


class CampaignStarted(CampaignActivity):
    """A campaign began sending."""


class CampaignSent(CampaignActivity):
    """A campaign finished sending."""


class CampaignFailed(CampaignActivity):
    """A campaign stopped without finishing."""


MessageType = Literal[
    "message.delivered", "message.bounced", "message.complained", "message.opened", "message.clicked"
]
# SES event type -> the message event it is announced as.
MESSAGE_EVENTS: dict[str, MessageType] = {
    "Delivery": "message.delivered",  # the receiving mail server accepted the message
    "Bounce": "message.bounced",  # permanent bounces suppress the address
    "Complaint": "message.complained",  # marked as spam: the address is suppressed
    "Open": "message.opened",  # a reader opened it (machine opens are not announced)
    "Click": "message.clicked",  # a reader followed a tracked link
}


class MessageActivity(OwnerActivity):
    """What SES reported of one message to one address (`kind`: message.delivered, ...): campaign
    mail names its campaign, transactional mail its message.

    `event_id` is the SES event's own identity (SES message, event type, address, event time): a
    replay of that SES event has the same one, and its webhook deliveries carry it as their id, so
    that the rare second announcement (see app/webhooks/messages.py) is one a receiver can drop.
    """

    source: ClassVar[str] = "herald.messages"
    kind: MessageType
    event_id: str
    message_id: str  # SES's
    email: str
    at: datetime
    campaign_id: str | None = None
    transactional_id: str | None = None
    bounce_type: str | None = None  # Permanent, Transient or Undetermined (message.bounced)
    link: str | None = None  # the link followed (message.clicked)

    def webhook_type(self) -> str:
        """The kind of message event."""
        return self.kind

    def delivery_key(self, event_id: str) -> str:  # noqa: ARG002
        """The SES event's identity, whichever bus event brought it."""
        return self.event_id


# The activity webhooks announce under the name of its class; MessageActivity's names are its kinds.
_NAMED: tuple[type[OwnerActivity], ...] = (
    SubscriberCreated,
    SubscriberConfirmed,
    SubscriberUnsubscribed,
    CampaignStarted,
    CampaignSent,
    CampaignFailed,
)
ACTIVITY: tuple[type[OwnerActivity], ...] = (*_NAMED, MessageActivity)
# Every event type an endpoint may ask for.
WEBHOOK_TYPES: tuple[str, ...] = (*(cls.webhook() for cls in _NAMED), *get_args(MessageType))

_PUBLISHED: tuple[type[DomainEvent], ...] = (
    UserSignedUp,
    ImportCompleted,
    ImportFailed,
    ConfirmationRequested,
    ExportRequested,
    *ACTIVITY,
)
CATALOG: dict[str, type[DomainEvent]] = {cls.detail_type(): cls for cls in _PUBLISHED}


class PublishFailed(Exception):
    """EventBridge refused some entries; the caller should retry the batch."""


def put_events(events: Sequence[DomainEvent], *, client: EventBridgeClient, bus_name: str) -> list[int]:
    """Put events on the bus (10 per call, PutEvents' limit); the positions of those it refused."""
    refused: list[int] = []
    for offset in range(0, len(events), 10):
        chunk = events[offset : offset + 10]
        response = client.put_events(
            Entries=[
                {
                    "EventBusName": bus_name,
                    "Source": event.source,
                    "DetailType": event.detail_type(),
                    "Detail": event.model_dump_json(),
                }
                for event in chunk
            ]
        )
        answers = response.get("Entries") or []
        for position, event in enumerate(chunk):
            if position < len(answers) and answers[position].get("ErrorCode"):
                refused.append(offset + position)
                continue
            logger.info(
                "event published",
                extra={
                    "detail_type": event.detail_type(),
                    "source": event.source,
                    "event_correlation_id": event.correlation_id,
                },
            )
    return refused


def publish(events: Sequence[DomainEvent], *, client: EventBridgeClient, bus_name: str) -> None:
    """Put events on the bus and fail loudly if any entry was refused."""
    refused = put_events(events, client=client, bus_name=bus_name)
    if refused:
        kinds = [events[i].detail_type() for i in refused[:3]]
        raise PublishFailed(f"{len(refused)} of {len(events)} events refused: {kinds}")
