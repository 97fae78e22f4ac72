"""SES events (SNS -> SQS): per-recipient status, campaign stats, suppression of bad addresses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from app.campaigns.repository import CampaignRepository
from app.config import get_settings
from app.contacts.repository import SubscriberRepository, SuppressionRepository
from app.db import table
from app.delivery import service
from app.delivery.models import SesEvent
from app.delivery.repository import RecipientRepository
from app.observability import with_lambda_context

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

processor = BatchProcessor(event_type=EventType.SQS)


_current: dict[str, service.FeedbackKit] = {}


def record_handler(record: SQSRecord) -> list[str]:
    """One SES event (raw SNS delivery: the body is the event); replays change nothing."""
    return service.apply_ses_event(SesEvent.model_validate_json(record.body), kit=_current["kit"])


@with_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Partial batch response: only failed records are retried; the stats counted are added once."""
    kit = _current["kit"] = service.FeedbackKit(
        campaigns=CampaignRepository(table()),
        recipients=RecipientRepository(table()),
        subscribers=SubscriberRepository(table()),
        suppressions=SuppressionRepository(table()),
        soft_bounce_limit=get_settings().soft_bounce_limit,
    )
    try:
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    finally:
        kit.flush()  # what the successful records counted, even when others failed
