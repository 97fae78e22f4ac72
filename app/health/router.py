"""/api/health: answers without touching any dependency (used by probes and the SPA)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from app.api.deps import SettingsDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The API is up."""

    status: str
    stage: str


@router.get("/api/health")
async def health(settings: SettingsDep) -> Health:
    """Liveness."""
    return Health(status="ok", stage=settings.stage)
