"""The export worker fed EventBridge events, against the emulated table and a bucket of its own; the
S3 writer's multipart upload of a file larger than a part, and its abort when the rows fail."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator

import pytest

from app import aws
from app.config import get_settings
from app.exports.models import ExportCreate
from app.exports.service import create_export
from app.exports.sources import Sources
from app.exports.storage import PART_BYTES, S3Exports
from app.exports.writer import CsvStream
from app.store import Store
from localcloud.cloud import EmbeddedCloud
from tests.factories import eventbridge_envelope, lambda_context, list_with, owner_id
from workers import write_export


@pytest.fixture(scope="module")
def bucket(cloud: EmbeddedCloud) -> str:
    """A bucket of the test's own (the files bucket's name is what the worker reads from settings)."""
    name = f"herald-test-exports-{uuid.uuid4().hex[:8]}"
    aws.s3().create_bucket(Bucket=name)
    return name


def test_an_export_requested_event_writes_the_file_and_a_redelivery_changes_nothing(
    cloud: EmbeddedCloud, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a queued export of a list of two, and the worker pointed at the test's bucket
    monkeypatch.setenv("IMPORTS_BUCKET", bucket)
    get_settings.cache_clear()
    store = Store.default()
    owner = owner_id()
    list_id = list_with(store, owner, ["ada@example.com", "bob@example.com"])
    export = create_export(
        owner, ExportCreate(kind="list", id=list_id), sources=Sources.of(store), slots=2, correlation_id="c-w"
    )
    detail = {"owner_id": owner, "export_id": export.id, "correlation_id": "c-w"}
    event = eventbridge_envelope("ExportRequested", "herald.exports", detail, bus="herald-test")

    # When the worker gets the event, twice
    first = write_export.handler(event, lambda_context("ExportFunction"))
    again = write_export.handler(event, lambda_context("ExportFunction"))
    get_settings.cache_clear()

    # Then the file is in the bucket and the export ready; the redelivery left it alone
    assert first == {"export_id": export.id, "status": "ready"}
    assert again == {"export_id": export.id, "status": "unchanged"}
    body = aws.s3().get_object(Bucket=bucket, Key=f"exports/{owner}/{export.id}.csv")["Body"].read()
    assert sorted(r["email"] for r in csv.DictReader(io.StringIO(body.decode()))) == [
        "ada@example.com",
        "bob@example.com",
    ]


def rows(count: int) -> Iterator[list[str]]:
    for n in range(count):
        yield [f"reader{n:07d}@example.com", "delivered", "x" * 80]


def test_a_file_larger_than_a_part_is_uploaded_in_parts(cloud: EmbeddedCloud, bucket: str) -> None:
    # Given rows that make more than one part of CSV
    count = PART_BYTES // 100 + 20_000

    # When the S3 writer uploads them
    stream = CsvStream(("email", "status", "reason"), rows(count))
    S3Exports(aws.s3(), bucket).write("exports/o/big.csv", io.BufferedReader(stream))

    # Then the object is every byte, in more than one part
    head = aws.s3().head_object(Bucket=bucket, Key="exports/o/big.csv")
    assert head["ContentLength"] == stream.size > PART_BYTES
    assert head["ETag"].strip('"').endswith("-2")  # a multipart upload's ETag counts its parts


def test_rows_that_fail_mid_file_abort_the_upload(cloud: EmbeddedCloud, bucket: str) -> None:
    # Given rows that fail after more than a part
    def failing() -> Iterator[list[str]]:
        yield from rows(PART_BYTES // 100 + 1000)
        raise RuntimeError("the table went away")

    # When the S3 writer uploads them
    with pytest.raises(RuntimeError, match="went away"):
        stream = io.BufferedReader(CsvStream(("e",), failing()))
        S3Exports(aws.s3(), bucket).write("exports/o/broken.csv", stream)

    # Then no object and no unfinished upload is left
    assert "Contents" not in aws.s3().list_objects_v2(Bucket=bucket, Prefix="exports/o/broken")
    assert not aws.s3().list_multipart_uploads(Bucket=bucket, Prefix="exports/o/broken").get("Uploads")
