"""/api/health: liveness; answers without configuration or any dependency (probes, the SPA)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The API is up."""

    status: str


@router.get("/api/health")
async def health() -> Health:
    """Liveness (reads no settings, so a broken configuration still shows the function runs)."""
    return Health(status="ok")
