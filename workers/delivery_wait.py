"""Step `WaitForSender` (waitForTaskToken): store the token, feed the queue; resume if all is done."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app import aws
from app.config import get_settings
from app.delivery import wait
from app.delivery.models import WaitRequest
from app.delivery.queue import SqsBatchQueue, StepFunctionsResumer
from app.delivery.retries import retried_when_transient
from app.observability import with_lambda_context
from app.store import Store

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@with_lambda_context
@retried_when_transient
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001
    """The execution waits for SendTaskSuccess with this token (the return value is ignored)."""
    settings = get_settings()
    if not settings.send_queue_url:
        raise RuntimeError("SEND_QUEUE_URL is not set")
    store = Store.default()
    resumed = wait.wait_for_sender(
        WaitRequest.model_validate(event),
        campaigns=store.campaigns,
        batches=store.batches,
        queue=SqsBatchQueue(aws.sqs(), settings.send_queue_url),
        resumer=StepFunctionsResumer(aws.stepfunctions()),
    )
    return {"resumed": resumed}
