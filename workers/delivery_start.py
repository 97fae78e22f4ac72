"""Step `StartDelivery`: freeze a campaign's audience, a page at a time, and feed the send queue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app import aws
from app.config import get_settings
from app.delivery import start
from app.delivery.models import CampaignRef, StepInput
from app.delivery.queue import SqsBatchQueue
from app.delivery.retries import retried_when_transient
from app.observability import with_lambda_context
from app.store import Store

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@with_lambda_context
@retried_when_transient
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The input is `{state, execution}`: the execution's input or this step's last output, and
    its name; the output is the delivery state (status `freezing` while pages remain)."""
    settings = get_settings()
    if not settings.send_queue_url:
        raise RuntimeError("SEND_QUEUE_URL is not set")
    step = StepInput.model_validate(event)
    store = Store.default()
    state = start.start_delivery(
        CampaignRef.model_validate(step.state),
        execution=step.execution,
        repos=start.Freezing.of(store),
        queue=SqsBatchQueue(aws.sqs(), settings.send_queue_url),
        settings=settings,
        time_left=lambda: context.get_remaining_time_in_millis() / 1000,
    )
    return state.model_dump()
