"""DynamoDB access for import jobs (the owner is in every key).

Keys: job J = PK=OWNER#<owner>, SK=IMPORT#<id>, GSI1PK=IMPORTS#<owner>#<list>, GSI1SK=IMPORT#<id>;
the list L is counted by ListRepository.count_import (no transactions here: see app/imports/service.py).

| access pattern                        | key       | operation                                           |
|---------------------------------------|-----------|-----------------------------------------------------|
| create a job (waiting for its file)   | J         | PutItem (if absent), ttl one day                    |
| read a job                            | J         | GetItem                                             |
| a list's imports, newest first        | J's GSI1  | Query GSI1                                          |
| claim the file (start or resume)      | J         | UpdateItem, condition on status and the file's ETag |
| commit progress                       | J         | UpdateItem, condition rows_done = previous          |
| complete                              | J         | UpdateItem, same condition (after L counts it once) |
| fail                                  | J         | UpdateItem, condition not finished                  |
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.db import Item, Repository, now_iso, optional_int, optional_str
from app.imports.models import ImportFailure, ImportJob, Progress
from app.jobs import failed, failure_of, job_times
from app.writes import IfAbsent

ENTITY = "import"
WAITING_TTL_SECONDS = 24 * 3600


class Superseded(Exception):
    """Another delivery of the same upload committed first; this one must stop."""


class ListGone(Exception):
    """The list was deleted while its import ran."""


def import_key(owner_id: str, import_id: str) -> tuple[str, str]:
    """The key of an import job."""
    return f"OWNER#{owner_id}", f"IMPORT#{import_id}"


def _by_list(owner_id: str, list_id: str) -> str:
    return f"IMPORTS#{owner_id}#{list_id}"


def _counters(progress: Progress) -> dict[str, Any]:
    return {
        "rows_done": progress.rows_done,
        "created": progress.created,
        "updated": progress.updated,
        "unchanged": progress.unchanged,
        "errors": progress.errors,
        "heartbeat_at": now_iso(),
    }


def to_job(item: Mapping[str, Any]) -> ImportJob:
    """A job item as the API shows it."""
    return ImportJob(
        id=str(item["import_id"]),
        list_id=str(item["list_id"]),
        status=item["status"],
        file_name=str(item.get("file_name", "")),
        rows_total=optional_int(item.get("rows_total")),
        rows_done=int(item.get("rows_done", 0)),
        created=int(item.get("created", 0)),
        updated=int(item.get("updated", 0)),
        unchanged=int(item.get("unchanged", 0)),
        errors=int(item.get("errors", 0)),
        failure=failure_of(item, ImportFailure),
        report_available=bool(item.get("report_key")),
        **job_times(item),
    )


@dataclass(frozen=True)
class ImportRecord:
    """A job as the worker needs it: the API view plus what only the worker reads."""

    owner_id: str
    job: ImportJob
    source_etag: str | None
    correlation_id: str | None
    report_key: str | None
    confirmed_reason: str = ""  # why the owner says its addresses are already confirmed

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> ImportRecord:
        """Build from a stored item."""
        return cls(
            owner_id=str(item["owner_id"]),
            job=to_job(item),
            source_etag=optional_str(item.get("source_etag")),
            correlation_id=optional_str(item.get("correlation_id")),
            report_key=optional_str(item.get("report_key")),
            confirmed_reason=str(item.get("confirmed_reason", "")),
        )

    @property
    def progress(self) -> Progress:
        """The committed counters."""
        job = self.job
        return Progress(job.rows_done, job.created, job.updated, job.unchanged, job.errors)


class ImportRepository(Repository):
    """Import jobs in the single table."""

    def create(
        self,
        owner_id: str,
        import_id: str,
        *,
        list_id: str,
        file_name: str,
        upload_key: str,
        correlation_id: str | None,
        confirmed_reason: str = "",
    ) -> ImportJob:
        """A job waiting for its file (it expires after a day if no file arrives)."""
        pk, sk = import_key(owner_id, import_id)
        item = {
            "PK": pk,
            "SK": sk,
            "GSI1PK": _by_list(owner_id, list_id),
            "GSI1SK": sk,
            "type": ENTITY,
            "owner_id": owner_id,
            "import_id": import_id,
            "list_id": list_id,
            "status": "waiting_upload",
            "file_name": file_name,
            "upload_key": upload_key,
            "confirmed_reason": confirmed_reason or None,
            "rows_done": 0,
            "created": 0,
            "updated": 0,
            "unchanged": 0,
            "errors": 0,
            "created_at": now_iso(),
            "ttl": int(time.time()) + WAITING_TTL_SECONDS,
            "correlation_id": correlation_id,
        }
        self.table.put(item, condition="attribute_not_exists(PK)")
        return to_job(item)

    def get(self, owner_id: str, import_id: str, *, consistent: bool = False) -> ImportRecord | None:
        """The job, if it exists."""
        return self._read(import_key(owner_id, import_id), ImportRecord.from_item, consistent=consistent)

    def page_for_list(
        self, owner_id: str, list_id: str, *, limit: int, start: Mapping[str, Any] | None
    ) -> tuple[list[ImportJob], Item | None]:
        """A page of a list's imports, newest first, and the key to continue from."""
        items, last = self.table.query(
            "GSI1PK = :pk",
            {":pk": _by_list(owner_id, list_id)},
            index="GSI1",
            limit=limit,
            start_key=start,
            forward=False,
        )
        return [to_job(i) for i in items], last

    def start(
        self, owner_id: str, import_id: str, *, etag: str, size: int, rows_total: int
    ) -> ImportRecord | None:
        """Claim the uploaded file: waiting -> processing, or resume the same file; None if neither."""
        now = now_iso()
        item = self.table.update(
            *import_key(owner_id, import_id),
            sets={
                "status": "processing",
                "source_etag": etag,
                "file_size": size,
                "rows_total": rows_total,
                "started_at": IfAbsent(now),
                "heartbeat_at": now,
            },
            adds={"attempts": 1},
            removes=("ttl",),
            condition="#s = :waiting OR (#s = :processing AND source_etag = :etag)",
            names={"#s": "status"},
            values={":waiting": "waiting_upload", ":processing": "processing", ":etag": etag},
        )
        return ImportRecord.from_item(item) if item else None

    def commit(self, owner_id: str, import_id: str, *, previous_rows: int, progress: Progress) -> None:
        """Move the committed counters forward from `previous_rows`; Superseded if they moved already."""
        self._advance(owner_id, import_id, previous_rows=previous_rows, values=_counters(progress))

    def complete(
        self, owner_id: str, import_id: str, *, progress: Progress, report_key: str | None
    ) -> ImportRecord:
        """processing -> completed, once every row is committed; Superseded if another delivery did it."""
        values = {
            **_counters(progress),
            "status": "completed",
            "completed_at": now_iso(),
            "rows_total": progress.rows_done,
            "report_key": report_key,
        }
        return self._advance(owner_id, import_id, previous_rows=progress.rows_done, values=values)

    def _advance(
        self, owner_id: str, import_id: str, *, previous_rows: int, values: Mapping[str, Any]
    ) -> ImportRecord:
        item = self.table.update(
            *import_key(owner_id, import_id),
            sets=values,
            condition="#s = :processing AND #r = :previous",
            names={"#s": "status", "#r": "rows_done"},
            values={":processing": "processing", ":previous": previous_rows},
        )
        if item is None:
            raise Superseded(f"import {import_id} moved on without this delivery")
        return ImportRecord.from_item(item)

    def fail(self, owner_id: str, import_id: str, *, code: str, message: str) -> ImportRecord | None:
        """End a job that is not finished yet as failed; None when it had already finished."""
        item = self.table.update(
            *import_key(owner_id, import_id),
            sets=failed(code, message),
            removes=("ttl",),
            condition="#s IN (:waiting, :processing)",
            names={"#s": "status"},
            values={":waiting": "waiting_upload", ":processing": "processing"},
        )
        return ImportRecord.from_item(item) if item else None
