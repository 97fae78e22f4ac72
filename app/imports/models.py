"""Import jobs: states, progress and the API shapes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.pagination import Page

ImportStatus = Literal["waiting_upload", "processing", "completed", "failed"]
# The state machine (every transition is a conditional write):
#   waiting_upload -> processing -> completed | failed;  waiting_upload -> failed (file refused)
TERMINAL: frozenset[str] = frozenset({"completed", "failed"})
UPLOAD_EXPIRES_SECONDS = 300
REPORT_LINK_SECONDS = 300


class ImportCreate(BaseModel):
    """Start an import into a list; the file name is only shown back to the person.

    Imported addresses are subscribed on your word that they already confirmed: say how in
    `confirmed_reason` (e.g. "opted in on the old site, 2023"); it is recorded with each new one.
    """

    file_name: str = Field(default="", max_length=255)
    confirmed_reason: str = Field(default="", max_length=500)


class ImportFailure(BaseModel):
    """Why an import stopped: a stable `code` and a sentence for people."""

    code: str
    message: str


class ImportJob(BaseModel):
    """One CSV import and how far it got."""

    id: str
    list_id: str
    status: ImportStatus
    file_name: str
    rows_total: int | None
    rows_done: int
    created: int
    updated: int
    unchanged: int
    errors: int
    failure: ImportFailure | None
    report_available: bool
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None


class UploadForm(BaseModel):
    """A presigned S3 POST: send `fields` then the file (field `file`) as multipart/form-data to `url`."""

    url: str
    fields: dict[str, str]
    content_type: str
    max_bytes: int
    expires_at: datetime


class ImportStarted(ImportJob):
    """A new import waiting for its file, with where to upload it."""

    upload: UploadForm


class ImportPage(Page[ImportJob]):
    """A page of a list's imports, newest first."""


class ReportLink(BaseModel):
    """A short-lived link to download the error report (CSV)."""

    url: str
    expires_at: datetime


@dataclass(frozen=True)
class Progress:
    """Counters of an import at a commit point (rows_done rows are written and counted)."""

    rows_done: int
    created: int
    updated: int
    unchanged: int
    errors: int


@dataclass(frozen=True)
class Upload:
    """An object S3 reported as created."""

    bucket: str
    key: str
    size: int
    etag: str
