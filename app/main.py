"""The Lambdalith: one FastAPI app with a router per domain, run in Lambda through Mangum."""

from __future__ import annotations

from fastapi import FastAPI
from mangum import Mangum

from app.api import errors
from app.api.correlation import CorrelationMiddleware
from app.api.routing import LazyRouters, LazyRoutingMiddleware

DESCRIPTION = """
Herald's API: accounts, audiences and campaigns.

Private routes need `Authorization: Bearer <credential>`: an access token from `POST /api/auth/login`,
or an API key from `POST /api/keys` (scoped: `read_only`, `send_only`, `read_write`).
Errors always have the shape `{"error": {"code", "message", "details"}}`.
"""


def create_app() -> FastAPI:
    """Build the API (no config is read, no AWS client is created, no domain router imported)."""
    app = FastAPI(title="Herald", version="0.1.0", description=DESCRIPTION)
    routers = LazyRouters(app)
    app.state.routers = routers
    errors.install(app)
    errors.document(app, before=routers.ensure_all)
    app.add_middleware(LazyRoutingMiddleware, routers=routers)
    app.add_middleware(CorrelationMiddleware)
    return app


app = create_app()
handler = Mangum(app, lifespan="off")
