"""WebSocket `$disconnect`: forget the connection (it only knows the connection id)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_websocket_event import APIGatewayWebSocketEvent

from app.observability import with_lambda_context
from app.push import disconnect
from app.store import Store

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@with_lambda_context
@event_source(data_class=APIGatewayWebSocketEvent)
def handler(event: APIGatewayWebSocketEvent, context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001
    """Best effort: API Gateway may skip this call, so connection items also expire by TTL."""
    disconnect(event.request_context.connection_id, repo=Store.default().connections)
    return {"statusCode": 200}
