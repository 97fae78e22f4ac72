"""The seam every AWS request passes: who asked what, and what came back.

The dispatcher (`localcloud.dispatch`) describes each request as a `Call` and shows it to its
observers: `before` may answer in AWS's stead (a fault switch's throttle, an AccessDenied), and
`after` sees the response (a meter counting requests and capacity). Requests arrive two ways:

- in-process (`localcloud.transport`): a boto3 client of this process; botocore has already named
  the service and operation and holds the caller's parameters, which travel along unchanged, and
  the calling thread tells which local function (if any) is running;
- over HTTP (the loopback server: a browser's upload, the AWS CLI, another process): the
  operation is read from the request (`X-Amz-Target`, `Action`, or the service model's REST
  routes) and the parameters are the decoded JSON or form body where the protocol has one.

`aws_error` shapes an error the way the service's protocol does, so boto3 raises the same
`ClientError` (code, message, HTTP status) as it would against AWS.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, Protocol

from localcloud.server import WsgiResponse

if TYPE_CHECKING:
    from botocore.model import ServiceModel

    from localcloud.dispatch import Exchange
    from localcloud.functions import LocalFunction

Transport = Literal["in-process", "http"]

# The User-Agent suffix of the cloud's own clients (its pollers, provisioning, the console).
INTERNAL_AGENT = "localcloud-internal"

# Signing names whose botocore service is not the signing name itself.
_SERVICES_BY_SIGNING_NAME: dict[str, tuple[str, ...]] = {
    "dynamodb": ("dynamodb", "dynamodbstreams"),
    "ses": ("sesv2", "ses"),
    "states": ("stepfunctions",),
    "execute-api": ("apigatewaymanagementapi",),
    "cognito-idp": ("cognito-idp",),
}


@dataclass(frozen=True)
class Call:
    """One AWS request as the seam sees it."""

    service: str  # botocore's service name: "dynamodb", "sesv2", "stepfunctions", ... ('' unsigned)
    operation: str  # "PutItem", "SendEmail", ... ('' when the request names none the cloud knows)
    params: Mapping[str, Any] | None  # in-process: as the caller passed them; HTTP: the decoded body
    caller: LocalFunction | None  # the local function whose thread made the request
    internal: bool  # the cloud's own request (a poller, provisioning, the console)
    transport: Transport

    @property
    def signing_name(self) -> str:
        """The service's signing name (mostly IAM's action prefix: `ses` for SES v2, `states`, ...)."""
        if not self.service:
            return ""
        model = service_model(self.service)
        return str(model.signing_name) if model is not None else self.service


class Observer(Protocol):
    """Sees every request: may answer it before it reaches anything, sees every response after."""

    def before(self, call: Call) -> WsgiResponse | None:
        """An answer in AWS's stead (e.g. `aws_error(...)`), or None to let the request through."""
        ...  # pragma: no cover

    def after(self, call: Call, response: WsgiResponse) -> None:
        """The response the caller gets (observers must not change it)."""
        ...  # pragma: no cover


@cache
def service_model(service: str) -> ServiceModel | None:
    """botocore's model of `service` (None for a name botocore does not know)."""
    from botocore.exceptions import UnknownServiceError

    try:
        model: ServiceModel = _botocore_session().get_service_model(service)
    except UnknownServiceError:
        return None
    return model


@cache
def _botocore_session() -> Any:
    import botocore.session

    return botocore.session.get_session()


# ---------------------------------------------------------------------- HTTP requests


def describe_http(exchange: Exchange) -> Call:
    """A request that came over HTTP: its service and operation read from the request itself."""
    signing_name = exchange.service
    internal = INTERNAL_AGENT in (exchange.header("User-Agent") or "")
    for service in _SERVICES_BY_SIGNING_NAME.get(signing_name, (signing_name,) if signing_name else ()):
        model = service_model(service)
        if model is None:
            continue
        operation = _operation_of(exchange, model)
        if operation:
            return Call(service, operation, _params_of(exchange, model), None, internal, "http")
    return Call(signing_name, "", None, None, internal, "http")


def _operation_of(exchange: Exchange, model: ServiceModel) -> str:
    protocol = model.protocol
    if protocol == "json" or exchange.target:
        prefix, _, name = exchange.target.rpartition(".")
        return name if prefix == model.metadata.get("targetPrefix") and name in model.operation_names else ""
    if protocol in ("query", "ec2"):
        action = _form(exchange).get("Action") or _query(exchange).get("Action") or ""
        return action if action in model.operation_names else ""
    return _rest_operation(model, exchange.method, exchange.path, _query(exchange))


def _params_of(exchange: Exchange, model: ServiceModel) -> Mapping[str, Any] | None:
    if model.protocol in ("query", "ec2"):
        return _form(exchange) or _query(exchange)
    content_type = str(exchange.environ.get("CONTENT_TYPE", ""))
    if model.protocol == "json" or "json" in content_type:
        body = exchange.json()
        return body if isinstance(body, dict) else None
    return None


def _query(exchange: Exchange) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(str(exchange.environ.get("QUERY_STRING", "")), keep_blank_values=True))


def _form(exchange: Exchange) -> dict[str, str]:
    content_type = str(exchange.environ.get("CONTENT_TYPE", ""))
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return {}
    return dict(urllib.parse.parse_qsl(exchange.body.decode("utf-8", "replace"), keep_blank_values=True))


@dataclass(frozen=True)
class _Route:
    operation: str
    method: str
    pattern: re.Pattern[str]
    query: tuple[str, ...]  # query keys the route requires (`?uploads`, `?list-type=2`)
    weight: int  # literal characters: the most specific route wins


@cache
def _routes(service: str) -> tuple[_Route, ...]:
    model = service_model(service)
    if model is None:
        return ()
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        path, _, query = str(http.get("requestUri", "/")).partition("?")
        pattern = re.sub(
            r"\\\{([^}]+?)(\\\+)?\\\}",
            lambda match: ".+" if match.group(2) else "[^/]+",
            re.escape(path.rstrip("/") or "/"),
        )
        keys = tuple(part.split("=", 1)[0] for part in query.split("&") if part)
        literal = len(re.sub(r"\{[^}]+\}", "", path)) + len(keys)
        routes.append(
            _Route(name, str(http.get("method", "GET")), re.compile(f"^{pattern}/?$"), keys, literal)
        )
    return tuple(sorted(routes, key=lambda route: route.weight, reverse=True))


def _rest_operation(model: ServiceModel, method: str, path: str, query: Mapping[str, str]) -> str:
    for route in _routes(model.service_name):
        if route.method == method and route.pattern.match(path) and all(key in query for key in route.query):
            return route.operation
    return ""


# ---------------------------------------------------------------------- errors


def aws_error(call: Call, status: int, code: str, message: str) -> WsgiResponse:
    """An error as the call's service answers it, so boto3 raises `ClientError` with `code`."""
    model = service_model(call.service) if call.service else None
    protocol = model.protocol if model is not None else "json"
    request_id = str(uuid.uuid4())
    if protocol in ("query", "ec2"):
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{code}</Code><Message>{_xml(message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return WsgiResponse(
            status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body.encode()
        )
    if protocol == "rest-xml":
        body = (
            f"<Error><Code>{code}</Code><Message>{_xml(message)}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        )
        return WsgiResponse(
            status, [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)], body.encode()
        )
    version = model.metadata.get("jsonVersion", "1.0") if model is not None else "1.0"
    content_type = f"application/x-amz-json-{version}" if protocol == "json" else "application/json"
    headers = [("Content-Type", content_type), ("x-amzn-ErrorType", code), ("x-amzn-RequestId", request_id)]
    if model is not None and model.metadata.get("awsQueryCompatible") is not None:
        # JSON services that kept their query-protocol codes (SQS) name them in this header.
        headers.append(("x-amzn-query-error", f"{code};Sender"))
    return WsgiResponse(status, headers, json.dumps({"__type": code, "message": message}).encode())


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
