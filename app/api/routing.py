"""Domain routers imported on first use, so a cold start builds only the routes it serves.

FastAPI builds every route's validators when the route is declared (about 3 ms a route
here): importing every domain's router on each Lambda cold start would cost more than
FastAPI itself. `ROUTERS` maps the first path segment after `/api` to the router modules
that serve it; tests/unit/test_routing.py checks the table against the routes.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Mapping, Sequence

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

ROUTERS: Mapping[str, tuple[str, ...]] = {
    "health": ("app.health.router",),
    "auth": ("app.auth.router",),
    "me": ("app.users.router",),
    "admin": ("app.users.router",),
    "lists": ("app.contacts.router", "app.imports.router", "app.engagement.router"),
    "suppression": ("app.contacts.router",),
    "imports": ("app.imports.router",),
    "exports": ("app.exports.router",),
    "campaigns": ("app.campaigns.router", "app.engagement.router"),
    "forms": ("app.forms.router",),
    "segments": ("app.segments.router",),
    "keys": ("app.keys.router",),
    "templates": ("app.templates.router",),
    "tx": ("app.transactional.router",),
    "webhooks": ("app.webhooks.router",),
    "public": ("app.unsubscribe.router", "app.forms.public", "app.preferences.router"),
}


def api_segment(path: str) -> str | None:
    """`lists` for `/api/lists/...`; None for paths outside the API."""
    parts = path.split("/", 3)
    if len(parts) < 3 or parts[1] != "api":
        return None
    return parts[2]


class LazyRouters:
    """Includes each domain's router into the app the first time a request needs it."""

    def __init__(self, app: FastAPI, table: Mapping[str, Sequence[str]] = ROUTERS) -> None:
        self.app = app
        self.table = table
        self.loaded: list[str] = []
        self._lock = threading.Lock()

    def modules_for(self, path: str) -> tuple[str, ...]:
        """The router modules a request path may need (all of them for an unknown API segment)."""
        segment = api_segment(path)
        if segment is None:
            return ()
        return tuple(self.table.get(segment) or self.all_modules())

    def all_modules(self) -> tuple[str, ...]:
        """Every router module, in table order."""
        return tuple(dict.fromkeys(module for modules in self.table.values() for module in modules))

    def ensure(self, modules: Sequence[str]) -> None:
        """Import and include the modules not included yet."""
        if all(module in self.loaded for module in modules):
            return
        with self._lock:
            for name in modules:
                if name not in self.loaded:
                    self.app.include_router(importlib.import_module(name).router)
                    self.loaded.append(name)

    def ensure_all(self) -> None:
        """Include every router (the OpenAPI document describes them all)."""
        self.ensure(self.all_modules())


class LazyRoutingMiddleware:
    """ASGI middleware: makes sure the routers a request needs are included before routing."""

    def __init__(self, app: ASGIApp, routers: LazyRouters) -> None:
        self.app = app
        self.routers = routers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            self.routers.ensure(self.routers.modules_for(scope["path"]))
        await self.app(scope, receive, send)
