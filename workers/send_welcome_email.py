"""EventBridge `UserSignedUp` -> the welcome email (once per user, even on redelivery)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.parser import envelopes, event_parser

from app import aws
from app.config import get_settings
from app.events import UserSignedUp
from app.idempotency import Idempotent
from app.observability import bind_correlation_id, with_lambda_context
from app.store import Store
from app.users import service

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def send(event: UserSignedUp) -> str:
    """Send the email for one sign-up."""
    return service.send_welcome_email(
        event, ses=aws.sesv2(), settings=get_settings(), budget=Store.default().send_budget
    )


send_once = Idempotent(send, data_argument="event", key="user_id")


@with_lambda_context
@event_parser(model=UserSignedUp, envelope=envelopes.EventBridgeEnvelope)
def handler(event: UserSignedUp, context: LambdaContext) -> dict[str, Any]:
    """An exception makes Lambda retry, then park the event in the DLQ."""
    bind_correlation_id(event.correlation_id)
    message_id = send_once(context, event=event)
    return {"message_id": message_id}
