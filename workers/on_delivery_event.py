"""SES events (SNS -> SQS): per-recipient status, opens and clicks, campaign stats, suppression, and
the message events the owner's webhooks asked for."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from app import aws
from app.config import get_settings
from app.delivery import feedback
from app.delivery.models import SesEvent
from app.events import put_events
from app.observability import with_lambda_context
from app.store import Store
from app.webhooks.messages import Announcer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext


def record_handler(record: SQSRecord, *, kit: feedback.FeedbackKit) -> list[str]:
    """One SES event (raw SNS delivery: the body is the event); replays change nothing."""
    event = SesEvent.model_validate_json(record.body)
    retried = int(record.attributes.approximate_receive_count or 1) > 1
    return feedback.apply_record(event, record_id=record.message_id, retried=retried, kit=kit)


@with_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Partial batch response: only failed records are retried; the stats counted are added once."""
    store, settings = Store.default(), get_settings()
    kit = feedback.FeedbackKit(
        campaigns=store.campaigns,
        recipients=store.recipients,
        subscribers=store.subscribers,
        suppressions=store.suppressions,
        engagement=store.engagement,
        soft_bounce_limit=settings.soft_bounce_limit,
        messages=store.tx_messages,
        announcer=Announcer(store.webhooks, cap=settings.webhook_endpoints_per_owner),
    )
    try:
        answer = process_partial_response(
            event=event,
            record_handler=partial(record_handler, kit=kit),
            # A processor holds one invocation's records: one each, as the embedded cloud may run
            # invocations of a function side by side in one process.
            processor=BatchProcessor(event_type=EventType.SQS),
            context=context,
        )
    finally:
        kit.flush()  # what the successful records counted, even when others failed
    # After the flush: a webhook's receiver reads stats that count what it announces.
    return feedback.announce(
        kit,
        answer,
        put=lambda events: put_events(events, client=aws.events(), bus_name=settings.event_bus_name),
    )
