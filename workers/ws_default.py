"""WebSocket `$default`: answer what a client sends (`{"action": "ping"}` -> `{"type": "pong"}`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_websocket_event import APIGatewayWebSocketEvent

from app.observability import with_lambda_context
from app.push import reply

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@with_lambda_context
@event_source(data_class=APIGatewayWebSocketEvent)
def handler(event: APIGatewayWebSocketEvent, context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001
    """The body goes back to the caller's socket (the route has a `$default` route response)."""
    return {"statusCode": 200, "body": json.dumps(reply(event.decoded_body))}
