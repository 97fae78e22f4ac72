"""The local runner: Herald's API, the SPA and the embedded cloud in one uvicorn process.

    uvicorn localcloud.asgi:create_local_app --factory --reload

Options (environment variables, read here only):
    HERALD_STATE_DIR   where the snapshot lives (default: <repo>/.localcloud)
    HERALD_CLOUD_PORT  the emulator's port (default: 0, any free port)
    HERALD_TEMPLATE    the SAM template (default: <repo>/template.yaml)
    HERALD_APP_URL     where the browser reaches this server (default: http://127.0.0.1:8000);
                       passed as the template's AppUrl (S3 CORS origin, links in emails)
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from fastapi import FastAPI, Request, WebSocket
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from localcloud.cloud import EmbeddedCloud
from localcloud.console import ConsoleError
from localcloud.console.routes import console_router
from localcloud.iam import ActAsApi
from localcloud.services.apigateway.http import HttpRoute, MeterHttpApi, authorizer_event

if TYPE_CHECKING:
    from app.api.routing import LazyRouters

ROOT = Path(__file__).resolve().parents[1]
logger = logging.getLogger("localcloud")

# Paths the SPA fallback never answers: they belong to the API or to the local runner.
_NOT_SPA = ("api/", "_local/", "docs", "openapi.json", "ws")
# ...except the dev console page itself, which is a page of the SPA.
_SPA_PAGES = ("_local", "_local/")


@dataclass(frozen=True)
class LocalOptions:
    """Where the local runner finds its template and keeps its state."""

    template_path: Path = ROOT / "template.yaml"
    state_dir: Path = ROOT / ".localcloud"
    port: int = 0
    frontend_dist: Path = ROOT / "frontend" / "dist"
    app_url: str = "http://127.0.0.1:8000"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> LocalOptions:
        """Read the HERALD_* variables (see the module docstring)."""
        defaults = cls()
        return cls(
            template_path=Path(environ.get("HERALD_TEMPLATE") or defaults.template_path),
            state_dir=Path(environ.get("HERALD_STATE_DIR") or defaults.state_dir),
            port=int(environ.get("HERALD_CLOUD_PORT") or 0),
            app_url=environ.get("HERALD_APP_URL") or defaults.app_url,
        )


class SpaFiles(StaticFiles):
    """The built SPA; unknown non-API paths get index.html (client-side routing)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        """A file of the build, else index.html for SPA routes, else 404."""
        try:
            return await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or (path.startswith(_NOT_SPA) and path not in _SPA_PAGES):
                raise
            return await super().get_response("index.html", scope)


class HttpApiAuthorizer:
    """ASGI middleware: the template's HTTP API authorizer runs before a private route, as in AWS
    (`localcloud.services.apigateway.http`)."""

    _CACHE_LIMIT = 10_000  # answers kept; past it the cache starts afresh

    def __init__(self, app: ASGIApp, cloud: EmbeddedCloud) -> None:
        self.app = app
        self.cloud = cloud
        # (function, header value) -> (kept until, allowed): API Gateway's authorizer cache.
        self._answers: dict[tuple[str, str], tuple[float, bool]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer as API Gateway does when its authorizer refuses it."""
        route = self.cloud.http_route(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if route is None or route.authorizer is None:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        refusal = await self._refusal(route, scope, headers)
        if refusal is None:
            await self.app(scope, receive, send)
        else:
            await refusal(scope, receive, send)

    async def _refusal(self, route: HttpRoute, scope: Scope, headers: dict[str, str]) -> Response | None:
        authorizer = route.authorizer
        assert authorizer is not None
        identity = headers.get(authorizer.header)
        if not identity:
            return JSONResponse({"message": "Unauthorized"}, status_code=401)
        kept = self._answers.get((authorizer.function, identity))
        if kept is not None and kept[0] > time.monotonic():
            return None if kept[1] else JSONResponse({"message": "Forbidden"}, status_code=403)
        client = scope.get("client") or ("127.0.0.1", 0)
        event = authorizer_event(
            route,
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            source_ip=str(client[0]),
        )
        try:
            answer = await anyio.to_thread.run_sync(self.cloud.invoke, authorizer.function, event)
        except Exception:
            logger.exception("the HTTP API's authorizer %s failed", authorizer.function)
            return JSONResponse({"message": "Internal Server Error"}, status_code=500)
        allowed = isinstance(answer, dict) and answer.get("isAuthorized") is True
        if len(self._answers) >= self._CACHE_LIMIT:
            self._answers.clear()
        until = time.monotonic() + authorizer.cache_seconds
        self._answers[(authorizer.function, identity)] = (until, allowed)
        return None if allowed else JSONResponse({"message": "Forbidden"}, status_code=403)


def reset_app_caches() -> None:
    """Forget settings, clients and key sets built before the environment pointed here."""
    from app import aws
    from app.auth import tokens
    from app.config import get_settings

    get_settings.cache_clear()
    aws.clear_clients()
    tokens.clear_cache()


def create_local_app(*, options: LocalOptions | None = None, cloud: EmbeddedCloud | None = None) -> FastAPI:
    """Herald's app plus the local-only routes; starts (and saves) the embedded cloud.

    Given a running `cloud`, the app uses it and leaves its lifecycle and the environment alone.
    """
    from app.main import create_app

    options = options or LocalOptions.from_environ(os.environ)
    owned = cloud is None
    embedded = cloud or EmbeddedCloud(
        template_path=options.template_path,
        state_dir=options.state_dir,
        port=options.port,
        parameters={"AppUrl": options.app_url},
    )
    if owned and not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)

    app = create_app()
    herald_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(wrapped: FastAPI) -> AsyncIterator[Any]:
        # The cloud first: the app's own startup may already talk to AWS.
        if owned:
            await anyio.to_thread.run_sync(embedded.start)
            embedded.apply_environment()
            reset_app_caches()
        _include_routers_soon(app.state.routers)
        try:
            async with herald_lifespan(wrapped) as state:
                yield state
        finally:
            if owned:
                await anyio.to_thread.run_sync(embedded.stop)

    app.router.lifespan_context = lifespan
    # The API's AWS calls are checked against the template's API function's policy.
    app.add_middleware(ActAsApi)
    # What API Gateway would bill for each request (the dev console's meter); inside the
    # authorizer, as API Gateway does not bill the calls its authorizer refuses.
    app.add_middleware(MeterHttpApi, meter=embedded.meter)
    # As in AWS, a private route's request meets the HTTP API's Lambda authorizer before the app.
    app.add_middleware(HttpApiAuthorizer, cloud=embedded)
    _add_local_routes(app, embedded, owned=owned)
    _add_websocket(app, embedded)
    if (options.frontend_dist / "index.html").exists():
        _serve_spa(app, SpaFiles(directory=options.frontend_dist, html=True))
    return app


def _include_routers_soon(routers: LazyRouters) -> None:
    """Include every domain router in a thread of its own, once the cloud is up.

    Lambda imports a router on its domain's first request to keep cold starts short; a dev
    server has every route there from its first seconds (about half a second of imports, a
    tenth of the start-up, done while it already answers). A request that comes sooner includes
    its own domain's routers first (`LazyRoutingMiddleware`, as in Lambda) and /openapi.json all
    of them (`errors.document`); one router at a time, so neither waits for the others.
    """

    def include_all() -> None:
        for module in routers.all_modules():
            try:
                routers.ensure((module,))
            except Exception:  # its domain's requests raise it again, with the traceback
                logger.exception("localcloud: cannot include %s", module)

    threading.Thread(target=include_all, name="localcloud-routers", daemon=True).start()


def _serve_spa(app: FastAPI, spa: SpaFiles) -> None:
    """The SPA answers what no route does (the router's fallback, not a catch-all mount).

    A mount at `/` would shadow every route included after it, and Herald includes its domain
    routers lazily, on their first request.
    """
    not_found = app.router.default

    async def fallback(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await spa(scope, receive, send)
        else:
            await not_found(scope, receive, send)

    app.router.default = fallback


def _add_local_routes(app: FastAPI, cloud: EmbeddedCloud, *, owned: bool) -> None:
    """The SPA's runtime configuration and the dev console's JSON (`localcloud.console.routes`)."""

    @app.get("/config.json", include_in_schema=False)
    def config(request: Request) -> dict[str, Any]:
        """What the SPA needs to find the API and the WebSocket."""
        scheme = "wss" if request.url.scheme == "https" else "ws"
        host = request.headers.get("host", request.url.netloc)
        stage = str(cloud.parameters.get("Stage", "local"))
        return {"apiBase": "/api", "wsUrl": f"{scheme}://{host}/ws", "stage": stage}

    @app.exception_handler(ConsoleError)
    async def console_error(_request: Request, exc: ConsoleError) -> JSONResponse:
        return JSONResponse(exc.as_json(), status_code=exc.status)

    def after_restart() -> None:
        # A loaded snapshot may hold other ids (its own user pool): point the app at them again.
        if owned:
            cloud.apply_environment()
            reset_app_caches()

    app.include_router(console_router(cloud, after_restart=after_restart))


def _add_websocket(app: FastAPI, cloud: EmbeddedCloud) -> None:
    @app.websocket("/ws")
    async def local_websocket(websocket: WebSocket) -> None:
        """The template's WebSocket API: the same $connect/$default/$disconnect handlers as in AWS."""
        bridge = cloud.websocket
        if bridge is None:
            await websocket.close(code=1008)  # the template has no WebSocket API
            return
        await bridge.serve(websocket)
