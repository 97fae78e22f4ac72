"""A delivery execution ended without finishing its campaign (Step Functions status change event)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.delivery import finish
from app.delivery.models import ExecutionEnded
from app.observability import with_lambda_context
from app.store import Store

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@with_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001
    """The event is EventBridge's envelope; its `detail` describes the execution."""
    ended = ExecutionEnded.model_validate(event["detail"])
    return {"marked": finish.delivery_ended(ended, campaigns=Store.default().campaigns)}
