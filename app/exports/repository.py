"""DynamoDB access for export jobs and the owner's export slots (what an export reads comes from the
repositories of its source: app/exports/sources.py).

Keys: job E = PK=OWNER#<owner>, SK=EXPORT#<id> (ids sort by time); slot S = PK=OWNER#<owner>,
SK=EXPORTSLOT#<n> (n below the owner's cap: the export holding it, a lease).

| access pattern                            | key                            | operation                     |
|-------------------------------------------|--------------------------------|-------------------------------|
| create a job in a free slot               | S + E                          | TransactWriteItems (S free)   |
| read a job                                | E                              | GetItem                       |
| the owner's recent exports, newest first  | E's PK, SK begins_with EXPORT# | Query (descending, bounded)   |
| claim (start, or a retry takes over)      | E                              | UpdateItem, status is active  |
| progress, ready                           | E                              | UpdateItem, attempt = mine    |
| fail                                      | E                              | UpdateItem, status is active  |
| free the slot                             | S                              | DeleteItem, export_id = mine  |

A slot is one item per owner and slot number: no item is shared across tenants. Its lease outlives
the longest run (the worker's 15 minutes and its retries), so a worker that died frees it anyway.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.db import Item, Table, new_item, now_iso, optional_str
from app.exports.models import KEEP_SECONDS, Export, ExportFailure, ExportKind
from app.jobs import failed, failure_of, job_times
from app.writes import IfAbsent, Put

ENTITY = "export"
SLOT = "export_slot"
SLOT_LEASE_SECONDS = 40 * 60
_ACTIVE = {":queued": "queued", ":running": "running"}


def export_key(owner_id: str, export_id: str) -> tuple[str, str]:
    """The key of an export job."""
    return f"OWNER#{owner_id}", f"EXPORT#{export_id}"


def slot_key(owner_id: str, number: int) -> tuple[str, str]:
    """The key of one of the owner's export slots."""
    return f"OWNER#{owner_id}", f"EXPORTSLOT#{number}"


def to_export(item: Mapping[str, Any]) -> Export:
    """A job item as the API shows it (without a link)."""
    return Export(
        id=str(item["export_id"]),
        kind=item["kind"],
        source_id=str(item["source_id"]),
        status=item["status"],
        file_name=str(item.get("file_name", "")),
        rows=int(item.get("rows", 0)),
        bytes=int(item.get("bytes", 0)),
        failure=failure_of(item, ExportFailure),
        **job_times(item),
        expires_at=datetime.fromtimestamp(int(item["ttl"]), UTC),
    )


@dataclass(frozen=True)
class ExportRecord:
    """A job as the worker needs it: the API view plus what only the worker reads."""

    owner_id: str
    export: Export
    slot: int
    object_key: str
    attempt: str | None
    attempts: int
    correlation_id: str | None

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> ExportRecord:
        """Build from a stored item."""
        return cls(
            owner_id=str(item["owner_id"]),
            export=to_export(item),
            slot=int(item.get("slot", 0)),
            object_key=str(item["object_key"]),
            attempt=optional_str(item.get("attempt")),
            attempts=int(item.get("attempts", 0)),
            correlation_id=optional_str(item.get("correlation_id")),
        )


class ExportRepository:
    """Export jobs and slots in the single table."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def create(
        self,
        owner_id: str,
        export_id: str,
        *,
        kind: ExportKind,
        source_id: str,
        file_name: str,
        object_key: str,
        slots: int,
        correlation_id: str | None,
        now: float | None = None,
    ) -> Export | None:
        """A queued job in the first free slot of `slots`; None when every slot is taken."""
        stamp = int(time.time() if now is None else now)
        for number in range(slots):
            item = new_item(
                export_key(owner_id, export_id),
                ENTITY,
                owner_id=owner_id,
                export_id=export_id,
                kind=kind,
                source_id=source_id,
                status="queued",
                file_name=file_name,
                object_key=object_key,
                slot=number,
                rows=0,
                bytes=0,
                created_at=now_iso(),
                ttl=stamp + KEEP_SECONDS,
                correlation_id=correlation_id,
            )
            slot = new_item(
                slot_key(owner_id, number),
                SLOT,
                owner_id=owner_id,
                export_id=export_id,
                until=stamp + SLOT_LEASE_SECONDS,
                ttl=stamp + SLOT_LEASE_SECONDS,
            )
            refused = self.table.transact(
                [
                    Put(slot, "attribute_not_exists(PK) OR #u < :now", {"#u": "until"}, {":now": stamp}),
                    Put(item, "attribute_not_exists(PK)"),
                ]
            )
            if not refused:
                return to_export(item)
        return None

    def get(self, owner_id: str, export_id: str) -> ExportRecord | None:
        """The job, if it exists."""
        item = self.table.get(*export_key(owner_id, export_id), consistent=True)
        return ExportRecord.from_item(item) if item else None

    def recent(self, owner_id: str, *, limit: int) -> list[Export]:
        """The owner's newest exports (expired ones are kept out until TTL deletes them)."""
        items, _ = self.table.page(f"OWNER#{owner_id}", "EXPORT#", limit=limit, start_sk=None, forward=False)
        now = time.time()
        return [to_export(i) for i in items if int(i["ttl"]) > now]

    def claim(self, owner_id: str, export_id: str, attempt: str) -> ExportRecord | None:
        """queued -> running under `attempt` (a retry takes a running job over); None when finished."""
        item = self.table.update(
            *export_key(owner_id, export_id),
            sets={"status": "running", "attempt": attempt, "started_at": IfAbsent(now_iso()), "rows": 0},
            adds={"attempts": 1},
            condition="#s IN (:queued, :running)",
            names={"#s": "status"},
            values=_ACTIVE,
        )
        return ExportRecord.from_item(item) if item else None

    def progress(self, owner_id: str, export_id: str, attempt: str, *, rows: int) -> bool:
        """Record the rows written so far; False when another attempt took the job over."""
        return self._mine(owner_id, export_id, attempt, {"rows": rows}) is not None

    def complete(
        self, owner_id: str, export_id: str, attempt: str, *, rows: int, size: int
    ) -> ExportRecord | None:
        """running -> ready with its counts; None when another attempt took the job over."""
        values = {"status": "ready", "rows": rows, "bytes": size, "completed_at": now_iso()}
        item = self._mine(owner_id, export_id, attempt, values)
        return ExportRecord.from_item(item) if item else None

    def _mine(self, owner_id: str, export_id: str, attempt: str, values: Mapping[str, Any]) -> Item | None:
        return self.table.update(
            *export_key(owner_id, export_id),
            sets=values,
            condition="#s = :running AND attempt = :attempt",
            names={"#s": "status"},
            values={":running": "running", ":attempt": attempt},
        )

    def fail(self, owner_id: str, export_id: str, *, code: str, message: str) -> ExportRecord | None:
        """End a job that is not finished yet as failed; None when it had already finished."""
        item = self.table.update(
            *export_key(owner_id, export_id),
            sets=failed(code, message),
            condition="#s IN (:queued, :running)",
            names={"#s": "status"},
            values=_ACTIVE,
        )
        return ExportRecord.from_item(item) if item else None

    def free_slot(self, owner_id: str, number: int, export_id: str) -> None:
        """Give the slot back (only if this export still holds it)."""
        self.table.delete(*slot_key(owner_id, number), condition="export_id = :id", values={":id": export_id})
