"""Export use cases: start one (a queued job in one of the owner's slots), follow it, list them,
and run it (the worker: rows to CSV to S3, a page at a time).

Exports are jobs, not responses: in AWS the API answers through API Gateway, whose integration
gives up after 30 s, and Lambda buffers a response and caps it at 6 MB. A job has the worker's
15 minutes and no size limit; the file is downloaded from S3 through a short-lived link.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from app.contacts.models import new_id
from app.errors import DomainError, TooManyRequests, found, no_such
from app.exports.models import LINK_SECONDS, Export, ExportCreate, ExportPage
from app.exports.repository import ExportRecord, ExportRepository
from app.exports.sources import Sources
from app.exports.storage import ExportFiles, object_key
from app.exports.writer import CsvStream, RowCounter
from app.observability import logger

RETRY_AFTER_SECONDS = 30  # most exports take seconds; a busy owner tries again after this
RECENT = 20  # exports the list shows
MAX_ATTEMPTS = 3  # the worker's first run and its two retries (EventInvokeConfig in template.yaml)
PROGRESS_EVERY = 5000  # rows between progress writes (each is pushed to the owner)
DEADLINE_MARGIN_SECONDS = 30.0  # stop this long before the worker's timeout, and say so


class Superseded(Exception):
    """Another attempt took the export over; this one stops without writing its outcome."""


class ExportTooLong(DomainError, code="export_too_long"):
    """The export could not finish within one run of the worker."""


_not_found = no_such("export")


def create_export(
    owner_id: str, cmd: ExportCreate, *, sources: Sources, slots: int, correlation_id: str | None
) -> Export:
    """A queued export of the owner's list, segment or campaign (the worker starts it from the
    table's stream); TooManyRequests while `slots` of theirs are queued or running."""
    source = sources.open(owner_id, cmd.kind, cmd.id)  # NotFound unless it is theirs; reads nothing else
    export_id = new_id()
    export = sources.exports.create(
        owner_id,
        export_id,
        kind=cmd.kind,
        source_id=cmd.id,
        file_name=source.file_name,
        object_key=object_key(owner_id, export_id),
        slots=slots,
        correlation_id=correlation_id,
    )
    if export is None:
        raise TooManyRequests(
            f"{slots} of your exports are still running; try again when one is ready.",
            code="exports_busy",
            retry_after=RETRY_AFTER_SECONDS,
        )
    logger.info("export queued", extra={"export_id": export_id, "kind": cmd.kind})
    return export


def get_export(owner_id: str, export_id: str, *, repo: ExportRepository, files: ExportFiles) -> Export:
    """One of the owner's exports; with a five-minute download link when it is ready."""
    record = found(repo.get(owner_id, export_id), _not_found)
    export = record.export
    if export.status != "ready" or export.expires_at <= datetime.now(UTC):
        return export
    url = files.download_url(record.object_key, filename=export.file_name, expires_in=LINK_SECONDS)
    expires = datetime.now(UTC) + timedelta(seconds=LINK_SECONDS)
    return export.model_copy(update={"download_url": url, "download_expires_at": expires})


def list_exports(owner_id: str, *, repo: ExportRepository) -> ExportPage:
    """The owner's recent exports, newest first (links come from `get_export`)."""
    return ExportPage(items=repo.recent(owner_id, limit=RECENT))


def run_export(
    owner_id: str,
    export_id: str,
    *,
    sources: Sources,
    files: ExportFiles,
    time_left: Callable[[], float],
    progress_every: int = PROGRESS_EVERY,
) -> Export | None:
    """Write the export's CSV to the bucket and mark it ready (or failed, with why); None when it was
    finished already or another attempt took it over. Safe to redeliver."""
    repo = sources.exports
    attempt = new_id()
    record = repo.claim(owner_id, export_id, attempt)
    if record is None:
        return None
    try:
        return _write(
            record, attempt, sources=sources, files=files, time_left=time_left, every=progress_every
        )
    except Superseded:
        logger.info("export taken over by another attempt", extra={"export_id": export_id})
        return None
    except DomainError as exc:
        return _fail(repo, record, code=exc.code, message=exc.message)
    except Exception:
        if record.attempts >= MAX_ATTEMPTS:
            _fail(repo, record, code="export_failed", message="The export failed; please try again.")
        raise  # the worker's retry takes the job over (or, after the last, the DLQ keeps the event)


def _write(
    record: ExportRecord,
    attempt: str,
    *,
    sources: Sources,
    files: ExportFiles,
    time_left: Callable[[], float],
    every: int,
) -> Export:
    repo, export = sources.exports, record.export
    source = sources.open(record.owner_id, export.kind, export.source_id)

    def report(rows: int) -> None:
        if time_left() < DEADLINE_MARGIN_SECONDS:
            raise ExportTooLong(
                f"The export stopped after {rows} rows: it did not fit in one run of the worker. "
                "Export a segment of it instead."
            )
        if not repo.progress(record.owner_id, export.id, attempt, rows=rows):
            raise Superseded(export.id)

    counter = RowCounter(every, report)
    stream = CsvStream(source.columns, counter(source.rows))
    files.write(record.object_key, io.BufferedReader(stream))
    done = repo.complete(record.owner_id, export.id, attempt, rows=counter.rows, size=stream.size)
    if done is None:
        raise Superseded(export.id)
    repo.free_slot(record.owner_id, record.slot, export.id)
    logger.info("export ready", extra={"export_id": export.id, "rows": counter.rows, "bytes": stream.size})
    return done.export


def _fail(repo: ExportRepository, record: ExportRecord, *, code: str, message: str) -> Export | None:
    failed = repo.fail(record.owner_id, record.export.id, code=code, message=message)
    repo.free_slot(record.owner_id, record.slot, record.export.id)
    logger.warning("export failed", extra={"export_id": record.export.id, "code": code})
    return failed.export if failed else None
