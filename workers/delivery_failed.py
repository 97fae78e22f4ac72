"""Step `MarkFailed`: the campaign becomes failed, with the reason people will read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.delivery import finish
from app.delivery.models import FailedState
from app.observability import with_lambda_context
from app.store import Store

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@with_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001
    """The input carries the Catch's `error` (Error, Cause) or a resume's `reason`."""
    return finish.mark_failed(FailedState.model_validate(event), campaigns=Store.default().campaigns)
