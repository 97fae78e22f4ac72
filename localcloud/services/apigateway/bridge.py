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
import json
import logging
import secrets
import string
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import anyio
import anyio.to_thread

from localcloud.functions import Invoker, Outcome
from localcloud.server import StartResponse, WsgiResponse
from localcloud.services.apigateway.websocket import WebSocketApi

if TYPE_CHECKING:
    from starlette.websockets import WebSocket

    from localcloud.meter import Meter

logger = logging.getLogger("localcloud")

MANAGEMENT_PREFIX = "/@connections/"
# API Gateway's quota for one message (post_to_connection answers 413 above it).
MAX_PAYLOAD_BYTES = 128 * 1024
_ID_ALPHABET = string.ascii_letters + string.digits


def new_id() -> str:
    """An id in the style of API Gateway's connection and request ids (`L0SM9cOFvHcCIhw=`)."""
    # Letters and digits only: the id travels in a URL path (/@connections/{id}).
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(15)) + "="


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


def _reply_of(outcome: Outcome) -> str | bytes | None:
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
        meter: Meter | None = None,
    ) -> None:
        self.api = api
        self._invoker = invoker
        self._on_push = on_push
        self._meter = meter
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
            if self._meter is not None:
                self._meter.record_ws_connection(time.time() - connection.connected_at)
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
            if self._meter is not None and (text is not None or data is not None):
                self._meter.record_ws_message(len(text.encode()) if text is not None else len(data or b""))
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
            if self._meter is not None:
                self._meter.record_ws_message(len(reply.encode() if isinstance(reply, str) else reply))
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
