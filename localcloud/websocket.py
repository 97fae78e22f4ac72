"""The WebSocket API locally: uvicorn's `/ws` runs the template's routes; the cloud answers `@connections`.

The template decides everything: the `AWS::ApiGatewayV2::Api` with `ProtocolType: WEBSOCKET`, its
`RouteSelectionExpression`, and each `Route` -> `Integration` -> `IntegrationUri` -> local
function. A socket's `$connect`, messages and `$disconnect` reach those functions with API
Gateway's event shapes; the management API (`POST`/`GET`/`DELETE /@connections/{id}`) is served
by the embedded cloud's server threads and hands messages to the socket's event loop with
`loop.call_soon_threadsafe`, so a route handler that pushes never waits on its own loop.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import json
import logging
import secrets
import string
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import anyio
import anyio.to_thread

from localcloud.functions import Invoker, LocalFunction, Outcome
from localcloud.provision import NOT_EMULATED, NotEmulated, ProvisionContext, Provisioned, provisioner
from localcloud.server import StartResponse, WsgiResponse
from localcloud.template import ResourceSpec

if TYPE_CHECKING:
    from starlette.websockets import WebSocket

logger = logging.getLogger("localcloud")

MANAGEMENT_PREFIX = "/@connections/"
# API Gateway's quota for one message (post_to_connection answers 413 above it).
MAX_PAYLOAD_BYTES = 128 * 1024
_ID_ALPHABET = string.ascii_letters + string.digits
_BODY_SELECTION = "$request.body."


def new_id() -> str:
    """An id in the style of API Gateway's connection and request ids (`L0SM9cOFvHcCIhw=`)."""
    # Letters and digits only: the id travels in a URL path (/@connections/{id}).
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(15)) + "="


def _local_id(ctx: ProvisionContext, spec: ResourceSpec, length: int) -> str:
    """A stable lower-case id (API Gateway's look), the same on every start of this stack."""
    seed = f"{ctx.account_id}/{ctx.template.stack_name}/{spec.logical_id}"
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


# ---------------------------------------------------------------------- the template's API


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


class WebSocketApis:
    """The template's WEBSOCKET API with its integrations and routes (filled by the provisioners)."""

    def __init__(self) -> None:
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
    api = ctx.runtime.websocket_apis.get(str(props.get("ApiId")))
    if api is None:
        raise NotEmulated(NOT_EMULATED[resource_type])
    return api


@provisioner("AWS::ApiGatewayV2::Api")
def provision_api(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A WEBSOCKET API: served by uvicorn at /ws (an HTTP API is the app itself)."""
    if props.get("ProtocolType") != "WEBSOCKET":
        raise NotEmulated(NOT_EMULATED[spec.type])
    apis = ctx.runtime.websocket_apis
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


@provisioner("AWS::ApiGatewayV2::Integration")
def provision_integration(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A Lambda proxy integration of the WebSocket API: which local function a route runs."""
    _api(ctx, props, spec.type)
    uri = str(props.get("IntegrationUri", ""))
    arn = uri.split("/functions/", 1)[1].rsplit("/invocations", 1)[0] if "/functions/" in uri else uri
    function = ctx.runtime.registry.find(arn)
    if props.get("IntegrationType") not in ("AWS_PROXY", "AWS") or function is None:
        raise NotEmulated("only Lambda integrations with a local function run locally")
    integration_id = _local_id(ctx, spec, 7)
    ctx.runtime.websocket_apis.add_integration(integration_id, function)
    return Provisioned(ref=integration_id, status="local", detail=f"runs {function.logical_id}")


@provisioner("AWS::ApiGatewayV2::Route")
def provision_route(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A route of the WebSocket API (`Target: integrations/{id}`)."""
    api = _api(ctx, props, spec.type)
    key = str(props["RouteKey"])
    target = str(props.get("Target", ""))
    function = ctx.runtime.websocket_apis.integration(target.rpartition("/")[2])
    if not target.startswith("integrations/") or function is None:
        raise NotEmulated(f"route {key} has no local integration (Target {target or 'missing'})")
    route = WebSocketRoute(key=key, function=function)
    route_id = _local_id(ctx, spec, 7)
    ctx.runtime.websocket_apis.add_route(api, route_id, route)
    return Provisioned(ref=route_id, status="local", detail=f"{key} -> {route.function.logical_id}")


@provisioner("AWS::ApiGatewayV2::RouteResponse")
def provision_route_response(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A route response: the route becomes two-way (the function's `body` goes back to the socket)."""
    _api(ctx, props, spec.type)
    route = ctx.runtime.websocket_apis.route(str(props.get("RouteId")))
    if route is None or props.get("RouteResponseKey") != "$default":
        raise NotEmulated("only the $default response of a local route is emulated")
    route.two_way = True
    return Provisioned(ref=_local_id(ctx, spec, 7), status="local", detail=f"{route.key} answers the sender")


@provisioner("AWS::ApiGatewayV2::Stage")
def provision_stage(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """The stage of the WebSocket API (its name is in every event's requestContext)."""
    api = _api(ctx, props, spec.type)
    api.stage = str(props.get("StageName") or "$default")
    return Provisioned(ref=api.stage, status="local", detail="throttling and logging settings not applied")


# ---------------------------------------------------------------------- sockets


@dataclass(frozen=True)
class _Close:
    """Asks a socket's sender to close it (the management API's DELETE, or the cloud stopping)."""

    code: int
    reason: str


Outgoing = str | bytes | _Close


@dataclass
class Connection:
    """One accepted socket: where to hand it messages, and what GET @connections reports."""

    connection_id: str
    loop: asyncio.AbstractEventLoop
    outgoing: asyncio.Queue[Outgoing]
    connected_at: float
    source_ip: str
    user_agent: str
    domain_name: str
    last_active_at: float
    closed_by: _Close | None = None


def _iso(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _request_time(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def _status_of(outcome: Outcome) -> int:
    """The handshake status a $connect outcome gives (a function error is API Gateway's 500)."""
    if not outcome.ok:
        return 500
    result = outcome.result
    if isinstance(result, Mapping) and "statusCode" in result:
        try:
            return int(result["statusCode"])
        except (TypeError, ValueError):
            return 502
    return 200


def _reply_of(outcome: Outcome) -> Outgoing | None:
    """What a two-way route sends back: the proxy result's `body` (decoded when base64)."""
    result = outcome.result
    if not isinstance(result, Mapping) or result.get("body") is None:
        return None
    body = str(result["body"])
    return base64.b64decode(body) if result.get("isBase64Encoded") else body


class WebSocketBridge:
    """Runs a WebSocket API's routes for the sockets uvicorn accepts; answers the management API."""

    def __init__(
        self,
        api: WebSocketApi,
        *,
        invoker: Invoker,
        on_push: Callable[[str, bytes], None] | None = None,
    ) -> None:
        self.api = api
        self._invoker = invoker
        self._on_push = on_push
        self._connections: dict[str, Connection] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ the socket side (event loop)

    async def serve(self, websocket: WebSocket) -> None:
        """One socket from the handshake to the close: `$connect`, every frame, `$disconnect`."""
        now = time.time()
        headers = websocket.headers
        client = websocket.client
        connection = Connection(
            connection_id=new_id(),
            loop=asyncio.get_running_loop(),
            outgoing=asyncio.Queue(),
            connected_at=now,
            source_ip=client.host if client else "127.0.0.1",
            user_agent=headers.get("user-agent", ""),
            domain_name=headers.get("host", "localhost"),
            last_active_at=now,
        )
        status = await self._connect(websocket, connection)
        if not 200 <= status < 300:
            await _refuse(websocket, status)
            return
        await websocket.accept()
        with self._lock:
            self._connections[connection.connection_id] = connection
        code, reason = 1006, "Connection lost"
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._send_all, websocket, connection, tasks.cancel_scope)
                code, reason = await self._receive_all(websocket, connection)
                tasks.cancel_scope.cancel()
        finally:
            self._forget(connection.connection_id)
            if connection.closed_by is not None:
                code, reason = connection.closed_by.code, connection.closed_by.reason
            # Shielded: $disconnect still runs when the server cancels us on shutdown.
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self._disconnect, connection, code, reason)

    async def _connect(self, websocket: WebSocket, connection: Connection) -> int:
        route = self.api.routes.get("$connect")
        if route is None:
            return 200  # the route is optional: without it API Gateway accepts every socket
        query = websocket.query_params
        event: dict[str, Any] = {
            "headers": {**dict(websocket.headers), "X-Forwarded-For": connection.source_ip},
            "multiValueHeaders": {name: websocket.headers.getlist(name) for name in websocket.headers},
            "requestContext": self._context(connection, route_key="$connect", event_type="CONNECT"),
            "isBase64Encoded": False,
        }
        if query:
            event["queryStringParameters"] = dict(query)
            event["multiValueQueryStringParameters"] = {name: query.getlist(name) for name in query}
        outcome = await anyio.to_thread.run_sync(self._invoker.invoke, route.function, event)
        return _status_of(outcome)

    async def _receive_all(self, websocket: WebSocket, connection: Connection) -> tuple[int, str]:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return int(message.get("code") or 1005), str(message.get("reason") or "")
            connection.last_active_at = time.time()
            text, data = message.get("text"), message.get("bytes")
            if text is not None:
                await self._message(connection, text, is_base64=False)
            elif data is not None:
                await self._message(connection, base64.b64encode(data).decode(), is_base64=True)

    async def _message(self, connection: Connection, body: str, *, is_base64: bool) -> None:
        """One frame: the selected route's function, and its answer when the route is two-way."""
        selectable = base64.b64decode(body).decode("utf-8", "replace") if is_base64 else body
        route = self.api.select(selectable)
        request_id = new_id()
        if route is None:
            # API Gateway's answer when no route matches and there is no $default.
            error = {
                "message": "Forbidden",
                "connectionId": connection.connection_id,
                "requestId": request_id,
            }
            connection.outgoing.put_nowait(json.dumps(error))
            return
        event = {
            "requestContext": self._context(
                connection,
                route_key=route.key,
                event_type="MESSAGE",
                messageId=new_id(),
                requestId=request_id,
            ),
            "body": body,
            "isBase64Encoded": is_base64,
        }
        outcome = await anyio.to_thread.run_sync(self._invoker.invoke, route.function, event)
        if not outcome.ok:
            failure = {
                "message": "Internal server error",
                "connectionId": connection.connection_id,
                "requestId": request_id,
            }
            connection.outgoing.put_nowait(json.dumps(failure))
            return
        reply = _reply_of(outcome) if route.two_way else None
        if reply is not None:
            connection.outgoing.put_nowait(reply)

    async def _send_all(self, websocket: WebSocket, connection: Connection, scope: anyio.CancelScope) -> None:
        """The one task that writes to the socket: pushes, replies, and the close."""
        try:
            while True:
                item = await connection.outgoing.get()
                if isinstance(item, _Close):
                    connection.closed_by = item
                    await websocket.close(code=item.code, reason=item.reason)
                    return
                if isinstance(item, bytes):
                    try:
                        await websocket.send_text(item.decode("utf-8"))
                    except UnicodeDecodeError:
                        await websocket.send_bytes(item)
                else:
                    await websocket.send_text(item)
        except Exception:  # the client vanished mid-send; the receive side reports the close
            logger.debug("localcloud: websocket %s: send failed", connection.connection_id, exc_info=True)
        finally:
            scope.cancel()

    def _disconnect(self, connection: Connection, code: int, reason: str) -> None:
        route = self.api.routes.get("$disconnect")
        if route is None:
            return
        event = {
            "headers": {"Host": connection.domain_name, "X-Forwarded-For": connection.source_ip},
            "multiValueHeaders": {
                "Host": [connection.domain_name],
                "X-Forwarded-For": [connection.source_ip],
            },
            "requestContext": self._context(
                connection,
                route_key="$disconnect",
                event_type="DISCONNECT",
                disconnectStatusCode=code,
                disconnectReason=reason,
            ),
            "isBase64Encoded": False,
        }
        self._invoker.invoke(route.function, event)

    def _context(
        self, connection: Connection, *, route_key: str, event_type: str, **extra: Any
    ) -> dict[str, Any]:
        now = time.time()
        context: dict[str, Any] = {
            "routeKey": route_key,
            "eventType": event_type,
            "extendedRequestId": new_id(),
            "requestTime": _request_time(now),
            "messageDirection": "IN",
            "stage": self.api.stage,
            "connectedAt": int(connection.connected_at * 1000),
            "requestTimeEpoch": int(now * 1000),
            "identity": {"userAgent": connection.user_agent, "sourceIp": connection.source_ip},
            "requestId": new_id(),
            "domainName": connection.domain_name,
            "connectionId": connection.connection_id,
            "apiId": self.api.api_id,
        }
        context.update(extra)
        return context

    # ------------------------------------------------------------------ the management API (cloud thread)

    def management(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """`POST`, `GET` and `DELETE /@connections/{id}`, answered in the cloud's server thread."""
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        path = str(environ.get("PATH_INFO", ""))
        connection_id = unquote(path[len(MANAGEMENT_PREFIX) :]).strip("/")
        stream = environ["wsgi.input"]
        length = environ.get("CONTENT_LENGTH")
        body: bytes = stream.read(int(length)) if length else b""
        return self._answer(method, connection_id, body).respond(start_response)

    def _answer(self, method: str, connection_id: str, body: bytes) -> WsgiResponse:
        with self._lock:
            connection = self._connections.get(connection_id)
        if connection is None:
            return _error(410, "GoneException", f"connection {connection_id} is gone")
        if method == "GET":
            return WsgiResponse.json(
                200,
                {
                    "connectedAt": _iso(connection.connected_at),
                    "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent},
                    "lastActiveAt": _iso(connection.last_active_at),
                },
            )
        if method == "POST":
            if len(body) > MAX_PAYLOAD_BYTES:
                return _error(413, "PayloadTooLargeException", "the data exceeds 128 KB")
            if not self._hand_over(connection, body):
                return _error(410, "GoneException", f"connection {connection_id} is gone")
            connection.last_active_at = time.time()
            if self._on_push is not None:
                self._on_push(connection_id, body)
            return WsgiResponse(200)
        if method == "DELETE":
            self._hand_over(connection, _Close(1000, "Connection closed by the server"))
            return WsgiResponse(204)
        return _error(405, "ForbiddenException", f"{method} is not part of the management API")

    def _hand_over(self, connection: Connection, item: Outgoing) -> bool:
        """Queue `item` on the socket's own loop (never touch asyncio objects from this thread)."""
        try:
            connection.loop.call_soon_threadsafe(connection.outgoing.put_nowait, item)
        except RuntimeError:  # its loop is closed: the socket died with its server
            self._forget(connection.connection_id)
            return False
        return True

    def _forget(self, connection_id: str) -> None:
        with self._lock:
            self._connections.pop(connection_id, None)

    def connection_ids(self) -> list[str]:
        """The ids of the open sockets."""
        with self._lock:
            return list(self._connections)

    def close_all(self) -> None:
        """Close every socket (the cloud is stopping)."""
        with self._lock:
            connections = list(self._connections.values())
        for connection in connections:
            self._hand_over(connection, _Close(1001, "Going away"))


def _error(status: int, code: str, message: str) -> WsgiResponse:
    """An error of the management API (boto3 reads the code from `x-amzn-ErrorType`)."""
    return WsgiResponse.json(status, {"message": message}, [("x-amzn-ErrorType", code)])


async def _refuse(websocket: WebSocket, status: int) -> None:
    """Refuse the upgrade as API Gateway does: the $connect status, when the server can send one."""
    from starlette.responses import PlainTextResponse

    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Refused"
        await websocket.send_denial_response(PlainTextResponse(phrase, status_code=status))
    else:
        await websocket.close(code=1008)  # the server then answers the handshake with 403
