"""The Lambdalith: one FastAPI app with a router per domain, run in Lambda through Mangum."""

from __future__ import annotations

from fastapi import FastAPI
from mangum import Mangum

from app.api import errors
from app.api.correlation import CorrelationMiddleware
from app.auth.router import router as auth_router
from app.health.router import router as health_router
from app.users.router import router as users_router

DESCRIPTION = """
Herald's API: accounts, audiences and campaigns.

Private routes need `Authorization: Bearer <access token>` from `POST /api/auth/login`.
Errors always have the shape `{"error": {"code", "message", "details"}}`.
"""


def create_app() -> FastAPI:
    """Build the API (no config is read and no AWS client is created here)."""
    app = FastAPI(title="Herald", version="0.1.0", description=DESCRIPTION)
    for router in (health_router, auth_router, users_router):
        app.include_router(router)
    errors.install(app)
    errors.document(app)
    app.add_middleware(CorrelationMiddleware)
    return app


app = create_app()
handler = Mangum(app, lifespan="off")
