"""Webhook entities, commands, API shapes and the delivery task on the queue."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field

from app.events import WEBHOOK_TYPES, MessageType

# What an owner may subscribe an endpoint to: the bus events webhooks deliver (app/events.py).
WebhookEventType = Literal[
    "subscriber.created",
    "subscriber.confirmed",
    "subscriber.unsubscribed",
    "campaign.started",
    "campaign.sent",
    "campaign.failed",
    MessageType,
]
EVENT_TYPES = WEBHOOK_TYPES
TEST_EVENT = "webhook.test"
DeliveryStatus = Literal["pending", "retrying", "delivered", "failed"]


def _distinct(values: list[WebhookEventType]) -> list[WebhookEventType]:
    if len(set(values)) != len(values):
        raise ValueError("each event type may appear once")
    return values


EventTypes = Annotated[
    list[WebhookEventType],
    Field(min_length=1, max_length=len(EVENT_TYPES), json_schema_extra={"uniqueItems": True}),
    AfterValidator(_distinct),
]


# What the API schema says a webhook URL is: https on a host name with a top-level domain that is
# not an internal one, or (local stage) http on loopback; a plain subset the server always accepts
# there (app/webhooks/targets.py decides, and refuses loopback on other stages).
_PORT = r"(?::(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?"
_PATH = r"(?:/[^\s]*)?"
_LABEL = r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*"
_INTERNAL = (
    "(?:"
    + "|".join(
        "".join(f"[{c.lower()}{c.upper()}]" for c in word)
        for word in ("localhost", "localdomain", "local", "internal", "arpa")
    )
    + ")"
)
URL_PATTERN = (
    rf"^(?:https://(?!(?:[^/:]*\.)?{_INTERNAL}(?:[/:]|$))(?:{_LABEL}\.)+[A-Za-z]{{2,20}}"
    rf"|http://(?:127\.0\.0\.1|localhost)){_PORT}{_PATH}$"
)


class EndpointCreate(BaseModel):
    """A new endpoint: where to POST, and which events."""

    url: Annotated[
        str,
        Field(
            min_length=8,
            max_length=2000,
            json_schema_extra={"pattern": URL_PATTERN, "examples": ["https://hooks.example.com/herald"]},
        ),
    ]
    event_types: EventTypes
    description: Annotated[str, Field(max_length=200)] = ""


class Endpoint(BaseModel):
    """An endpoint as its owner sees it (never its secret)."""

    id: str
    url: str
    event_types: list[WebhookEventType]
    description: str
    created_at: datetime
    updated_at: datetime


class EndpointWithSecret(Endpoint):
    """An endpoint just created or whose secret was just rotated: the only time the secret is shown."""

    secret: str


class EndpointList(BaseModel):
    """The owner's endpoints (a handful: their number is capped)."""

    items: list[Endpoint]


class Delivery(BaseModel):
    """One event's delivery to one endpoint: how it went so far."""

    id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    status_code: int | None
    last_error: str
    created_at: datetime
    updated_at: datetime


class DeliveryList(BaseModel):
    """An endpoint's recent deliveries, newest first."""

    items: list[Delivery]


class DeliveryTask(BaseModel):
    """A message on the delivery queue: one event for one endpoint (the body is built once)."""

    owner_id: str
    endpoint_id: str
    delivery_sk: str
    delivery_id: str
    event_type: str
    payload: dict[str, Any]


class TestQueued(BaseModel):
    """A test delivery was queued; it shows among the endpoint's deliveries."""

    delivery_id: str
