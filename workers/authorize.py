"""HTTP API Lambda authorizer (payload 2.0, simple responses): a Cognito access token or an API key.

API Gateway caches each answer by the Authorization header (ReauthorizeEvery in the template), so
this is the gate that keeps anonymous and forged calls away from the Lambdalith, not the last
word: the app checks every request again (log-outs, revoked keys, scopes, rate limits).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerEventV2,
    APIGatewayAuthorizerResponseV2,
)

from app.auth.credentials import verify
from app.config import get_settings
from app.errors import NotAuthenticated
from app.observability import logger, with_lambda_context
from app.store import Store

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def bearer_credential(identity_source: list[str]) -> str | None:
    """The credential of an `Authorization: Bearer <credential>` identity source."""
    scheme, _, credential = (identity_source[0] if identity_source else "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return credential.strip() or None


@with_lambda_context
@event_source(data_class=APIGatewayAuthorizerEventV2)
def handler(event: APIGatewayAuthorizerEventV2, context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001
    """Allow a valid token or a live key (with the caller in the context), deny anything else; an
    unavailable identity provider raises, which API Gateway answers with a 500 and does not cache."""
    credential = bearer_credential(event.identity_source)
    if credential is None:
        return APIGatewayAuthorizerResponseV2(authorize=False).asdict()
    try:
        principal = verify(credential, settings=get_settings(), keys=Store.default().api_keys)
    except NotAuthenticated as exc:
        logger.info("request denied", extra={"route": event.route_key, "reason": exc.code})
        return APIGatewayAuthorizerResponseV2(authorize=False).asdict()
    caller = {"user_id": principal.user_id, "method": principal.method, "key_id": principal.key_id or ""}
    return APIGatewayAuthorizerResponseV2(authorize=True, context=caller).asdict()
