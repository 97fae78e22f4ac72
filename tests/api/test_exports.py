"""/api/exports through the ASGI client and the embedded cloud: the job is queued (202), the stream,
the bus and ExportFunction (under its own policy) write the file, the link downloads it; only the
owner sees it; a busy owner gets 429 with Retry-After."""

from __future__ import annotations

import csv
import io
import time

import pytest
from fastapi.testclient import TestClient

from app.exports.repository import SLOT, slot_key
from app.store import Store
from tests.factories import bearer, new_campaign, new_list, registered_user
from tests.helpers import exported


@pytest.fixture
def owner(client: TestClient) -> dict[str, str]:
    _, token = registered_user(client, prefix="exporter")
    return bearer(token)


def user_id(client: TestClient, headers: dict[str, str]) -> str:
    return str(client.get("/api/me", headers=headers).json()["id"])


def test_a_list_export_is_queued_written_by_the_worker_and_downloaded(
    client: TestClient, owner: dict[str, str]
) -> None:
    # Given a list of two
    list_id = new_list(client, owner, [{"email": "ada@example.com"}, {"email": "bob@example.com"}])

    # When it is exported, and the owner lists their exports
    export, download = exported(client, owner, "list", list_id)
    listed = client.get("/api/exports", headers=owner)

    # Then the worker wrote it, the link downloads it as an attachment, and it is listed
    assert (export["kind"], export["source_id"], export["rows"]) == ("list", list_id, 2)
    assert download.status_code == 200 and export["bytes"] == len(download.content)
    assert download.headers["content-disposition"] == f'attachment; filename="{export["file_name"]}"'
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert sorted(r["email"] for r in rows) == ["ada@example.com", "bob@example.com"]
    assert listed.status_code == 200 and [e["id"] for e in listed.json()["items"]] == [export["id"]]
    assert listed.json()["items"][0]["download_url"] is None  # links only from GET /api/exports/{id}


def test_a_campaigns_recipients_export_has_their_status_and_engagement_columns(
    client: TestClient, owner: dict[str, str]
) -> None:
    # Given a draft campaign (no recipients yet)
    list_id = new_list(client, owner, [{"email": "ada@example.com"}])
    campaign_id = new_campaign(client, owner, list_id)

    # When its recipients are exported
    export, download = exported(client, owner, "campaign", campaign_id)

    # Then the file has the recipients' header and no rows
    assert export["rows"] == 0
    assert download.text.splitlines()[0] == (
        "email,status,reason,sent_at,delivered_at,first_open_at,last_open_at,open_count,first_click_at,click_count"
    )


def test_another_owners_export_and_source_are_not_found(client: TestClient, owner: dict[str, str]) -> None:
    # Given an owner's export and a stranger
    list_id = new_list(client, owner, [{"email": "ada@example.com"}])
    export, _ = exported(client, owner, "list", list_id)
    _, token = registered_user(client, prefix="stranger")
    stranger = bearer(token)

    # When the stranger reads the export, lists theirs, or exports the owner's list
    read = client.get(f"/api/exports/{export['id']}", headers=stranger)
    listed = client.get("/api/exports", headers=stranger)
    started = client.post("/api/exports", json={"kind": "list", "id": list_id}, headers=stranger)

    # Then nothing of the owner's is found
    assert read.status_code == 404 and read.json()["error"]["code"] == "export_not_found"
    assert listed.json()["items"] == []
    assert started.status_code == 404 and started.json()["error"]["code"] == "list_not_found"


def test_an_owner_whose_slots_are_taken_is_told_to_retry(client: TestClient, owner: dict[str, str]) -> None:
    # Given an owner whose every export slot is held by a running export
    list_id = new_list(client, owner, [{"email": "ada@example.com"}])
    me = user_id(client, owner)
    table = Store.default().table
    for number in range(2):
        pk, sk = slot_key(me, number)
        until = int(time.time()) + 600
        table.put({"PK": pk, "SK": sk, "type": SLOT, "export_id": "running", "until": until, "ttl": until})

    # When they start another
    refused = client.post("/api/exports", json={"kind": "list", "id": list_id}, headers=owner)

    # Then it is refused with when to try again, and nothing was queued
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "exports_busy"
    assert int(refused.headers["Retry-After"]) > 0
    assert client.get("/api/exports", headers=owner).json()["items"] == []
