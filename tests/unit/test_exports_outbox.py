"""Export job changes: a new one becomes ExportRequested; status changes and progress are pushed."""

from __future__ import annotations

from typing import Any

from app.events import ExportRequested
from app.outbox import TableChange, events_for, pushes_for

EXPORT: dict[str, Any] = {
    "PK": "OWNER#o1",
    "SK": "EXPORT#e1",
    "type": "export",
    "owner_id": "o1",
    "export_id": "e1",
    "kind": "campaign",
    "source_id": "c1",
    "status": "queued",
    "file_name": "News-recipients.csv",
    "object_key": "exports/o1/e1.csv",
    "slot": 0,
    "rows": 0,
    "bytes": 0,
    "created_at": "2026-12-01T12:00:00+00:00",
    "ttl": 1_765_000_000,
    "correlation_id": "c-exp",
}


def test_a_queued_export_is_requested_once_with_its_correlation_id() -> None:
    inserted = TableChange(kind="INSERT", old=None, new=EXPORT)
    assert events_for(inserted) == [ExportRequested(owner_id="o1", export_id="e1", correlation_id="c-exp")]
    assert events_for(TableChange(kind="MODIFY", old=EXPORT, new={**EXPORT, "status": "running"})) == []


def test_status_changes_and_progress_reach_the_owner_and_nothing_else_does() -> None:
    running = {**EXPORT, "status": "running"}
    [started] = pushes_for(TableChange(kind="MODIFY", old=EXPORT, new=running))
    [progress] = pushes_for(TableChange(kind="MODIFY", old=running, new={**running, "rows": 5000}))
    ready = {**running, "rows": 7000, "bytes": 9000, "status": "ready"}
    [done] = pushes_for(TableChange(kind="MODIFY", old=running, new=ready))
    stale = TableChange(kind="MODIFY", old=running, new={**running, "rows": 10}, latest=False)

    assert started.user_id == "o1" and started.message["type"] == "export.status"
    assert (progress.message["type"], progress.message["rows"]) == ("export.progress", 5000)
    assert (done.message["type"], done.message["status"]) == ("export.status", "ready")
    assert done.message["bytes"] == 9000
    assert "object_key" not in done.message and "download_url" in done.message
    assert done.message["correlation_id"] == "c-exp"
    assert pushes_for(stale) == []
    assert pushes_for(TableChange(kind="REMOVE", old=ready, new=None)) == []
