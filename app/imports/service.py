"""Import use cases for the API: start an import (presigned upload), follow it, get its report.

The uploaded file is processed by the import worker (processing.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.contacts.lists import ListRepository
from app.contacts.models import new_id
from app.errors import NotFound, found, no_such
from app.imports.models import (
    REPORT_LINK_SECONDS,
    UPLOAD_EXPIRES_SECONDS,
    ImportCreate,
    ImportJob,
    ImportPage,
    ImportStarted,
    ReportLink,
    UploadForm,
)
from app.imports.repository import ImportRepository
from app.imports.storage import UploadStore, upload_key
from app.observability import logger
from app.pagination import KeySource, PageRequest, decode_cursor, encode_cursor

CONTENT_TYPE = "text/csv"


_import_not_found = no_such("import")


def create_import(
    owner_id: str,
    list_id: str,
    cmd: ImportCreate,
    *,
    lists: ListRepository,
    repo: ImportRepository,
    uploads: UploadStore,
    max_bytes: int,
    correlation_id: str | None,
) -> ImportStarted:
    """A job waiting for its file, and a presigned POST that can only upload that file."""
    if lists.get(owner_id, list_id) is None:
        raise NotFound("No such list.", code="list_not_found")
    import_id = new_id()
    key = upload_key(owner_id, import_id)
    url, fields = uploads.presign_upload(
        key, content_type=CONTENT_TYPE, max_bytes=max_bytes, expires_in=UPLOAD_EXPIRES_SECONDS
    )
    job = repo.create(
        owner_id,
        import_id,
        list_id=list_id,
        file_name=cmd.file_name.strip(),
        upload_key=key,
        correlation_id=correlation_id,
        confirmed_reason=cmd.confirmed_reason.strip(),
    )
    logger.info("import created", extra={"import_id": import_id, "list_id": list_id})
    form = UploadForm(
        url=url,
        fields=fields,
        content_type=CONTENT_TYPE,
        max_bytes=max_bytes,
        expires_at=datetime.now(UTC) + timedelta(seconds=UPLOAD_EXPIRES_SECONDS),
    )
    return ImportStarted(**job.model_dump(), upload=form)


def get_import(owner_id: str, import_id: str, *, repo: ImportRepository) -> ImportJob:
    """One of the owner's imports with its progress."""
    return found(repo.get(owner_id, import_id), _import_not_found).job


def list_imports(
    owner_id: str,
    list_id: str,
    page: PageRequest,
    *,
    lists: ListRepository,
    repo: ImportRepository,
    key: KeySource,
) -> ImportPage:
    """A page of a list's imports, newest first."""
    if lists.get(owner_id, list_id) is None:
        raise NotFound("No such list.", code="list_not_found")
    scope = f"imports:{owner_id}:{list_id}"
    start = decode_cursor(page.cursor, scope=scope, key=key) if page.cursor else None
    items, last = repo.page_for_list(owner_id, list_id, limit=page.limit, start=start)
    return ImportPage(items=items, next_cursor=encode_cursor(last, scope=scope, key=key) if last else None)


def report_link(owner_id: str, import_id: str, *, repo: ImportRepository, uploads: UploadStore) -> ReportLink:
    """A five-minute link to the error report of a finished import that had errors."""
    record = found(repo.get(owner_id, import_id), _import_not_found)
    if not record.report_key:
        raise NotFound("This import has no error report.", code="report_not_available")
    url = uploads.download_url(
        record.report_key, filename=f"import-{import_id}-errors.csv", expires_in=REPORT_LINK_SECONDS
    )
    return ReportLink(url=url, expires_at=datetime.now(UTC) + timedelta(seconds=REPORT_LINK_SECONDS))
