"""ASGI middleware: one correlation id per request, on every log line and the response."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any
from urllib.parse import unquote

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability import bind_correlation_id, logger

HEADER = "x-correlation-id"
# A client's id is copied into items, events and every log line: only a plain token is taken
# (no spaces, quotes, markup or log-forging newlines); anything else gets a fresh id.
WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{8,64}")


def well_formed(candidate: str) -> bool:
    """True for an id worth keeping: 8-64 letters, digits, `.`, `_`, `:` or `-`."""
    return WELL_FORMED.fullmatch(candidate) is not None


def _incoming_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == HEADER.encode():
            candidate: str = value.decode("latin-1")
            if well_formed(candidate):
                return candidate
    event: Any = scope.get("aws.event") or {}
    request_id = (event.get("requestContext") or {}).get("requestId")
    return str(request_id) if request_id else str(uuid.uuid4())


def loggable_path(path: str) -> str:
    """The request path with every segment that holds an email address replaced by `{email}`."""
    return "/".join("{email}" if "@" in unquote(part) else part for part in path.split("/"))


class CorrelationMiddleware:
    """Assigns the id, binds it to the logger, echoes it and logs one line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = _incoming_id(scope)
        scope.setdefault("state", {})["correlation_id"] = correlation_id
        bind_correlation_id(correlation_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)[HEADER] = correlation_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            logger.info(
                "request",
                extra={
                    "method": scope.get("method"),
                    "path": loggable_path(str(scope.get("path", ""))),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
