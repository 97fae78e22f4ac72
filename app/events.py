"""Domain events on the EventBridge bus: the catalog and the publisher."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

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
    # What webhooks call it ("subscriber.created"); each subclass names its own.
    webhook: ClassVar[str] = ""


class SubscriberActivity(OwnerActivity):
    """A subscriber of one of the owner's lists changed (base of the subscriber events)."""

    source: ClassVar[str] = "herald.contacts"
    list_id: str
    email: str
    status: str


class SubscriberCreated(SubscriberActivity):
    """An address joined a list (subscribed, or waiting to confirm)."""

    webhook: ClassVar[str] = "subscriber.created"


class SubscriberConfirmed(SubscriberActivity):
    """An unconfirmed subscriber confirmed (double opt-in)."""

    webhook: ClassVar[str] = "subscriber.confirmed"


class SubscriberUnsubscribed(SubscriberActivity):
    """A subscriber left a list (a link, the preference centre, the owner)."""

    webhook: ClassVar[str] = "subscriber.unsubscribed"


class CampaignActivity(OwnerActivity):
    """A campaign's delivery moved on (base of the campaign events)."""

    source: ClassVar[str] = "herald.campaigns"
    campaign_id: str
    status: str


class CampaignStarted(CampaignActivity):
    """A campaign began sending."""

    webhook: ClassVar[str] = "campaign.started"


class CampaignSent(CampaignActivity):
    """A campaign finished sending."""

    webhook: ClassVar[str] = "campaign.sent"


class CampaignFailed(CampaignActivity):
    """A campaign stopped without finishing."""

    webhook: ClassVar[str] = "campaign.failed"


ACTIVITY: tuple[type[OwnerActivity], ...] = (
    SubscriberCreated,
    SubscriberConfirmed,
    SubscriberUnsubscribed,
    CampaignStarted,
    CampaignSent,
    CampaignFailed,
)

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


def publish(events: Sequence[DomainEvent], *, client: EventBridgeClient, bus_name: str) -> None:
    """Put events on the bus (10 per call) and fail loudly if any entry was refused."""
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
        if response.get("FailedEntryCount", 0):
            failed = [e for e in response["Entries"] if e.get("ErrorCode")]
            raise PublishFailed(f"{len(failed)} of {len(chunk)} events refused: {failed[:3]}")
        for event in chunk:
            logger.info(
                "event published",
                extra={
                    "detail_type": event.detail_type(),
                    "source": event.source,
                    "event_correlation_id": event.correlation_id,
                },
            )
