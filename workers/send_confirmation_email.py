"""EventBridge `ConfirmationRequested` -> the confirmation email (once per request, even on redelivery)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.parser import envelopes, event_parser

from app import aws, secrets
from app.config import get_settings
from app.events import ConfirmationRequested
from app.forms.confirmation import send_confirmation
from app.idempotency import Idempotent
from app.observability import bind_correlation_id, with_lambda_context
from app.store import Store

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def send(event: ConfirmationRequested) -> str | None:
    """Send the email of one request (None: nothing waits for it any more)."""
    store = Store.default()
    return send_confirmation(
        event,
        lists=store.lists,
        subscribers=store.subscribers,
        suppressions=store.suppressions,
        ses=aws.sesv2(),
        settings=get_settings(),
        key=secrets.signing_key(),
    )


send_once = Idempotent(send, data_argument="event", key="request_id")


@with_lambda_context
@event_parser(model=ConfirmationRequested, envelope=envelopes.EventBridgeEnvelope)
def handler(event: ConfirmationRequested, context: LambdaContext) -> dict[str, Any]:
    """An exception makes Lambda retry, then park the event in the DLQ."""
    bind_correlation_id(event.correlation_id)
    return {"message_id": send_once(context, event=event)}
