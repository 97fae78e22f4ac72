"""An import records why its addresses may be mailed: the owner's word, with the reason given;
and it leaves an address waiting for its confirmation as it is."""

from __future__ import annotations

from app.contacts.models import NewSubscriber
from app.imports import processing, service
from app.imports.models import ImportCreate, Upload
from app.imports.storage import upload_key
from app.store import Store
from tests.factories import list_with, owner_id
from tests.helpers import MemoryUploads


def test_imported_addresses_are_confirmed_on_the_owners_word_with_the_reason(store: Store) -> None:
    # Given a list where one address waits for its confirmation link
    owner = owner_id()
    list_id = list_with(store, owner, [])
    store.subscribers.add(
        owner, list_id, NewSubscriber(email="waits@example.com", status="unconfirmed"), suppress=None
    )
    uploads = MemoryUploads()

    # When a file is imported as already confirmed, saying why
    started = service.create_import(
        owner,
        list_id,
        ImportCreate(file_name="crm.csv", confirmed_reason="opted in on the old site, 2023"),
        lists=store.lists,
        repo=store.imports,
        uploads=uploads,
        max_bytes=1024 * 1024,
        correlation_id=None,
    )
    key = upload_key(owner, started.id)
    body = b"email,name\nnew@example.com,New\nwaits@example.com,Waits\n"
    upload = Upload(bucket="test", key=key, size=len(body), etag=uploads.put(key, body))
    done = processing.process_upload(
        upload,
        repo=store.imports,
        lists=store.lists,
        subscribers=store.subscribers,
        uploads=uploads,
        max_bytes=1024 * 1024,
    )

    # Then the new address is subscribed with how and why, and counted
    assert done is not None and done.status == "completed"
    new = store.subscribers.get(owner, list_id, "new@example.com", consistent=True)
    assert new is not None and new.status == "subscribed"
    assert (new.confirmed_by, new.confirmed_reason) == ("import", "opted in on the old site, 2023")
    assert new.confirmed_at is not None
    # And the waiting address keeps waiting (an import never confirms on someone's behalf)
    waiting = store.subscribers.get(owner, list_id, "waits@example.com", consistent=True)
    assert waiting is not None and (waiting.status, waiting.name) == ("unconfirmed", "Waits")
    assert store.lists.get(owner, list_id).subscriber_count == 1  # type: ignore[union-attr]
