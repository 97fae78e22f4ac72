"""API Gateway v2: the template's WEBSOCKET API, its integrations, routes, route responses and stage.

uvicorn serves the API at `/ws` (`bridge.WebSocketBridge`); an HTTP API is the app itself, so it is
not emulated here. Ids are stable per stack (API Gateway's look), so they survive restarts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from localcloud.context import Core, NotEmulated, ProvisionContext, Provisioned, ServiceState
from localcloud.functions import LocalFunction
from localcloud.template import ResourceSpec

_BODY_SELECTION = "$request.body."


def _local_id(ctx: ProvisionContext, spec: ResourceSpec, length: int) -> str:
    """A stable lower-case id (API Gateway's look), the same on every start of this stack."""
    seed = f"{ctx.account_id}/{ctx.template.stack_name}/{spec.logical_id}"
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


@dataclass
class WebSocketRoute:
    """One route: its key, the local function it runs, and whether its answer goes back."""

    key: str
    function: LocalFunction
    two_way: bool = False


@dataclass
class WebSocketApi:
    """A WEBSOCKET API of the template, as provisioning found it."""

    logical_id: str
    api_id: str
    name: str
    selection_expression: str
    stage: str = ""
    routes: dict[str, WebSocketRoute] = field(default_factory=dict)

    def select(self, body: str | None) -> WebSocketRoute | None:
        """The route a message selects through the RouteSelectionExpression, else `$default`."""
        key = _selected_key(self.selection_expression, body)
        # A message can name a custom route, never $connect or $disconnect.
        if key is not None and not key.startswith("$") and key in self.routes:
            return self.routes[key]
        return self.routes.get("$default")


def _selected_key(expression: str, body: str | None) -> str | None:
    if not expression.startswith(_BODY_SELECTION) or not body:
        return None
    try:
        value: Any = json.loads(body)
    except ValueError:
        return None
    for name in expression[len(_BODY_SELECTION) :].split("."):
        if not isinstance(value, dict) or name not in value:
            return None
        value = value[name]
    return value if isinstance(value, str) else None


class WebSocketApis(ServiceState):
    """The template's WEBSOCKET API with its integrations and routes (filled by the provisioners)."""

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self._apis: dict[str, WebSocketApi] = {}
        self._integrations: dict[str, LocalFunction] = {}
        self._routes: dict[str, WebSocketRoute] = {}

    def first(self) -> WebSocketApi | None:
        """The API uvicorn serves at /ws (one per process)."""
        return next(iter(self._apis.values()), None)

    def get(self, api_id: str) -> WebSocketApi | None:
        """An API by its id (its `Ref`)."""
        return self._apis.get(api_id)

    def add(self, api: WebSocketApi) -> None:
        """Register an API."""
        self._apis[api.api_id] = api

    def add_integration(self, integration_id: str, function: LocalFunction) -> None:
        """Register an integration (its `Ref`) and the function it runs."""
        self._integrations[integration_id] = function

    def integration(self, integration_id: str) -> LocalFunction | None:
        """The function an integration runs."""
        return self._integrations.get(integration_id)

    def add_route(self, api: WebSocketApi, route_id: str, route: WebSocketRoute) -> None:
        """Register a route (by its `Ref`, which route responses name) on its API."""
        api.routes[route.key] = route
        self._routes[route_id] = route

    def route(self, route_id: str) -> WebSocketRoute | None:
        """A route by its id."""
        return self._routes.get(route_id)

    def is_management_url(self, url: str) -> bool:
        """Whether `url` is `https://{api id}.execute-api.{region}.{suffix}[/{stage}]` of a local API."""
        parts = urlsplit(url)
        api_id, _, rest = (parts.hostname or "").partition(".")
        return parts.scheme == "https" and rest.startswith("execute-api.") and api_id in self._apis


def _api(ctx: ProvisionContext, props: Mapping[str, Any], resource_type: str) -> WebSocketApi:
    api = ctx.states.of(WebSocketApis).get(str(props.get("ApiId")))
    if api is None:
        raise NotEmulated(
            f"{resource_type} of an API that uvicorn serves (only a WEBSOCKET API runs locally)"
        )
    return api


def provision_api(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A WEBSOCKET API: served by uvicorn at /ws (an HTTP API is the app itself)."""
    if props.get("ProtocolType") != "WEBSOCKET":
        raise NotEmulated("an HTTP API: uvicorn serves it (app.main) on one origin with the SPA")
    apis = ctx.states.of(WebSocketApis)
    served = apis.first()
    if served is not None:
        raise NotEmulated(f"only one WebSocket API is served locally (/ws serves {served.logical_id})")
    api = WebSocketApi(
        logical_id=spec.logical_id,
        api_id=_local_id(ctx, spec, 10),
        name=str(props.get("Name") or spec.logical_id),
        selection_expression=str(props.get("RouteSelectionExpression", "")),
    )
    apis.add(api)
    endpoint = f"{api.api_id}.execute-api.{ctx.region}.amazonaws.com"
    return Provisioned(
        ref=api.api_id,
        attributes={"ApiId": api.api_id, "ApiEndpoint": f"wss://{endpoint}"},
        status="local",
        detail=(
            f"uvicorn serves it at /ws (routes by {api.selection_expression or '$default only'}); "
            f"its management API is {ctx.clients.endpoint_url}/@connections"
        ),
    )


def provision_integration(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A Lambda proxy integration of the WebSocket API: which local function a route runs."""
    _api(ctx, props, spec.type)
    uri = str(props.get("IntegrationUri", ""))
    arn = uri.split("/functions/", 1)[1].rsplit("/invocations", 1)[0] if "/functions/" in uri else uri
    function = ctx.core.functions.find(arn)
    if props.get("IntegrationType") not in ("AWS_PROXY", "AWS") or function is None:
        raise NotEmulated("only Lambda integrations with a local function run locally")
    integration_id = _local_id(ctx, spec, 7)
    ctx.states.of(WebSocketApis).add_integration(integration_id, function)
    return Provisioned(ref=integration_id, status="local", detail=f"runs {function.logical_id}")


def provision_route(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A route of the WebSocket API (`Target: integrations/{id}`)."""
    api = _api(ctx, props, spec.type)
    key = str(props["RouteKey"])
    target = str(props.get("Target", ""))
    function = ctx.states.of(WebSocketApis).integration(target.rpartition("/")[2])
    if not target.startswith("integrations/") or function is None:
        raise NotEmulated(f"route {key} has no local integration (Target {target or 'missing'})")
    route = WebSocketRoute(key=key, function=function)
    route_id = _local_id(ctx, spec, 7)
    ctx.states.of(WebSocketApis).add_route(api, route_id, route)
    return Provisioned(ref=route_id, status="local", detail=f"{key} -> {route.function.logical_id}")


def provision_route_response(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A route response: the route becomes two-way (the function's `body` goes back to the socket)."""
    _api(ctx, props, spec.type)
    route = ctx.states.of(WebSocketApis).route(str(props.get("RouteId")))
    if route is None or props.get("RouteResponseKey") != "$default":
        raise NotEmulated("only the $default response of a local route is emulated")
    route.two_way = True
    return Provisioned(ref=_local_id(ctx, spec, 7), status="local", detail=f"{route.key} answers the sender")


def provision_stage(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """The stage of the WebSocket API (its name is in every event's requestContext)."""
    api = _api(ctx, props, spec.type)
    api.stage = str(props.get("StageName") or "$default")
    return Provisioned(ref=api.stage, status="local", detail="throttling and logging settings not applied")
