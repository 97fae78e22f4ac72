"""WebSocket `$connect`: authorise the access token from `?token=` and remember the connection."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_websocket_event import APIGatewayWebSocketEvent

from app.config import get_settings
from app.errors import NotAuthenticated, UpstreamUnavailable
from app.observability import logger, with_lambda_context
from app.push import connect
from app.store import Store

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@with_lambda_context
@event_source(data_class=APIGatewayWebSocketEvent)
def handler(event: APIGatewayWebSocketEvent, context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001
    """200 keeps the connection; anything else makes API Gateway refuse the handshake."""
    token = event.query_string_parameters.get("token")
    connection_id = event.request_context.connection_id
    store = Store.default()
    try:
        connect(
            token,
            connection_id,
            repo=store.connections,
            revocations=store.revocations,
            settings=get_settings(),
        )
    except NotAuthenticated as exc:
        logger.info("websocket refused", extra={"connection_id": connection_id, "reason": exc.code})
        return {"statusCode": 401}
    except UpstreamUnavailable:
        logger.exception("websocket not authorised: the identity provider is unavailable")
        return {"statusCode": 503}
    return {"statusCode": 200}
