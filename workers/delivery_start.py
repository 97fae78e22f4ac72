"""Step `StartDelivery`: freeze the campaign's audience and enqueue its recipient batches."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app import aws
from app.campaigns.repository import CampaignRepository
from app.config import get_settings
from app.contacts.repository import SubscriberRepository, SuppressionRepository
from app.db import table
from app.delivery import service
from app.delivery.models import CampaignRef
from app.delivery.queue import SqsBatchQueue
from app.delivery.repository import RecipientRepository
from app.observability import with_lambda_context

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@with_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001
    """The execution's input is `{owner_id, campaign_id}`; the output is the delivery state."""
    settings = get_settings()
    if not settings.send_queue_url:
        raise RuntimeError("SEND_QUEUE_URL is not set")
    state = service.start_delivery(
        CampaignRef.model_validate(event),
        campaigns=CampaignRepository(table()),
        recipients=RecipientRepository(table()),
        subscribers=SubscriberRepository(table()),
        suppressions=SuppressionRepository(table()),
        queue=SqsBatchQueue(aws.sqs(), settings.send_queue_url),
        settings=settings,
    )
    return state.model_dump()
