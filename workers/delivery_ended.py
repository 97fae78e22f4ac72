"""A delivery execution ended without finishing its campaign (Step Functions status change event)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.campaigns.repository import CampaignRepository
from app.db import table
from app.delivery import service
from app.delivery.models import ExecutionEnded
from app.observability import with_lambda_context

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@with_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001
    """The event is EventBridge's envelope; its `detail` describes the execution."""
    ended = ExecutionEnded.model_validate(event["detail"])
    return {"marked": service.delivery_ended(ended, campaigns=CampaignRepository(table()))}
