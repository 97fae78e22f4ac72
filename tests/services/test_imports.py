"""Import use cases against the module's own table and a bucket in memory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from app.contacts.subscribers import SubscriberRepository
from app.imports import processing, service
from app.imports.models import ImportCreate, ImportJob, Upload
from app.imports.storage import upload_key
from app.store import Store
from tests.factories import list_with, owner_id
from tests.helpers import MemoryUploads


@dataclass
class Imports:
    """One owner's list, a bucket, and the two halves of an import: the API's and the worker's."""

    store: Store
    owner: str
    list_id: str
    uploads: MemoryUploads

    def upload(self, body: bytes) -> Upload:
        """A job for the list, and its file uploaded as its presigned POST allows."""
        started = service.create_import(
            self.owner,
            self.list_id,
            ImportCreate(file_name="people.csv"),
            lists=self.store.lists,
            repo=self.store.imports,
            uploads=self.uploads,
            max_bytes=1024 * 1024,
            correlation_id="corr-import",
        )
        key = upload_key(self.owner, started.id)
        return Upload(bucket="test", key=key, size=len(body), etag=self.uploads.put(key, body))

    def process(self, upload: Upload) -> ImportJob | None:
        return processing.process_upload(
            upload,
            repo=self.store.imports,
            lists=self.store.lists,
            subscribers=self.store.subscribers,
            uploads=self.uploads,
            max_bytes=1024 * 1024,
        )


def imports_for(store: Store, members: list[str]) -> Imports:
    owner = owner_id()
    return Imports(store, owner, list_with(store, owner, members), MemoryUploads())


def test_an_upload_becomes_subscribers_counted_once_with_a_report_of_bad_rows(store: Store) -> None:
    # Given a file of two new addresses, one already on the list with news, and one bad row
    imports = imports_for(store, ["old@example.com"])
    upload = imports.upload(
        b"email,name,plan\nnew1@example.com,N1,free\nnew2@example.com,,pro\nnope,X,free\n"
        b"old@example.com,Old,pro\n"
    )

    # When the worker processes it, and the upload's event is delivered again
    job = imports.process(upload)
    again = imports.process(upload)

    # Then the new ones are created, the known one updated, the bad row reported, the list counted once
    assert job is not None and again is not None
    assert (job.status, job.created, job.updated, job.errors) == ("completed", 2, 1, 1)
    assert again.id == job.id and again.status == "completed"
    listed = imports.store.lists.get(imports.owner, imports.list_id)
    assert listed is not None and listed.subscriber_count == 3
    old = imports.store.subscribers.get(imports.owner, imports.list_id, "old@example.com")
    assert old is not None and (old.name, old.attributes, old.source) == ("Old", {"plan": "pro"}, "api")
    link = service.report_link(imports.owner, job.id, repo=imports.store.imports, uploads=imports.uploads)
    assert link.url.endswith(f"import-{job.id}-errors.csv&expires=300")
    assert b"nope" in next(iter(imports.uploads.reports.values()))


def test_an_upload_replaced_before_it_is_read_is_left_to_the_newer_event(store: Store) -> None:
    # Given a job whose file was uploaded again before the first event was processed
    imports = imports_for(store, [])
    first = imports.upload(b"email\na@example.com\n")
    imports.uploads.put(first.key, b"email\nb@example.com\n")

    # When the first event is processed
    outcome = imports.process(first)

    # Then nothing is imported from the stale event, and the job still waits for its file
    assert outcome is None
    job = service.get_import(imports.owner, first.key.rsplit("/", 1)[1][:-4], repo=imports.store.imports)
    assert (job.status, job.created) == ("waiting_upload", 0)


def test_an_import_never_undoes_an_unsubscribe_or_a_deletion_made_while_it_ran(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two subscribers an import will rename, and, right after the import read them, one
    # unsubscribes and the other is deleted (as concurrent API calls would)
    imports = imports_for(store, ["quits@example.com", "gone@example.com"])
    upload = imports.upload(b"email,name\nquits@example.com,Q. Uits\ngone@example.com,G. One\n")
    real = SubscriberRepository.get_many

    def read_then_race(self: SubscriberRepository, owner: str, list_id: str, emails: Any) -> Any:
        found = real(self, owner, list_id, emails)
        self.update(
            owner, list_id, "quits@example.com", status="unsubscribed", suppress=None, correlation_id=None
        )
        assert self.remove(owner, list_id, "gone@example.com") is None
        return found

    monkeypatch.setattr(SubscriberRepository, "get_many", read_then_race)

    # When the import writes its rows
    job = imports.process(upload)

    # Then the unsubscribed one keeps its status (with the new name), the deleted one stays deleted
    assert job is not None and (job.status, job.updated, job.unchanged) == ("completed", 1, 1)
    quits = imports.store.subscribers.get(imports.owner, imports.list_id, "quits@example.com")
    assert quits is not None and (quits.status, quits.name) == ("unsubscribed", "Q. Uits")
    assert imports.store.subscribers.get(imports.owner, imports.list_id, "gone@example.com") is None
