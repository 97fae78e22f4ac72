"""WebhookDeliveryQueue consumer: each task is signed and POSTed; a failure is retried with backoff.

A failed attempt hides its message for the schedule's next delay (ChangeMessageVisibility) and
reports it failed; after the last, the delivery is marked failed and the queue's redrive moves the
message to WebhookDeliveryDLQ.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from app import aws
from app.config import Settings, get_settings
from app.observability import with_lambda_context
from app.store import Store
from app.webhooks import delivery
from app.webhooks.models import DeliveryTask
from app.webhooks.queue import SqsDeliveryQueue

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext


class NotDelivered(Exception):
    """The endpoint did not take the delivery (yet): SQS gives the message back later."""


def record_handler(record: SQSRecord, *, store: Store, queue: SqsDeliveryQueue, settings: Settings) -> str:
    """One attempt at one delivery."""
    task = DeliveryTask.model_validate_json(record.body)
    number = int(record.attributes.approximate_receive_count)
    outcome = delivery.attempt(task, number, repo=store.webhooks, settings=settings)
    if outcome.status == "retrying":
        queue.retry_in(record.receipt_handle, outcome.retry_in)
    if outcome.status in ("retrying", "failed"):
        raise NotDelivered(f"delivery {task.delivery_id}: {outcome.status} after attempt {number}")
    return str(outcome.status)


@with_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Partial batch response: only the deliveries still to retry come back."""
    settings = get_settings()
    if not settings.webhook_queue_url:
        raise RuntimeError("WEBHOOK_QUEUE_URL is not set")
    queue = SqsDeliveryQueue(aws.sqs(), settings.webhook_queue_url)
    return process_partial_response(
        event=event,
        record_handler=partial(record_handler, store=Store.default(), queue=queue, settings=settings),
        processor=BatchProcessor(event_type=EventType.SQS),  # one per invocation (see on_delivery_event)
        context=context,
    )
