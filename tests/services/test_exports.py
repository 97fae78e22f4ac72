"""Export use cases against the module's own table and a bucket in memory: the API's half (create,
read, list, the cap) and the worker's (run), and the memory a 5,000-recipient export takes."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import pytest

from app.contacts.export import file_stem
from app.contacts.models import NewSubscriber
from app.db import Table
from app.delivery.repository import RecipientRecord
from app.errors import NotFound, TooManyRequests
from app.exports import service
from app.exports.models import Export, ExportCreate, ExportKind
from app.exports.sources import RECIPIENT_COLUMNS, Sources
from app.store import Store
from localcloud.cloud import EmbeddedCloud
from tests.factories import draft, list_with, owner_id
from tests.helpers import MemoryExports

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

FOREVER = 900.0


def start(
    store: Store,
    owner: str,
    kind: ExportKind,
    source_id: str,
    *,
    slots: int = 2,
    sources: Sources | None = None,
) -> Export:
    return service.create_export(
        owner,
        ExportCreate(kind=kind, id=source_id),
        sources=sources or Sources.of(store),
        slots=slots,
        correlation_id="corr-export",
    )


def run(store: Store, owner: str, export: Export, files: MemoryExports, **options: object) -> Export | None:
    return service.run_export(
        owner,
        export.id,
        sources=Sources.of(store),
        files=files,
        time_left=lambda: FOREVER,
        **options,  # type: ignore[arg-type]
    )


def rows_of(files: MemoryExports, owner: str, export: Export) -> list[dict[str, str]]:
    body = files.files[f"exports/{owner}/{export.id}.csv"]
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def campaign_with(store: Store, owner: str, count: int) -> str:
    """A campaign of `count` recipients, every one sent and the first three delivered, written through
    the recipients' repository (as the senders and the feedback worker record them)."""
    list_id = list_with(store, owner, [])
    campaign_id = draft(store, owner, list_id, name="Spring news")
    now = datetime.now(UTC).isoformat()
    people = [
        RecipientRecord(
            owner_id=owner,
            campaign_id=campaign_id,
            list_id=list_id,
            email=f"reader{n:05d}@example.com",
            name=f"Reader {n}",
            attributes_json="{}",
            batch=n // 50,
            status="pending",
            updated_at=now,
        )
        for n in range(count)
    ]
    store.recipients.mark_sent((r, f"message-{n}") for n, r in enumerate(people))
    for r in people[:3]:
        assert store.recipients.deliver(owner, campaign_id, r.email)
    return campaign_id


def test_a_list_exports_as_csv_with_every_field_and_no_formula(store: Store) -> None:
    # Given a list with a subscriber whose name would run as a spreadsheet formula
    owner = owner_id()
    list_id = list_with(store, owner, [], name="Readers 2024")
    store.subscribers.put_many(
        owner,
        list_id,
        [NewSubscriber(email="ada@x.test", name="=HYPERLINK(1)", attributes={"city": "Oslo", "n": 3})],
    )
    files = MemoryExports()

    # When its export is started, then run by the worker
    queued = start(store, owner, "list", list_id)
    ready = run(store, owner, queued, files)

    # Then it was queued under the list's name, and is ready with a row per subscriber, every field,
    # attributes as JSON and the formula defused
    assert (queued.status, queued.file_name, queued.kind, queued.source_id) == (
        "queued",
        "Readers-2024.csv",
        "list",
        list_id,
    )
    assert ready is not None and (ready.status, ready.rows) == ("ready", 1)
    assert ready.bytes == files.sizes[f"exports/{owner}/{queued.id}.csv"]
    (row,) = rows_of(files, owner, queued)
    assert (row["email"], row["status"], row["list_id"]) == ("ada@x.test", "subscribed", list_id)
    assert row["name"] == "'=HYPERLINK(1)"
    assert row["attributes"] == '{"city":"Oslo","n":3}'
    assert {"consent_at", "consent_ip", "consent_text", "confirmed_by", "confirmed_reason"} <= set(row)

    # And the owner sees it with a five-minute link that downloads it under its name
    shown = service.get_export(owner, queued.id, repo=store.exports, files=files)
    assert shown.download_url is not None and shown.download_url.endswith("name=Readers-2024.csv&expires=300")
    assert [e.id for e in service.list_exports(owner, repo=store.exports).items] == [queued.id]


def test_a_campaigns_recipients_export_with_status_times_and_engagement(store: Store) -> None:
    # Given a campaign of three delivered recipients, one of whom opened twice and clicked (the
    # engagement fields as the tracking worker records them)
    owner = owner_id()
    campaign_id = campaign_with(store, owner, 3)
    opened = "reader00001@example.com"
    store.table.update(
        *("CAMPAIGN#" + owner + "#" + campaign_id, "RCPT#" + opened),
        sets={
            "first_open_at": "2026-12-01T10:00:00+00:00",
            "last_open_at": "2026-12-01T11:00:00+00:00",
            "open_count": 2,
            "first_click_at": "2026-12-01T10:05:00+00:00",
            "click_count": 1,
        },
    )
    files = MemoryExports()

    # When its recipients are exported
    export = start(store, owner, "campaign", campaign_id)
    ready = run(store, owner, export, files)

    # Then each recipient is a row with its status and times; engagement where recorded, else empty
    assert ready is not None and ready.rows == 3 and export.file_name == "Spring-news-recipients.csv"
    rows = {r["email"]: r for r in rows_of(files, owner, export)}
    assert tuple(next(iter(rows.values()))) == RECIPIENT_COLUMNS
    assert {r["status"] for r in rows.values()} == {"delivered"}
    assert all(r["sent_at"] and r["delivered_at"] for r in rows.values())
    assert (rows[opened]["open_count"], rows[opened]["click_count"]) == ("2", "1")
    assert rows[opened]["first_open_at"] == "2026-12-01T10:00:00+00:00"
    other = rows["reader00000@example.com"]
    assert (other["first_open_at"], other["open_count"], other["click_count"]) == ("", "", "")


def test_only_the_owner_can_export_or_read_and_a_busy_owner_is_told_when_to_retry(store: Store) -> None:
    # Given an owner's list and a stranger
    owner, stranger = owner_id(), owner_id()
    list_id = list_with(store, owner, ["a@example.com"])
    files = MemoryExports()

    # When the stranger tries to export it, or the owner exports a campaign or segment that is not there
    with pytest.raises(NotFound) as foreign:
        start(store, stranger, "list", list_id)
    with pytest.raises(NotFound) as no_campaign:
        start(store, owner, "campaign", "nope")
    with pytest.raises(NotFound) as no_segment:
        start(store, owner, "segment", "nope")

    # Then each is not found
    assert (foreign.value.code, no_campaign.value.code, no_segment.value.code) == (
        "list_not_found",
        "campaign_not_found",
        "segment_not_found",
    )

    # When the owner starts an export with one slot, and another while it runs
    first = start(store, owner, "list", list_id, slots=1)
    with pytest.raises(TooManyRequests) as busy:
        start(store, owner, "list", list_id, slots=1)

    # Then the second is refused with a time to retry, and the stranger cannot see the first
    assert busy.value.code == "exports_busy" and busy.value.retry_after == service.RETRY_AFTER_SECONDS
    with pytest.raises(NotFound):
        service.get_export(stranger, first.id, repo=store.exports, files=files)
    assert service.list_exports(stranger, repo=store.exports).items == []

    # When the first is done, the slot is free again
    assert (ready := run(store, owner, first, files)) is not None and ready.status == "ready"
    assert start(store, owner, "list", list_id, slots=1).status == "queued"


def test_an_export_whose_list_went_keeps_the_error_and_frees_its_slot(store: Store) -> None:
    # Given an export queued for a list that is then deleted
    owner = owner_id()
    list_id = list_with(store, owner, ["a@example.com"])
    export = start(store, owner, "list", list_id, slots=1)
    store.lists.delete(owner, list_id)

    # When the worker runs it, and the event is delivered again
    failed = run(store, owner, export, MemoryExports())
    again = run(store, owner, export, MemoryExports())

    # Then it failed with the reason, kept for the owner; the redelivery changes nothing
    assert failed is not None and failed.status == "failed" and failed.failure is not None
    assert failed.failure.code == "list_not_found"
    assert again is None
    shown = service.get_export(owner, export.id, repo=store.exports, files=MemoryExports())
    assert shown.failure == failed.failure and shown.download_url is None
    # And its slot is free
    other = list_with(store, owner, [])
    assert start(store, owner, "list", other, slots=1).status == "queued"


def test_an_export_that_would_outrun_the_worker_stops_and_says_so(store: Store) -> None:
    # Given a campaign of 30 recipients and a worker with little time left
    owner = owner_id()
    export = start(store, owner, "campaign", campaign_with(store, owner, 30))

    # When it runs, checking its time every 10 rows
    failed = service.run_export(
        owner,
        export.id,
        sources=Sources.of(store),
        files=MemoryExports(),
        time_left=lambda: 5.0,
        progress_every=10,
    )

    # Then it failed as too long, after the rows it managed
    assert failed is not None and failed.status == "failed" and failed.failure is not None
    assert failed.failure.code == "export_too_long" and "10 rows" in failed.failure.message


def test_a_retry_takes_a_running_export_over_and_the_first_attempt_stops(store: Store) -> None:
    # Given an export a first attempt claimed (and then lost, as a timed-out run would)
    owner = owner_id()
    export = start(store, owner, "campaign", campaign_with(store, owner, 20))
    assert store.exports.claim(owner, export.id, "attempt-1") is not None

    # When a retry runs it
    files = MemoryExports()
    ready = run(store, owner, export, files)

    # Then the retry wrote it, and the first attempt can no longer record progress or finish it
    assert ready is not None and (ready.status, ready.rows) == ("ready", 20)
    assert not store.exports.progress(owner, export.id, "attempt-1", rows=5)
    assert store.exports.complete(owner, export.id, "attempt-1", rows=1, size=1) is None


class PrefetchedQueries:
    """The table's client, except that Queries are answered from pages read beforehand: a traced run
    then measures what Herald holds (a page, a chunk, a part), not what the emulator allocates."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.pages: dict[str, Any] = {}
        self.replaying = False

    def query(self, **kwargs: Any) -> Any:
        key = json.dumps(kwargs, sort_keys=True)
        if not self.replaying:
            self.pages[key] = self.client.query(**kwargs)
        return self.pages[key]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def engaged(store: Store, owner: str, campaign_id: str) -> None:
    """Every recipient opened and clicked, as the tracking worker records it."""
    stamp = "2026-12-01T10:00:00.000000+00:00"
    fields = {"first_open_at": stamp, "last_open_at": stamp, "open_count": 3, "first_click_at": stamp}
    items = store.table.query_all("PK = :pk", {":pk": f"CAMPAIGN#{owner}#{campaign_id}"})
    store.table.batch_put([{**item, **fields, "click_count": 1} for item in items])


@pytest.mark.timeout(300)
def test_5000_recipients_export_with_memory_that_does_not_grow_with_the_file(
    store: Store, cloud: EmbeddedCloud
) -> None:
    # Given a campaign of 5,000 recipients who opened and clicked, and the pages its export reads
    owner = owner_id()
    campaign_id = campaign_with(store, owner, 5000)
    engaged(store, owner, campaign_id)
    client = PrefetchedQueries(store.table.client)
    prefetched = Store(Table(store.table.name, cast("DynamoDBClient", client)))
    sources = replace(Sources.of(prefetched), recipient_page=100)
    first = start(prefetched, owner, "campaign", campaign_id, sources=sources)
    recorded = service.run_export(
        owner, first.id, sources=sources, files=MemoryExports(), time_left=lambda: FOREVER
    )
    assert recorded is not None and recorded.rows == 5000
    client.replaying = True

    # When a second export of it runs with memory traced (the bucket keeps only a digest, as S3
    # keeps the file elsewhere; the emulator writes no snapshot of its state meanwhile)
    files = MemoryExports(keep=False)
    export = start(prefetched, owner, "campaign", campaign_id, sources=sources)
    with cloud.snapshots_held():
        tracemalloc.start()
        try:
            ready = service.run_export(
                owner, export.id, sources=sources, files=files, time_left=lambda: FOREVER
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    # Then every recipient was written, and the job (with the emulator's threads, traced too) never
    # held as much as the file: the whole CSV in memory, as a buffered response is in Lambda, would
    # be twice the file at least (its text, then its bytes)
    assert ready is not None and (ready.status, ready.rows) == ("ready", 5000)
    size = files.sizes[f"exports/{owner}/{export.id}.csv"]
    assert ready.bytes == size and size > 800_000
    assert peak < size, f"peak {peak} bytes for a {size}-byte file"


def test_file_names_are_ascii_for_the_download_header() -> None:
    assert file_stem("Vår nyhetsbrev 2024") == "V-r-nyhetsbrev-2024"
    assert file_stem("ÅÄÖ", "campaign") == "campaign"
