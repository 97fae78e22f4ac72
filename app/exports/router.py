"""/api/exports: start a CSV export (a job), follow it, download it, list recent ones."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from app import aws
from app.api.deps import CorrelationId, CurrentUser, ItemId, SettingsDep, StoreDep
from app.exports import service
from app.exports.models import Export, ExportCreate, ExportPage
from app.exports.sources import Sources
from app.exports.storage import ExportFiles, S3Exports


async def get_files(settings: SettingsDep) -> ExportFiles:
    """The bucket export files are written to."""
    return S3Exports(aws.s3(), settings.imports_bucket)


Files = Annotated[ExportFiles, Depends(get_files)]

router = APIRouter(tags=["exports"])


@router.post("/api/exports", status_code=status.HTTP_202_ACCEPTED)
async def create_export(
    body: ExportCreate,
    user: CurrentUser,
    store: StoreDep,
    settings: SettingsDep,
    correlation_id: CorrelationId,
) -> Export:
    """Start exporting a list, a segment or a campaign's recipients as CSV: the job is queued (202),
    its progress pushed over the WebSocket; 429 `exports_busy` while your running exports are at the cap."""
    return service.create_export(
        user.user_id,
        body,
        sources=Sources.of(store),
        slots=settings.exports_per_owner,
        correlation_id=correlation_id,
    )


@router.get("/api/exports")
async def list_exports(user: CurrentUser, store: StoreDep) -> ExportPage:
    """Your recent exports, newest first (each kept seven days)."""
    return service.list_exports(user.user_id, repo=store.exports)


@router.get("/api/exports/{export_id}")
async def get_export(export_id: ItemId, user: CurrentUser, store: StoreDep, files: Files) -> Export:
    """An export's status and counts; once ready, a five-minute `download_url` (an attachment)."""
    return service.get_export(user.user_id, export_id, repo=store.exports, files=files)
