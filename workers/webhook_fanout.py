"""Owner activity on the bus (subscriber.*, campaign.*, message.*) -> a delivery per endpoint wanting it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

from app import aws
from app.config import get_settings
from app.events import CATALOG, OwnerActivity
from app.observability import bind_correlation_id, with_lambda_context
from app.store import Store
from app.webhooks import service
from app.webhooks.queue import SqsDeliveryQueue

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@with_lambda_context
@event_parser(model=EventBridgeModel)
def handler(event: EventBridgeModel, context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001
    """An exception makes Lambda retry, then park the event in WebhookFanOutDLQ."""
    kind = CATALOG.get(event.detail_type)
    if kind is None or not issubclass(kind, OwnerActivity):
        raise ValueError(f"not an owner activity event: {event.detail_type}")
    activity = kind.model_validate(event.detail)
    bind_correlation_id(activity.correlation_id)
    settings = get_settings()
    if not settings.webhook_queue_url:
        raise RuntimeError("WEBHOOK_QUEUE_URL is not set")
    tasks = service.fan_out(
        activity,
        event.id,
        repo=Store.default().webhooks,
        queue=SqsDeliveryQueue(aws.sqs(), settings.webhook_queue_url),
        cap=settings.webhook_endpoints_per_owner,
    )
    return {"deliveries": len(tasks)}
