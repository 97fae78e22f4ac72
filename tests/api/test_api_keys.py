"""API keys act for their owner only, within their scope, until revoked; the secret is never stored."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import ratelimit
from app.api import deps
from app.config import get_settings
from app.store import Store
from tests.factories import bearer, registered_user


def _create_key(client: TestClient, token: str, scope: str, name: str = "CI") -> dict[str, Any]:
    response = client.post("/api/keys", json={"name": name, "scope": scope}, headers=bearer(token))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


@pytest.fixture
def owner(client: TestClient) -> tuple[str, str]:
    """An owner's access token and the id of one of their lists."""
    _, token = registered_user(client, prefix="keys")
    list_id = client.post("/api/lists", json={"name": "Integrations"}, headers=bearer(token)).json()["id"]
    return token, list_id


def test_a_key_reads_its_owners_lists_and_not_another_tenants(
    client: TestClient, owner: tuple[str, str]
) -> None:
    # Given an owner's read-only key, and another tenant's list
    token, list_id = owner
    key = _create_key(client, token, "read_only")["key"]
    _, other_token = registered_user(client, prefix="other")
    other_list = client.post("/api/lists", json={"name": "Theirs"}, headers=bearer(other_token)).json()["id"]

    # When the key reads lists
    mine = client.get("/api/lists", headers=bearer(key))
    one = client.get(f"/api/lists/{list_id}", headers=bearer(key))
    theirs = client.get(f"/api/lists/{other_list}", headers=bearer(key))

    # Then it sees its owner's, and another tenant's list does not exist for it
    assert mine.status_code == 200, mine.text
    assert [item["id"] for item in mine.json()["items"]] == [list_id]
    assert one.json()["name"] == "Integrations"
    assert theirs.status_code == 404
    assert theirs.json()["error"]["code"] == "list_not_found"


def test_a_read_only_key_cannot_write(client: TestClient, owner: tuple[str, str]) -> None:
    token, list_id = owner
    key = _create_key(client, token, "read_only")["key"]

    created = client.post("/api/lists", json={"name": "Nope"}, headers=bearer(key))
    renamed = client.patch(f"/api/lists/{list_id}", json={"name": "Nope"}, headers=bearer(key))

    for response in (created, renamed):
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "insufficient_scope"
    assert client.get(f"/api/lists/{list_id}", headers=bearer(token)).json()["name"] == "Integrations"


def test_scopes_follow_the_rule_table(client: TestClient, owner: tuple[str, str]) -> None:
    token, list_id = owner
    writer = _create_key(client, token, "read_write")["key"]
    sender = _create_key(client, token, "send_only")["key"]

    # A read-write key writes; a send-only key reads but may not edit lists
    assert client.post("/api/lists", json={"name": "By key"}, headers=bearer(writer)).status_code == 201
    assert client.get(f"/api/lists/{list_id}", headers=bearer(sender)).status_code == 200
    edit = client.patch(f"/api/lists/{list_id}", json={"name": "x"}, headers=bearer(sender))
    assert edit.json()["error"]["code"] == "insufficient_scope"
    # No key manages keys or the account, whatever its scope
    for path, method in (("/api/keys", "GET"), ("/api/keys", "POST"), ("/api/me", "PATCH")):
        response = client.request(
            method, path, json={"name": "x", "scope": "read_only"}, headers=bearer(writer)
        )
        assert response.status_code == 403, (method, path, response.text)
    # ...but it may read who it acts for
    assert client.get("/api/me", headers=bearer(writer)).status_code == 200


def test_a_revoked_key_is_refused_at_once(client: TestClient, owner: tuple[str, str]) -> None:
    token, _ = owner
    created = _create_key(client, token, "read_write")
    assert client.get("/api/lists", headers=bearer(created["key"])).status_code == 200

    revoked = client.delete(f"/api/keys/{created['id']}", headers=bearer(token))
    after = client.get("/api/lists", headers=bearer(created["key"]))

    assert revoked.status_code == 204
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "invalid_api_key"
    assert created["id"] not in [
        k["id"] for k in client.get("/api/keys", headers=bearer(token)).json()["items"]
    ]
    assert client.delete(f"/api/keys/{created['id']}", headers=bearer(token)).status_code == 404


def test_the_secret_is_shown_once_and_stored_only_as_a_hash(
    client: TestClient, owner: tuple[str, str]
) -> None:
    token, _ = owner
    created = _create_key(client, token, "read_only", name="Shown once")
    key = created["key"]
    client.get("/api/lists", headers=bearer(key))  # a use: last_used is written
    owner_id = client.get("/api/me", headers=bearer(token)).json()["id"]

    listed = client.get("/api/keys", headers=bearer(token)).json()["items"]
    table = Store.default().table
    owned = list(table.query_all("PK = :pk", {":pk": f"OWNER#{owner_id}"}))
    lookup = table.get(f"APIKEY#{hashlib.sha256(key.encode()).hexdigest()}", "APIKEY")

    entry = next(k for k in listed if k["id"] == created["id"])
    assert "key" not in entry
    assert entry["prefix"] == key[: len(entry["prefix"])] and key.startswith("hrd_")
    assert entry["last_used_at"] is not None
    assert lookup is not None and lookup["owner_id"] == owner_id
    secret = key.rsplit("_", 1)[1]
    stored = json.dumps([*owned, lookup], default=str)
    assert key not in stored and secret not in stored


def test_keys_and_garbage_are_told_apart(client: TestClient) -> None:
    tampered = "hrd_0123456789ab_" + "A" * 43
    for credential in (tampered, "hrd_short", "not-a-token"):
        response = client.get("/api/lists", headers=bearer(credential))
        assert response.status_code == 401, credential
    assert client.get("/api/lists", headers=bearer(tampered)).json()["error"]["code"] == "invalid_api_key"


def test_an_owner_may_hold_twenty_keys(client: TestClient) -> None:
    _, token = registered_user(client, prefix="many")
    for number in range(20):
        _create_key(client, token, "read_only", name=f"key {number}")

    refused = client.post("/api/keys", json={"name": "one more", "scope": "read_only"}, headers=bearer(token))

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "too_many_keys"
    first = client.get("/api/keys", headers=bearer(token)).json()["items"][-1]
    assert client.delete(f"/api/keys/{first['id']}", headers=bearer(token)).status_code == 204
    assert (
        client.post(
            "/api/keys", json={"name": "now", "scope": "read_only"}, headers=bearer(token)
        ).status_code
        == 201
    )


@pytest.fixture
def three_a_minute(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The app allows each key three requests a minute, and the limiter's clock stands still (a
    minute turning during the test would start a fresh window)."""
    limited = get_settings().model_copy(update={"api_key_requests_per_minute": 3})
    frozen = time.time()
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: frozen))
    client.app.dependency_overrides[deps.settings] = lambda: limited  # type: ignore[attr-defined]
    yield
    client.app.dependency_overrides.clear()  # type: ignore[attr-defined]


def test_a_key_past_its_rate_limit_gets_429_with_retry_after(
    client: TestClient, owner: tuple[str, str], three_a_minute: None
) -> None:
    token, _ = owner
    key = _create_key(client, token, "read_only")["key"]
    other = _create_key(client, token, "read_only")["key"]

    answers = [client.get("/api/lists", headers=bearer(key)).status_code for _ in range(4)]
    refused = client.get("/api/lists", headers=bearer(key))

    assert answers[:3] == [200, 200, 200]
    assert answers[3] == 429 and refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # each key has its own allowance, and the owner's token none of it
    assert client.get("/api/lists", headers=bearer(other)).status_code == 200
    assert client.get("/api/lists", headers=bearer(token)).status_code == 200
