"""Lists, subscribers and the suppression list through the API, against the emulated table."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.contacts.models import NewSubscriber
from app.contacts.service import purge_deleted_list, suppressed_among
from app.store import Store
from localcloud.cloud import EmbeddedCloud
from tests.factories import bearer, registered_user


def _new_list(client: TestClient, headers: dict[str, str], name: str = "Newsletter") -> dict[str, Any]:
    response = client.post("/api/lists", json={"name": name, "description": "weekly"}, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _add(client: TestClient, headers: dict[str, str], list_id: str, **fields: Any) -> dict[str, Any]:
    response = client.post(f"/api/lists/{list_id}/subscribers", json=fields, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def owner(client: TestClient) -> dict[str, str]:
    """The Authorization header of a fresh account."""
    _, token = registered_user(client, prefix="owner")
    return bearer(token)


def test_list_crud_keeps_the_count_and_the_owner(client: TestClient, owner: dict[str, str]) -> None:
    # Given a new list
    created = _new_list(client, owner, name="  Weekly news  ")
    assert created["name"] == "Weekly news" and created["subscriber_count"] == 0

    # When it is renamed, read back, and listed
    renamed = client.patch(f"/api/lists/{created['id']}", json={"name": "Daily news"}, headers=owner)
    fetched = client.get(f"/api/lists/{created['id']}", headers=owner)
    listed = client.get("/api/lists", headers=owner)

    # Then every view agrees, and deleting it makes it disappear
    assert renamed.status_code == 200 and renamed.json()["name"] == "Daily news"
    assert fetched.json()["name"] == "Daily news" and fetched.json()["description"] == "weekly"
    assert [item["id"] for item in listed.json()["items"]] == [created["id"]]
    assert client.delete(f"/api/lists/{created['id']}", headers=owner).status_code == 204
    gone = client.get(f"/api/lists/{created['id']}", headers=owner)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "list_not_found"
    assert client.delete(f"/api/lists/{created['id']}", headers=owner).status_code == 404


def test_another_tenants_ids_answer_404_everywhere(client: TestClient, owner: dict[str, str]) -> None:
    # Given Ada's list with one subscriber
    mine = _new_list(client, owner)
    _add(client, owner, mine["id"], email="ada@example.com")
    _, other_token = registered_user(client, prefix="intruder")
    other = bearer(other_token)
    base = f"/api/lists/{mine['id']}"

    # When someone else uses its ids, Then every route answers 404 and nothing changes
    attempts = [
        ("GET", base, None),
        ("PATCH", base, {"name": "mine now"}),
        ("DELETE", base, None),
        ("GET", f"{base}/subscribers", None),
        ("POST", f"{base}/subscribers", {"email": "eve@example.com"}),
        ("GET", f"{base}/subscribers/ada@example.com", None),
        ("PATCH", f"{base}/subscribers/ada@example.com", {"status": "unsubscribed"}),
        ("DELETE", f"{base}/subscribers/ada@example.com", None),
        ("POST", f"{base}/imports", {}),
        ("GET", f"{base}/imports", None),
    ]
    for method, path, body in attempts:
        response = client.request(method, path, json=body, headers=other)
        assert response.status_code == 404, (method, path, response.text)
    assert client.get("/api/lists", headers=other).json()["items"] == []
    still = client.get(base, headers=owner).json()
    assert still["name"] == "Newsletter" and still["subscriber_count"] == 1


def test_subscriber_lifecycle_normalises_email_and_counts(client: TestClient, owner: dict[str, str]) -> None:
    # Given a list
    list_id = _new_list(client, owner)["id"]

    # When a subscriber is added with a messy address, and the same address again
    added = _add(
        client,
        owner,
        list_id,
        email="  Grace.Hopper@Example.COM ",
        name=" Grace ",
        attributes={"plan": "pro", "n": 3},
    )
    again = client.post(
        f"/api/lists/{list_id}/subscribers", json={"email": "grace.hopper@example.com"}, headers=owner
    )

    # Then the address is normalised, the duplicate is a 409, and the list counts one
    assert added["email"] == "grace.hopper@example.com" and added["name"] == "Grace"
    assert added["status"] == "subscribed" and added["attributes"] == {"plan": "pro", "n": 3}
    assert again.status_code == 409 and again.json()["error"]["code"] == "subscriber_exists"
    assert client.get(f"/api/lists/{list_id}", headers=owner).json()["subscriber_count"] == 1

    # And it can be read (by any spelling of the address), changed and removed
    path = f"/api/lists/{list_id}/subscribers/GRACE.HOPPER@example.com"
    assert client.get(path, headers=owner).json()["email"] == "grace.hopper@example.com"
    changed = client.patch(path, json={"name": "Admiral", "attributes": {"rank": "rear"}}, headers=owner)
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Admiral" and changed.json()["attributes"] == {"rank": "rear"}
    assert client.delete(path, headers=owner).status_code == 204
    assert client.get(path, headers=owner).json()["error"]["code"] == "subscriber_not_found"
    assert client.delete(path, headers=owner).status_code == 404
    assert client.get(f"/api/lists/{list_id}", headers=owner).json()["subscriber_count"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"email": "ok@example.com", "status": "deleted"}, "status"),
        ({"email": "ok@example.com", "attributes": {"blob": "x" * 5000}}, "attributes"),
        ({"email": "ok@example.com", "attributes": {"": 1}}, "attributes"),
        ({"email": "ok@example.com", "name": "n" * 201}, "name"),
    ],
)
def test_invalid_subscribers_are_422_with_the_field(
    client: TestClient, owner: dict[str, str], body: dict[str, Any], field: str
) -> None:
    list_id = _new_list(client, owner)["id"]
    response = client.post(f"/api/lists/{list_id}/subscribers", json=body, headers=owner)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert any(field in d["loc"] for d in error["details"]), error["details"]


def test_subscribers_page_in_email_order_with_prefix_search_and_signed_cursor(
    client: TestClient, owner: dict[str, str]
) -> None:
    # Given seven subscribers, three of them starting with "bo"
    list_id = _new_list(client, owner)["id"]
    for email in [
        "carol@x.io",
        "bob@x.io",
        "alice@x.io",
        "bonnie@x.io",
        "boris@x.io",
        "dan@x.io",
        "eve@x.io",
    ]:
        _add(client, owner, list_id, email=email)
    url = f"/api/lists/{list_id}/subscribers"

    # When every page of 3 is read
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get(url, params=params, headers=owner).json()
        seen += [s["email"] for s in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break

    # Then all of them came once, in email order; a prefix narrows the result
    assert seen == sorted(seen) and len(seen) == 7
    prefixed = client.get(url, params={"email_prefix": " BO"}, headers=owner).json()
    assert [s["email"] for s in prefixed["items"]] == ["bob@x.io", "bonnie@x.io", "boris@x.io"]

    # And a cursor is tamper-checked and bound to its list and search
    first = client.get(url, params={"limit": 2}, headers=owner).json()["next_cursor"]
    tampered = first[:-3] + ("AAA" if not first.endswith("AAA") else "BBB")
    other_list = _new_list(client, owner, name="Other")["id"]
    for bad_url, params in [
        (url, {"cursor": tampered}),
        (url, {"cursor": first, "email_prefix": "bo"}),
        (f"/api/lists/{other_list}/subscribers", {"cursor": first}),
    ]:
        response = client.get(bad_url, params=params, headers=owner)
        assert response.status_code == 404 and response.json()["error"]["code"] == "invalid_cursor"


def test_lists_page_with_a_cursor_scoped_to_the_owner(client: TestClient, owner: dict[str, str]) -> None:
    ids = [_new_list(client, owner, name=f"L{i}")["id"] for i in range(3)]
    first = client.get("/api/lists", params={"limit": 2}, headers=owner).json()
    second = client.get(
        "/api/lists", params={"limit": 2, "cursor": first["next_cursor"]}, headers=owner
    ).json()
    assert [i["id"] for i in first["items"] + second["items"]] == ids
    _, other_token = registered_user(client, prefix="other")
    stolen = client.get("/api/lists", params={"cursor": first["next_cursor"]}, headers=bearer(other_token))
    assert stolen.status_code == 404 and stolen.json()["error"]["code"] == "invalid_cursor"


def test_unsubscribing_suppresses_the_address_account_wide(client: TestClient, owner: dict[str, str]) -> None:
    # Given an address on two lists
    first, second = _new_list(client, owner, name="A")["id"], _new_list(client, owner, name="B")["id"]
    _add(client, owner, first, email="leaver@example.com")
    _add(client, owner, second, email="leaver@example.com")

    # When it unsubscribes from one list, and another address is added as bounced
    client.patch(
        f"/api/lists/{first}/subscribers/leaver@example.com", json={"status": "unsubscribed"}, headers=owner
    )
    _add(client, owner, second, email="bouncy@example.com", status="bounced")

    # Then both are on the suppression list, with their reasons
    page = client.get("/api/suppression", headers=owner).json()
    assert {(s["email"], s["reason"]) for s in page["items"]} == {
        ("leaver@example.com", "unsubscribed"),
        ("bouncy@example.com", "bounced"),
    }
    assert client.get(f"/api/lists/{second}/subscribers/leaver@example.com", headers=owner).json()[
        "status"
    ] == ("subscribed")

    # And a later complaint keeps the first reason; lifting the suppression removes it
    client.patch(
        f"/api/lists/{second}/subscribers/leaver@example.com", json={"status": "complained"}, headers=owner
    )
    leaver = client.get("/api/suppression", params={"email_prefix": "leaver"}, headers=owner).json()["items"]
    assert [s["reason"] for s in leaver] == ["unsubscribed"]
    assert client.delete("/api/suppression/Leaver@Example.com", headers=owner).status_code == 204
    assert client.delete("/api/suppression/leaver@example.com", headers=owner).status_code == 404
    assert (
        client.get("/api/suppression", params={"email_prefix": "leaver"}, headers=owner).json()["items"] == []
    )


def test_manual_suppression_is_idempotent_and_private_to_the_account(
    client: TestClient, owner: dict[str, str]
) -> None:
    first = client.post("/api/suppression", json={"email": "Spam.Trap@Example.com"}, headers=owner)
    second = client.post(
        "/api/suppression", json={"email": "spam.trap@example.com", "reason": "bounced"}, headers=owner
    )
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert first.json()["email"] == "spam.trap@example.com" and first.json()["reason"] == "manual"
    _, other_token = registered_user(client, prefix="other")
    assert client.get("/api/suppression", headers=bearer(other_token)).json()["items"] == []


def test_suppressed_among_answers_what_sending_must_skip(client: TestClient, owner: dict[str, str]) -> None:
    client.post("/api/suppression", json={"email": "skip@example.com"}, headers=owner)
    me = client.get("/api/me", headers=owner).json()["id"]
    addresses = [
        "Skip@Example.com",
        "keep@example.com",
        "not an address",
        *[f"u{i}@example.com" for i in range(150)],
    ]
    assert suppressed_among(me, addresses, repo=Store.default().suppressions) == {"skip@example.com"}


def test_deleting_a_list_purges_its_subscribers_in_the_background(
    cloud: EmbeddedCloud, client: TestClient, owner: dict[str, str]
) -> None:
    # Given a list with subscribers
    list_id = _new_list(client, owner)["id"]
    for i in range(3):
        _add(client, owner, list_id, email=f"gone{i}@example.com")
    me = client.get("/api/me", headers=owner).json()["id"]

    # When it is deleted
    assert client.delete(f"/api/lists/{list_id}", headers=owner).status_code == 204

    # Then the stream worker removes its subscribers (and no purge marker is left)
    assert cloud.wait_idle(30)
    table = Store.default().table
    assert list(table.query_all("PK = :pk", {":pk": f"LIST#{me}#{list_id}"})) == []
    assert table.get(f"OWNER#{me}", f"PURGE#{list_id}") is None


def test_a_long_purge_goes_step_by_step_through_a_marker(cloud: EmbeddedCloud) -> None:
    # Given 25 subscribers of a list that no longer exists
    owner, list_id = str(uuid.uuid4()), "deleted-list"
    store = Store.default()
    repo = store.subscribers
    repo.put_many(owner, list_id, [NewSubscriber(email=f"p{i}@x.io") for i in range(25)])

    # When purge steps of 10 run
    first = purge_deleted_list(owner, list_id, repo=repo, step=10)
    marker = store.table.get(f"OWNER#{owner}", f"PURGE#{list_id}")
    rest = [purge_deleted_list(owner, list_id, repo=repo, step=10) for _ in range(2)]

    # Then the first step leaves a marker (its stream record drives the next step) and the last removes it
    assert first is False and marker is not None and marker["type"] == "list_purge"
    assert rest == [False, True]
    assert list(store.table.query_all("PK = :pk", {":pk": f"LIST#{owner}#{list_id}"})) == []
    assert store.table.get(f"OWNER#{owner}", f"PURGE#{list_id}") is None


def test_an_address_with_a_slash_can_be_read_changed_and_removed(client: TestClient) -> None:
    # Given a subscriber whose (valid) address contains "/", which arrives in the path as %2F
    _, token = registered_user(client)
    list_id = client.post("/api/lists", json={"name": "Slashes"}, headers=bearer(token)).json()["id"]
    created = client.post(
        f"/api/lists/{list_id}/subscribers", json={"email": "a/b@example.com"}, headers=bearer(token)
    )
    assert created.status_code == 201, created.text
    path = f"/api/lists/{list_id}/subscribers/a%2Fb%40example.com"

    # Then it can be read, changed and removed like any other
    assert client.get(path, headers=bearer(token)).json()["email"] == "a/b@example.com"
    changed = client.patch(path, json={"name": "Slash"}, headers=bearer(token))
    assert changed.status_code == 200 and changed.json()["name"] == "Slash"
    assert client.delete(path, headers=bearer(token)).status_code == 204
    assert client.get(path, headers=bearer(token)).status_code == 404
