"""Step `WaitForSender` (waitForTaskToken): store the token; resume at once if the senders are done."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app import aws
from app.delivery import wait
from app.delivery.models import WaitRequest
from app.delivery.queue import StepFunctionsResumer
from app.observability import with_lambda_context
from app.store import Store

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@with_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001
    """The execution waits for SendTaskSuccess with this token (the return value is ignored)."""
    resumed = wait.wait_for_sender(
        WaitRequest.model_validate(event),
        campaigns=Store.default().campaigns,
        resumer=StepFunctionsResumer(aws.stepfunctions()),
    )
    return {"resumed": resumed}
