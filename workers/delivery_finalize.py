"""Step `Finalize`: subscribers updated a page at a time, then the campaign is sent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.campaigns.repository import CampaignRepository
from app.contacts.repository import SubscriberRepository
from app.db import table
from app.delivery import service
from app.delivery.models import DeliveryState
from app.delivery.repository import RecipientRepository
from app.observability import with_lambda_context

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@with_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001
    """The input is the senders' resume (status done), or its own output while pages remain."""
    state = service.finalize(
        DeliveryState.model_validate(event),
        campaigns=CampaignRepository(table()),
        recipients=RecipientRepository(table()),
        subscribers=SubscriberRepository(table()),
    )
    return state.model_dump()
