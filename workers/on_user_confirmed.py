"""Cognito PostConfirmation trigger: write the new user's profile."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (
    PostConfirmationTriggerEvent,
)

from app.observability import bind_correlation_id, with_lambda_context
from app.store import Store
from app.users import service

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@with_lambda_context
@event_source(data_class=PostConfirmationTriggerEvent)
def handler(event: PostConfirmationTriggerEvent, context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001
    """Cognito waits for this; a failure makes the confirmation fail, so keep it small."""
    attributes = event.request.user_attributes
    correlation_id = (event.request.client_metadata or {}).get("correlation_id")
    bind_correlation_id(correlation_id)
    service.create_profile(
        user_id=attributes["sub"],
        email=attributes["email"],
        name=attributes.get("name", ""),
        correlation_id=correlation_id,
        repo=Store.default().profiles,
    )
    return event.raw_event
