"""Step `MarkFailed`: the campaign becomes failed (or sent, if every batch went out), saying why."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.delivery import finish
from app.delivery.models import FailedState, StepInput
from app.delivery.retries import retried_when_transient
from app.observability import with_lambda_context
from app.store import Store

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@with_lambda_context
@retried_when_transient
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001
    """The input is `{state, execution}`; the state carries the Catch's `error` or a resume's `reason`."""
    step = StepInput.model_validate(event)
    failed = FailedState.model_validate({**step.state, "execution": step.execution})
    return finish.mark_failed(failed, campaigns=Store.default().campaigns)
