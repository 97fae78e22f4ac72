"""Step `StartDelivery`: freeze the campaign's audience and enqueue its recipient batches."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app import aws
from app.config import get_settings
from app.delivery import start
from app.delivery.models import CampaignRef
from app.delivery.queue import SqsBatchQueue
from app.observability import with_lambda_context
from app.store import Store

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@with_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001
    """The execution's input is `{owner_id, campaign_id}`; the output is the delivery state."""
    settings = get_settings()
    if not settings.send_queue_url:
        raise RuntimeError("SEND_QUEUE_URL is not set")
    store = Store.default()
    state = start.start_delivery(
        CampaignRef.model_validate(event),
        campaigns=store.campaigns,
        recipients=store.recipients,
        subscribers=store.subscribers,
        lists=store.lists,
        segments=store.segments,
        suppressions=store.suppressions,
        queue=SqsBatchQueue(aws.sqs(), settings.send_queue_url),
        settings=settings,
    )
    return state.model_dump()
