"""Step `MarkFailed`: the campaign becomes failed, with the reason people will read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.campaigns.repository import CampaignRepository
from app.db import table
from app.delivery import service
from app.delivery.models import FailedState
from app.observability import with_lambda_context

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@with_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001
    """The input carries the Catch's `error` (Error, Cause) or a resume's `reason`."""
    return service.mark_failed(FailedState.model_validate(event), campaigns=CampaignRepository(table()))
