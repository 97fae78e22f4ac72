"""/api/lists/{id}/imports and /api/imports: start a CSV import, follow it, get its error report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from app import aws, secrets
from app.api.deps import CorrelationId, CurrentUser, Cursor, ItemId, SettingsDep, StoreDep
from app.api.owned import OwnedRoutes
from app.imports import service
from app.imports.models import ImportCreate, ImportPage, ImportStarted, ReportLink
from app.imports.storage import S3Uploads, UploadStore
from app.pagination import PageRequest


async def get_uploads(settings: SettingsDep) -> UploadStore:
    """The imports bucket."""
    return S3Uploads(aws.s3(), settings.imports_bucket)


Uploads = Annotated[UploadStore, Depends(get_uploads)]

router = APIRouter(tags=["imports"])
# GET /api/imports/{import_id}: the line `imports.one` below.
imports = OwnedRoutes(router, "/api/imports/{import_id}", ItemId, repo=lambda store: store.imports)


@router.post("/api/lists/{list_id}/imports", status_code=status.HTTP_201_CREATED)
async def create_import(
    list_id: ItemId,
    user: CurrentUser,
    store: StoreDep,
    uploads: Uploads,
    settings: SettingsDep,
    correlation_id: CorrelationId,
    body: ImportCreate | None = None,
) -> ImportStarted:
    """Start an import: the response holds a presigned POST for the CSV (5 minutes, size-limited)."""
    return service.create_import(
        user.user_id,
        list_id,
        body or ImportCreate(),
        lists=store.lists,
        repo=store.imports,
        uploads=uploads,
        max_bytes=settings.import_max_bytes,
        correlation_id=correlation_id,
    )


@router.get("/api/lists/{list_id}/imports")
async def list_imports(
    list_id: ItemId,
    user: CurrentUser,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Cursor = None,
) -> ImportPage:
    """A list's imports, newest first."""
    return service.list_imports(
        user.user_id,
        list_id,
        PageRequest(limit=limit, cursor=cursor),
        lists=store.lists,
        repo=store.imports,
        key=secrets.signing_key,
    )


imports.one(service.get_import, "An import's status, progress and counts.")


@router.get("/api/imports/{import_id}/report")
async def get_report(import_id: ItemId, user: CurrentUser, store: StoreDep, uploads: Uploads) -> ReportLink:
    """A five-minute link to the CSV of rows that were not imported (row, email, reason)."""
    return service.report_link(user.user_id, import_id, repo=store.imports, uploads=uploads)
