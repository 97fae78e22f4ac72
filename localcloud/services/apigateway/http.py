"""API Gateway v2: the template's HTTP API routes and their Lambda authorizer, run before the app.

uvicorn serves the app itself for every route; what the HTTP API does first is done here: a
request that matches a route with a Lambda authorizer (the event's `Auth.Authorizer`, else the
API's `DefaultAuthorizer`) runs that function first, with API Gateway's REQUEST event (payload
2.0) and its answers: 401 `{"message": "Unauthorized"}` when the identity header is missing, 403
`{"message": "Forbidden"}` when the function denies (simple responses), 500 when it fails; each
answer is kept `ReauthorizeEvery` seconds per header value, as API Gateway keeps it. Routes with
`Authorizer: NONE`, and paths that are no route of the API (the SPA, `/_local`), go straight to
the app. `MeterHttpApi` meters each `/api/` request the way API Gateway bills it: one request per
started 512 KB of request and response, under the correlation id the app gave the response.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from localcloud.context import Fed, ProvisionContext, ServiceState
from localcloud.functions import LocalFunction
from localcloud.meter import Meter

_ANY = "ANY"


@dataclass(frozen=True)
class HttpAuthorizer:
    """A Lambda authorizer of the API: the function it runs and the header that identifies."""

    function: str  # logical id
    header: str  # lower-case
    cache_seconds: int = 300  # ReauthorizeEvery: how long an answer is kept per header value


@dataclass(frozen=True)
class HttpRoute:
    """One route of the HTTP API (`ANY /api/{proxy+}`) and the authorizer in front of it."""

    method: str
    path: str
    authorizer: HttpAuthorizer | None

    @property
    def key(self) -> str:
        """API Gateway's route key."""
        return f"{self.method} {self.path}"

    def matches(self, method: str, path: str) -> bool:
        """True when a request's method and path fall under this route."""
        if self.method not in (_ANY, method.upper()):
            return False
        pattern = re.sub(r"\\\{[^/]+?\\\+\\\}", ".+", re.escape(self.path))  # {proxy+}: the rest
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", pattern)  # {name}: one segment
        return re.fullmatch(pattern, path) is not None

    def specificity(self) -> tuple[int, int, int]:
        """API Gateway prefers routes without a greedy variable, then the longer literal path, then a
        named method over ANY."""
        literal = self.path.split("{", 1)[0]
        return (0 if "+}" in self.path else 1, len(literal), 0 if self.method == _ANY else 1)


class HttpApiRoutes(ServiceState):
    """The routes of the template's HTTP API (filled as its function's events are fed)."""

    def __init__(self, core: Any) -> None:
        super().__init__(core)
        self.routes: list[HttpRoute] = []

    def match(self, method: str, path: str) -> HttpRoute | None:
        """The route API Gateway would choose for a request, if any."""
        candidates = [route for route in self.routes if route.matches(method, path)]
        return max(candidates, key=HttpRoute.specificity) if candidates else None


def serve_route(
    ctx: ProvisionContext, function: LocalFunction, event_name: str, props: Mapping[str, Any]
) -> Fed:
    """`HttpApi` events: uvicorn serves the app; the route and its authorizer are remembered."""
    del function, event_name
    method, path = str(props.get("Method", _ANY)).upper(), str(props.get("Path", "/"))
    route = HttpRoute(method=method, path=path, authorizer=_authorizer(ctx, props))
    ctx.states.of(HttpApiRoutes).routes.append(route)
    guard = f", authorizer {route.authorizer.function} first" if route.authorizer else ""
    return Fed(f"served by uvicorn ({route.key}{guard})")


def _authorizer(ctx: ProvisionContext, props: Mapping[str, Any]) -> HttpAuthorizer | None:
    """The Lambda authorizer of an event's route (its own, else its API's default), if any."""
    api = _api(ctx, props.get("ApiId"))
    auth = (api.get("Auth") or {}) if api is not None else {}
    name = (props.get("Auth") or {}).get("Authorizer") or auth.get("DefaultAuthorizer")
    if not name or name == "NONE":
        return None
    spec = (auth.get("Authorizers") or {}).get(name) or {}
    target = spec.get("FunctionArn") if isinstance(spec, Mapping) else None
    attribute = target.get("Fn::GetAtt") if isinstance(target, Mapping) else None
    if attribute is None:
        return None  # a JWT authorizer: the app verifies those tokens itself
    logical_id = attribute[0] if isinstance(attribute, list) else str(attribute).split(".", 1)[0]
    identity = spec.get("Identity") or {}
    headers = identity.get("Headers") or ["Authorization"]
    return HttpAuthorizer(
        function=str(logical_id),
        header=str(headers[0]).lower(),
        cache_seconds=int(identity.get("ReauthorizeEvery", 300)),
    )


def _api(ctx: ProvisionContext, api_id: Any) -> Mapping[str, Any] | None:
    """The raw properties of the HTTP API an event names (or the template's only one)."""
    resources = ctx.template.resources
    name = api_id.get("Ref") if isinstance(api_id, Mapping) else api_id
    if isinstance(name, str) and name in resources:
        return resources[name].properties
    apis = [spec for spec in resources.values() if spec.type == "AWS::Serverless::HttpApi"]
    return apis[0].properties if len(apis) == 1 else None


def authorizer_event(
    route: HttpRoute, *, method: str, path: str, query: str, headers: Mapping[str, str], source_ip: str
) -> dict[str, Any]:
    """API Gateway's REQUEST authorizer event (payload 2.0) for one request."""
    assert route.authorizer is not None
    now = time.time()
    identity = headers.get(route.authorizer.header, "")
    return {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": f"arn:aws:execute-api:us-east-1:123456789012:local/$default/{method}{path}",
        "identitySource": [identity],
        "routeKey": route.key,
        "rawPath": path,
        "rawQueryString": query,
        "cookies": [],
        "headers": dict(headers),
        "queryStringParameters": {},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": headers.get("host", "localhost"),
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": route.key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
    }


# The routes the template's HttpApi serves; the SPA, the docs and /_local are not API Gateway's.
API_PREFIX = "/api/"
_CORRELATION_HEADER = b"x-correlation-id"


class MeterHttpApi:
    """ASGI middleware: every `/api/` request counted by the cloud's meter."""

    def __init__(self, app: ASGIApp, *, meter: Meter) -> None:
        self.app = app
        self._meter = meter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, counting the bytes both ways."""
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not path.startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        size = 0
        correlation_id: str | None = None

        async def counted_receive() -> Message:
            nonlocal size
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
            return message

        async def counted_send(message: Message) -> None:
            nonlocal size, correlation_id
            if message["type"] == "http.response.start":
                for name, value in message.get("headers", []):
                    if name.lower() == _CORRELATION_HEADER:
                        correlation_id = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, counted_receive, counted_send)
        finally:
            self._meter.record_http_request(str(scope.get("method", "GET")), path, size, correlation_id)
