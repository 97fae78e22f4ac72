"""The import worker fed S3 events, against the emulated table and a bucket without triggers."""

from __future__ import annotations

import csv
import io
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from app import aws
from app.contacts.models import ListCreate
from app.contacts.service import create_list
from app.imports import processing, service
from app.imports.models import ImportCreate, ImportJob, Upload
from app.imports.processing import ImportTuning
from app.imports.repository import ImportRepository
from app.imports.storage import S3Uploads, report_key, upload_key
from app.store import Store
from localcloud.cloud import EmbeddedCloud
from tests.data.corpus import bad_corpus, good_csv, mixed_csv, s3_created_event
from tests.factories import FakeLambdaContext
from workers import on_import_uploaded


@pytest.fixture(scope="module")
def bucket(cloud: EmbeddedCloud) -> str:
    """A bucket with no notification, so only the test decides when the worker runs."""
    name = f"herald-test-uploads-{uuid.uuid4().hex[:8]}"
    aws.s3().create_bucket(Bucket=name)
    return name


@dataclass
class Harness:
    """One owner's list, and helpers to upload a file and run the worker on it."""

    bucket: str
    owner: str
    list_id: str

    @property
    def uploads(self) -> S3Uploads:
        return S3Uploads(aws.s3(), self.bucket)

    def upload(self, content: bytes) -> tuple[str, dict[str, Any]]:
        """Create the import job, put the file where its presigned POST would, return the S3 event."""
        started = service.create_import(
            self.owner,
            self.list_id,
            ImportCreate(file_name="contacts.csv"),
            lists=Store.default().lists,
            repo=Store.default().imports,
            uploads=self.uploads,
            max_bytes=20 * 1024 * 1024,
            correlation_id="corr-import",
        )
        key = upload_key(self.owner, started.id)
        put = aws.s3().put_object(Bucket=self.bucket, Key=key, Body=content, ContentType="text/csv")
        return started.id, s3_created_event(self.bucket, key, size=len(content), etag=put["ETag"])

    def process(
        self, upload: Upload, *, max_bytes: int = 10**8, tuning: ImportTuning | None = None
    ) -> ImportJob | None:
        """The worker's use case itself, with knobs the handler does not expose."""
        store = Store.default()
        return processing.process_upload(
            upload,
            repo=store.imports,
            lists=store.lists,
            subscribers=store.subscribers,
            uploads=self.uploads,
            max_bytes=max_bytes,
            tuning=tuning,
        )

    def deliver(self, event: dict[str, Any]) -> dict[str, Any]:
        """The worker's handler, as Lambda calls it."""
        context: Any = FakeLambdaContext("OnImportUploaded")
        result: dict[str, Any] = on_import_uploaded.handler(event, context)
        return result

    def job(self, import_id: str) -> ImportJob:
        record = Store.default().imports.get(self.owner, import_id, consistent=True)
        assert record is not None
        return record.job

    def list_count(self) -> int:
        found = Store.default().lists.get(self.owner, self.list_id)
        assert found is not None
        return found.subscriber_count

    def members(self) -> dict[str, dict[str, Any]]:
        """Every stored subscriber of the list, by email (one Query, page by page)."""
        items = Store.default().table.query_all("PK = :pk", {":pk": f"LIST#{self.owner}#{self.list_id}"})
        return {str(i["email"]): i for i in items}

    def report_rows(self, import_id: str) -> list[dict[str, str]]:
        body = aws.s3().get_object(Bucket=self.bucket, Key=report_key(self.owner, import_id))["Body"].read()
        text = body.decode("utf-8")
        assert text.startswith("\ufeff")
        return list(csv.DictReader(io.StringIO(text[1:])))


@pytest.fixture
def harness(cloud: EmbeddedCloud, bucket: str) -> Iterator[Harness]:
    owner = str(uuid.uuid4())
    created = create_list(owner, ListCreate(name="Imports"), repo=Store.default().lists, correlation_id="c")
    yield Harness(bucket=bucket, owner=owner, list_id=created.id)


def test_a_clean_file_is_imported_with_counts_and_no_report(harness: Harness) -> None:
    # Given an uploaded file of 150 valid rows
    import_id, event = harness.upload(good_csv(150))

    # When the worker gets the S3 event
    result = harness.deliver(event)

    # Then the job completed with exact counts and the list holds the subscribers
    assert result == {"imports": [{"key": upload_key(harness.owner, import_id), "status": "completed"}]}
    job = harness.job(import_id)
    assert (job.status, job.rows_total, job.rows_done, job.created, job.errors) == (
        "completed",
        150,
        150,
        150,
        0,
    )
    assert not job.report_available and job.completed_at is not None
    assert harness.list_count() == 150
    members = harness.members()
    assert len(members) == 150
    assert members["user7@example.com"]["name"] == "User 7"
    assert members["user7@example.com"]["attributes"] == '{"city":"City 0"}'
    assert (
        members["user7@example.com"]["status"] == "subscribed"
        and members["user7@example.com"]["source"] == "import"
    )


@pytest.fixture(scope="module")
def corpus_list(cloud: EmbeddedCloud, bucket: str) -> Harness:
    """One list for the whole corpus, holding three subscribers from an earlier import."""
    owner = str(uuid.uuid4())
    created = create_list(owner, ListCreate(name="Corpus"), repo=Store.default().lists, correlation_id="c")
    shared = Harness(bucket=bucket, owner=owner, list_id=created.id)
    _, first = shared.upload(good_csv(3, domain="earlier.example"))
    shared.deliver(first)
    assert len(shared.members()) == 3
    return shared


@pytest.mark.parametrize("case", list(bad_corpus("corpus.example")))
def test_bad_csv_corpus_ends_clearly_and_keeps_earlier_imports(corpus_list: Harness, case: str) -> None:
    # Given a list that already has subscribers from earlier imports
    harness = corpus_list
    before = harness.members()
    content, expected = bad_corpus("corpus.example")[case]

    # When an awkward file is imported into it
    import_id, event = harness.upload(content)
    harness.deliver(event)

    # Then the job ends with the expected status, a clear failure (or counts), and nothing is lost
    job = harness.job(import_id)
    assert job.status == expected["status"], job
    if job.status == "failed":
        assert job.failure is not None and job.failure.code == expected["code"]
        assert len(job.failure.message) > 20
    else:
        assert (job.created, job.errors) == (expected["created"], expected["errors"])
        if expected["errors"]:
            rows = harness.report_rows(import_id)
            assert [int(r["row"]) for r in rows] == expected["error_rows"]
            assert all(r["reason"] for r in rows)
    after = harness.members()
    assert {k: v for k, v in after.items() if k in before} == before
    assert (
        harness.list_count() == len(after) == len(before) + (job.created if job.status == "completed" else 0)
    )


def test_the_error_report_neutralises_formulas(harness: Harness) -> None:
    content, _ = bad_corpus("corpus.example")["hyperlink formulas"]
    import_id, event = harness.upload(content)
    harness.deliver(event)
    (row,) = harness.report_rows(import_id)
    assert row["email"].startswith("'=HYPERLINK(")
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values())
    # the imported name is kept as data (exports neutralise it when they write CSV)
    assert harness.members()["f@corpus.example"]["name"] == '=HYPERLINK("x")'


def test_redelivering_a_finished_import_changes_nothing(harness: Harness) -> None:
    # Given an import that completed
    content, expected = mixed_csv(150, domain="again.example")
    import_id, event = harness.upload(content)
    harness.deliver(event)
    done = harness.job(import_id)
    snapshot = harness.members()

    # When S3 delivers the same event twice more
    harness.deliver(event)
    harness.deliver(event)

    # Then the job, the count and every subscriber are as they were
    assert harness.job(import_id) == done
    assert (done.created, done.errors) == (expected["valid"], expected["errors"])
    assert harness.list_count() == expected["valid"]
    assert harness.members() == snapshot


def test_a_delivery_that_crashed_mid_file_resumes_without_double_counting(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a delivery that dies after writing chunks it never committed (the 4th commit fails)
    content, expected = mixed_csv(200, domain="crash.example")
    import_id, event = harness.upload(content)
    real_commit = ImportRepository.commit
    calls = {"n": 0}

    def crash_on_fourth(self: ImportRepository, *args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("Lambda timed out")
        real_commit(self, *args, **kwargs)

    monkeypatch.setattr(ImportRepository, "commit", crash_on_fourth)
    upload = Upload(harness.bucket, upload_key(harness.owner, import_id), len(content), event_etag(event))
    with pytest.raises(RuntimeError, match="timed out"):
        harness.process(upload, tuning=ImportTuning(chunk_rows=10, progress_interval=0.0, writers=2))
    halfway = harness.job(import_id)
    assert halfway.status == "processing" and 0 < halfway.rows_done < 200
    assert len(harness.members()) > halfway.created  # rows were written past the last commit

    # When Lambda retries the event
    monkeypatch.setattr(ImportRepository, "commit", real_commit)
    harness.deliver(event)

    # Then every count is exact, as if nothing had happened
    job = harness.job(import_id)
    assert (job.status, job.rows_done, job.created, job.errors) == (
        "completed",
        200,
        expected["valid"],
        expected["errors"],
    )
    assert harness.list_count() == len(harness.members()) == expected["valid"]
    assert len(harness.report_rows(import_id)) == expected["errors"]


def event_etag(event: dict[str, Any]) -> str:
    etag: str = event["Records"][0]["s3"]["object"]["eTag"]
    return etag


def test_two_deliveries_at_once_count_each_row_once(harness: Harness) -> None:
    # Given one upload whose event arrives twice at the same moment
    content, expected = mixed_csv(120, domain="twice.example")
    import_id, event = harness.upload(content)
    upload = Upload(harness.bucket, upload_key(harness.owner, import_id), len(content), event_etag(event))
    results: list[ImportJob | None] = []
    failures: list[BaseException] = []

    def deliver() -> None:
        try:
            results.append(
                harness.process(upload, tuning=ImportTuning(chunk_rows=10, progress_interval=0.0, writers=2))
            )
        except BaseException as exc:  # surfaced by the assertion below
            failures.append(exc)

    # When both run
    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # Then neither crashed, the job completed once, and the count is exact
    assert not failures and len(results) == 2
    job = harness.job(import_id)
    assert (job.status, job.created, job.errors) == ("completed", expected["valid"], expected["errors"])
    assert harness.list_count() == len(harness.members()) == expected["valid"]


def test_reimport_keeps_status_and_merges_name_and_attributes(harness: Harness) -> None:
    # Given two imported subscribers, one of whom then unsubscribed
    _, first = harness.upload(b"email,name,plan\nkeep@x.example,Keep,free\nleft@x.example,Left,free\n")
    harness.deliver(first)
    Store.default().subscribers.update(
        harness.owner,
        harness.list_id,
        "left@x.example",
        status="unsubscribed",
        suppress=None,
        correlation_id=None,
    )

    # When a second file mentions both again (one unchanged, one with news) plus a new address
    import_id, second = harness.upload(
        b"email,name,plan,city\nkeep@x.example,Keep,free,\nleft@x.example,,pro,Oslo\nnew@x.example,New,free,\n"
    )
    harness.deliver(second)

    # Then the unsubscribed person stays unsubscribed, with merged attributes, and only one is counted new
    job = harness.job(import_id)
    assert (job.created, job.updated, job.unchanged) == (1, 1, 1)
    members = harness.members()
    assert members["left@x.example"]["status"] == "unsubscribed"
    assert members["left@x.example"]["name"] == "Left"
    assert members["left@x.example"]["attributes"] == '{"city":"Oslo","plan":"pro"}'
    assert harness.list_count() == 3


def test_a_file_over_the_limit_is_refused_and_removed(harness: Harness) -> None:
    content = good_csv(50)
    import_id, event = harness.upload(content)
    upload = Upload(harness.bucket, upload_key(harness.owner, import_id), len(content), event_etag(event))

    job = harness.process(upload, max_bytes=1024)

    assert job is not None and job.status == "failed" and job.failure is not None
    assert job.failure.code == "file_too_large" and "MB" in job.failure.message
    assert aws.s3().list_objects_v2(Bucket=harness.bucket, Prefix=upload.key).get("KeyCount") == 0
    assert harness.list_count() == 0


def test_an_import_into_a_deleted_list_fails_clearly_and_leaves_nothing_behind(
    cloud: EmbeddedCloud, harness: Harness
) -> None:
    # Given an upload whose list is deleted (and purged) before the worker runs
    import_id, event = harness.upload(good_csv(30))
    assert Store.default().lists.delete(harness.owner, harness.list_id)
    assert cloud.wait_idle(30)

    # When the worker processes it
    harness.deliver(event)

    # Then the import fails with a reason, and the rows it wrote are purged by the stream worker
    job = harness.job(import_id)
    assert job.status == "failed" and job.failure is not None and job.failure.code == "list_deleted"
    assert cloud.wait_idle(30)
    assert harness.members() == {}


def test_objects_that_are_not_imports_are_ignored(harness: Harness) -> None:
    event = s3_created_event(harness.bucket, "imports/elsewhere.txt", size=10, etag="abc")
    unknown = s3_created_event(
        harness.bucket, f"imports/{harness.owner}/{uuid.uuid4().hex}.csv", size=10, etag="a"
    )
    assert harness.deliver(event)["imports"][0]["status"] == "ignored"
    assert harness.deliver(unknown)["imports"][0]["status"] == "ignored"


def test_progress_is_committed_at_most_once_per_interval(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a clock that advances 50 ms whenever it is read
    ticks = {"now": 0.0}

    def clock() -> float:
        ticks["now"] += 0.05
        return ticks["now"]

    commits: list[tuple[float, int]] = []
    real_commit = ImportRepository.commit

    def spy(self: ImportRepository, *args: Any, **kwargs: Any) -> None:
        commits.append((ticks["now"], kwargs["progress"].rows_done))
        real_commit(self, *args, **kwargs)

    monkeypatch.setattr(ImportRepository, "commit", spy)
    content = good_csv(120)
    import_id, event = harness.upload(content)
    upload = Upload(harness.bucket, upload_key(harness.owner, import_id), len(content), event_etag(event))

    # When the file is processed in chunks of 10 rows, each written before the next is read (so how
    # many commits there are depends on the clock alone, not on how fast the emulator writes)
    tuning = ImportTuning(chunk_rows=10, progress_interval=0.5, max_in_flight=1, clock=clock)
    harness.process(upload, tuning=tuning)

    # Then progress commits were at least 500 ms apart (the last one completes the job) and moved forward
    times = [t for t, _ in commits[:-1]]
    assert len(times) >= 3
    assert all(later - earlier >= 0.5 - 1e-9 for earlier, later in zip(times, times[1:], strict=False))
    rows = [r for _, r in commits]
    assert rows == sorted(rows) and rows[-1] == 120
