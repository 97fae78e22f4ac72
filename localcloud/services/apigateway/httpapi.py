"""The HTTP API locally: uvicorn serves Herald's app itself (no emulated gateway in between), and
this middleware meters each request the way API Gateway bills it: one request per started 512 KB
of request and response, under the correlation id the app gave the response."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from localcloud.meter import Meter

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
