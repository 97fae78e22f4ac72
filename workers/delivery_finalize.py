"""Step `Finalize`: subscribers updated a page at a time, then the campaign is sent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.delivery import finish
from app.delivery.models import DeliveryState
from app.delivery.retries import retried_when_transient
from app.observability import with_lambda_context
from app.store import Store

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@with_lambda_context
@retried_when_transient
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001
    """The input is the senders' resume (status done), or its own output while pages remain."""
    store = Store.default()
    state = finish.finalize(
        DeliveryState.model_validate(event),
        campaigns=store.campaigns,
        recipients=store.recipients,
        subscribers=store.subscribers,
    )
    return state.model_dump()
