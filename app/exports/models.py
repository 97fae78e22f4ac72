"""Export jobs: what can be exported, their states, and the API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

ExportKind = Literal["list", "segment", "campaign"]
ExportStatus = Literal["queued", "running", "ready", "failed"]
# The state machine (every transition is a conditional write):
#   queued -> running -> ready | failed;  running -> running (a retry takes it over)
ACTIVE: frozenset[str] = frozenset({"queued", "running"})
LINK_SECONDS = 300  # how long a download link works
KEEP_SECONDS = 7 * 24 * 3600  # how long an export (item and file) is kept; the bucket's lifecycle agrees


class ExportCreate(BaseModel):
    """Export a list's subscribers, a segment's members or a campaign's recipients as CSV."""

    kind: ExportKind
    id: str = Field(min_length=1, max_length=64, description="The list, segment or campaign id")


class ExportFailure(BaseModel):
    """Why an export stopped: a stable `code` and a sentence for people."""

    code: str
    message: str


class Export(BaseModel):
    """One CSV export and how far it got; `download_url` (five minutes) once it is ready."""

    id: str
    kind: ExportKind
    source_id: str
    status: ExportStatus
    file_name: str
    rows: int
    bytes: int
    failure: ExportFailure | None
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    expires_at: datetime
    download_url: str | None = None
    download_expires_at: datetime | None = None


class ExportPage(BaseModel):
    """The owner's recent exports, newest first."""

    items: list[Export]
