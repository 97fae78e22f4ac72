"""The import worker's use case: an uploaded CSV becomes subscribers of its list.

Processing is safe to repeat. The job's state machine is driven by conditional writes
(waiting_upload -> processing -> completed | failed); a finished job ignores redeliveries.
A resumed delivery re-reads the file from the start (the same rows give the same errors and
duplicates), skips the rows an earlier attempt committed, and re-writes the rest: puts are
idempotent by key, and a subscriber created by this import is stamped with its id, so it is
counted as created whichever attempt wrote it. An existing subscriber gets only its name and
attributes, by a conditional update: an unsubscribe or a deletion made meanwhile is never undone.
Each commit moves `rows_done` forward from the value it read, so two deliveries running at once
cannot both count the same rows.

The list's subscriber count grows once, at completion, by the import's `created` total: the
write adds the import's id to the list's `counted_imports` set under a condition that it is not
there yet, so a completion retried after a crash never counts twice. No TransactWriteItems here:
besides costing twice, moto deep-copies the whole table on every transaction (seconds at 20k items).
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from app.contacts.lists import ListRepository
from app.contacts.models import Confirmation, NewSubscriber, attributes_json
from app.contacts.subscriber_items import SubscriberRecord
from app.contacts.subscribers import SubscriberRepository
from app.imports import csvfile
from app.imports.csvfile import Candidate, Columns, ErrorReport, FileProblem, RowError
from app.imports.models import TERMINAL, ImportJob, Progress, Upload
from app.imports.repository import ImportRecord, ImportRepository, ListGone, Superseded
from app.imports.storage import UploadChanged, UploadMissing, UploadStore, parse_upload_key, report_key
from app.observability import bind_correlation_id, logger

CHUNK_ROWS = 100  # one BatchGetItem, then up to four BatchWriteItem calls
PROGRESS_INTERVAL = 0.5  # seconds between progress commits (so at most 2 pushes a second)
WRITERS = 4  # chunks written concurrently (DynamoDB throughput grows with parallel calls)
MAX_IN_FLIGHT = 8  # chunks parsed ahead of the writers (bounds memory)


@dataclass(frozen=True)
class ImportTuning:
    """Knobs of the processing loop (tests and the benchmark change them)."""

    chunk_rows: int = CHUNK_ROWS
    progress_interval: float = PROGRESS_INTERVAL
    writers: int = WRITERS
    max_in_flight: int = MAX_IN_FLIGHT
    keep_errors: int = 1000
    clock: Callable[[], float] = time.monotonic


def process_upload(
    upload: Upload,
    *,
    repo: ImportRepository,
    lists: ListRepository,
    subscribers: SubscriberRepository,
    uploads: UploadStore,
    max_bytes: int,
    tuning: ImportTuning | None = None,
) -> ImportJob | None:
    """Import an uploaded CSV into its list; returns the job as it ended (None: nothing to do)."""
    record = _claimable(upload, repo=repo)
    if record is None:
        return None
    if record.job.status in TERMINAL or (
        record.job.status == "processing" and record.source_etag != upload.etag
    ):
        return record.job
    if upload.size > max_bytes:
        uploads.delete(upload.key)
        return _fail(repo, record, FileProblem("file_too_large", _too_large(max_bytes)))
    try:
        found = csvfile.scan(csvfile.limited(uploads.read(upload.key, etag=upload.etag), max_bytes))
    except FileProblem as problem:
        return _fail(repo, record, problem)
    except UploadChanged:
        logger.info("the upload was replaced; the newer object's event imports it", extra={"key": upload.key})
        return None
    except UploadMissing:
        return _fail(
            repo, record, FileProblem("upload_missing", "The uploaded file is gone; upload it again.")
        )
    started = repo.start(
        record.owner_id, record.job.id, etag=upload.etag, size=upload.size, rows_total=found.rows
    )
    if started is None:
        logger.info("import claimed by another delivery", extra={"import_id": record.job.id})
        return _current(repo, record)
    logger.info(
        "import started",
        extra={"import_id": record.job.id, "rows_total": found.rows, "resume_from": started.job.rows_done},
    )
    run = _Run(started, subscribers=subscribers, lists=lists, repo=repo, tuning=tuning or ImportTuning())
    try:
        chunks = csvfile.limited(uploads.read(upload.key, etag=upload.etag), max_bytes)
        return run.execute(chunks, found.columns, uploads)
    except Superseded:
        logger.info(
            "another delivery of this upload moved ahead; stopping", extra={"import_id": record.job.id}
        )
        return _current(repo, record)
    except ListGone:
        # Rows written before the deletion was seen are unreachable: purge them like the list's own.
        subscribers.mark_purge(record.owner_id, record.job.list_id, deleted=0)
        return _fail(repo, record, FileProblem("list_deleted", "The list was deleted during the import."))
    except (UploadChanged, UploadMissing):
        return _fail(
            repo, record, FileProblem("file_changed", "The file was replaced or removed during the import.")
        )
    except FileProblem as problem:
        return _fail(repo, record, problem)


def _claimable(upload: Upload, *, repo: ImportRepository) -> ImportRecord | None:
    """The job an uploaded object belongs to (logged and None when there is none)."""
    parsed = parse_upload_key(upload.key)
    if parsed is None:
        logger.warning("object outside imports/<owner>/<id>.csv ignored", extra={"key": upload.key})
        return None
    owner_id, import_id = parsed
    record = repo.get(owner_id, import_id, consistent=True)
    if record is None:
        logger.warning("upload for an unknown import ignored", extra={"key": upload.key})
        return None
    bind_correlation_id(record.correlation_id)
    if record.job.status in TERMINAL:
        logger.info("import already finished; redelivery ignored", extra={"import_id": import_id})
    elif record.job.status == "processing" and record.source_etag != upload.etag:
        logger.warning("another upload for a started import ignored", extra={"import_id": import_id})
    return record


def _too_large(max_bytes: int) -> str:
    return f"The file is larger than {max_bytes // (1024 * 1024)} MB; split it and import the parts."


def _current(repo: ImportRepository, record: ImportRecord) -> ImportJob:
    latest = repo.get(record.owner_id, record.job.id, consistent=True)
    return (latest or record).job


def _fail(repo: ImportRepository, record: ImportRecord, problem: FileProblem) -> ImportJob:
    logger.info("import failed", extra={"import_id": record.job.id, "code": problem.code})
    failed = repo.fail(record.owner_id, record.job.id, code=problem.code, message=problem.message)
    return failed.job if failed else _current(repo, record)


def _digest(email: str) -> int:
    # 8 bytes per address is enough to spot duplicates (collision odds ~1e-8 at 1M rows)
    # and keeps the seen-set near 70 bytes an address.
    return int.from_bytes(hashlib.blake2b(email.encode(), digest_size=8).digest(), "big")


@dataclass
class _Chunk:
    """Valid rows written together, and where they sit in the file."""

    first: int  # ordinal (1-based data row) of the first candidate
    errors_before: int  # errors among the rows before `first`
    candidates: list[Candidate] = field(default_factory=list)
    future: Future[tuple[int, int, int]] | None = None


class _Run:
    """One delivery's pass over the file: parse, write chunks in parallel, commit in order."""

    def __init__(
        self,
        record: ImportRecord,
        *,
        subscribers: SubscriberRepository,
        lists: ListRepository,
        repo: ImportRepository,
        tuning: ImportTuning,
    ) -> None:
        self.record = record
        self.job = record.job
        self.subscribers = subscribers
        self.lists = lists
        self.repo = repo
        self.tuning = tuning
        self.report = ErrorReport(keep=tuning.keep_errors)
        self.seen: set[int] = set()
        committed = record.progress
        self.committed = committed
        self.created, self.updated, self.unchanged = committed.created, committed.updated, committed.unchanged
        self.ordinal = 0
        self.open: _Chunk | None = None
        self.in_flight: deque[_Chunk] = deque()
        self.last_commit = tuning.clock()
        # Imported addresses are subscribed on the owner's word, with the reason they gave.
        self.confirmation = Confirmation(by="import", reason=record.confirmed_reason)

    def execute(self, chunks: Iterator[bytes], columns: Columns, uploads: UploadStore) -> ImportJob:
        """Process every row, then complete the job (with its report when rows failed)."""
        items = csvfile.records(chunks)
        csvfile.read_header(items)
        with ThreadPoolExecutor(max_workers=self.tuning.writers, thread_name_prefix="import") as pool:
            try:
                for item in csvfile.data_rows(items):
                    self.ordinal += 1
                    self._take(item if isinstance(item, RowError) else csvfile.check_row(item, columns), pool)
                    self._settle(block=len(self.in_flight) >= self.tuning.max_in_flight)
                self._seal(pool)
                self._settle(block=True, until_empty=True)
            except BaseException:
                for chunk in self.in_flight:
                    if chunk.future is not None:
                        chunk.future.cancel()
                raise
        return self._complete(uploads)

    def _take(self, item: Candidate | RowError, pool: ThreadPoolExecutor) -> None:
        if isinstance(item, Candidate):
            digest = _digest(item.email)
            if digest in self.seen:
                item = RowError(
                    item.row, item.email, "The email address is already on an earlier row of this file."
                )
            else:
                self.seen.add(digest)
        if isinstance(item, RowError):
            self.report.add(item)
            return
        if self.ordinal <= self.committed.rows_done:
            return  # written and counted by an earlier delivery
        if self.open is None:
            self.open = _Chunk(first=self.ordinal, errors_before=self.report.total)
        self.open.candidates.append(item)
        if len(self.open.candidates) >= self.tuning.chunk_rows:
            self._seal(pool)

    def _seal(self, pool: ThreadPoolExecutor) -> None:
        chunk, self.open = self.open, None
        if chunk is None:
            return
        chunk.future = pool.submit(self._write, chunk.candidates)
        self.in_flight.append(chunk)

    def _settle(self, *, block: bool, until_empty: bool = False) -> None:
        """Account for finished chunks in file order; commit progress when it is time."""
        while self.in_flight:
            head = self.in_flight[0]
            assert head.future is not None
            if not head.future.done() and not block:
                break
            created, updated, unchanged = head.future.result()
            self.in_flight.popleft()
            self.created += created
            self.updated += updated
            self.unchanged += unchanged
            block = until_empty
        if self.tuning.clock() - self.last_commit >= self.tuning.progress_interval:
            self._commit()

    def _frontier(self) -> Progress:
        """The counters for every row before the first one not yet written."""
        pending = self.in_flight[0] if self.in_flight else self.open
        rows_done, errors = (
            (pending.first - 1, pending.errors_before) if pending else (self.ordinal, self.report.total)
        )
        return Progress(rows_done, self.created, self.updated, self.unchanged, errors)

    def _commit(self, *, force: bool = False) -> None:
        progress = self._frontier()
        self.last_commit = self.tuning.clock()
        if progress.rows_done <= self.committed.rows_done and not force:
            return
        if self.lists.get(self.record.owner_id, self.job.list_id) is None:
            raise ListGone(self.job.list_id)
        if progress.rows_done > self.committed.rows_done:
            self.repo.commit(
                self.record.owner_id, self.job.id, previous_rows=self.committed.rows_done, progress=progress
            )
            self.committed = progress

    def _complete(self, uploads: UploadStore) -> ImportJob:
        owner_id, list_id, import_id = self.record.owner_id, self.job.list_id, self.job.id
        self._commit(force=True)  # every row committed: from here on only the winner gets through
        key = None
        if self.report.total:
            key = report_key(owner_id, import_id)
            uploads.put_report(key, self.report.to_csv())
        if self.lists.count_import(owner_id, list_id, import_id, self.committed.created) == "list_missing":
            raise ListGone(list_id)
        done = self.repo.complete(owner_id, import_id, progress=self.committed, report_key=key)
        logger.info(
            "import completed",
            extra={
                "import_id": import_id,
                "rows": self.committed.rows_done,
                "subscribers_created": self.committed.created,
                "subscribers_updated": self.committed.updated,
                "subscribers_unchanged": self.committed.unchanged,
                "row_errors": self.committed.errors,
            },
        )
        return done.job

    def _write(self, candidates: list[Candidate]) -> tuple[int, int, int]:
        """Write one chunk; (created, updated, unchanged). Runs on a writer thread."""
        owner_id, list_id, import_id = self.record.owner_id, self.job.list_id, self.job.id
        existing = self.subscribers.get_many(owner_id, list_id, [c.email for c in candidates])
        new: list[NewSubscriber] = []
        changed: list[tuple[SubscriberRecord, str, dict[str, Any]]] = []
        created = updated = unchanged = 0
        for candidate in candidates:
            old = existing.get(candidate.email)
            if old is None:
                new.append(
                    NewSubscriber(
                        email=candidate.email,
                        name=candidate.name,
                        attributes=candidate.attributes,
                        source="import",
                        correlation_id=self.record.correlation_id,
                        confirmation=self.confirmation,
                    )
                )
                created += 1
            elif old.created_import == import_id:
                created += 1  # written by an earlier delivery of this import, not yet counted
            elif old.updated_import == import_id:
                updated += 1
            else:
                merged = _merged(old, candidate)
                if merged is None:
                    unchanged += 1
                else:
                    changed.append((old, *merged))
                    updated += 1
        written = self.subscribers.put_many(owner_id, list_id, new, changed=changed, import_id=import_id)
        gone = len(changed) - written  # deleted while the import ran: left deleted, counted unchanged
        return created, updated - gone, unchanged + gone


def _merged(old: SubscriberRecord, candidate: Candidate) -> tuple[str, dict[str, Any]] | None:
    """An existing subscriber's name and attributes with the row's over them (status kept); None if
    nothing changes."""
    current = old.subscriber
    attributes = {**current.attributes, **candidate.attributes}
    name = candidate.name or current.name
    if name == current.name and attributes_json(attributes) == attributes_json(current.attributes):
        return None
    return name, attributes
