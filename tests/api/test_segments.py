"""Segments and exports through the API: saved rules, the live count, CSV downloads."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.store import Store
from tests.factories import bearer, engaged, new_list, registered_user
from tests.helpers import exported

RULE = {
    "match": "all",
    "conditions": [{"field": "attribute", "key": "city", "op": "equals", "value": "oslo"}],
}


@pytest.fixture
def owner(client: TestClient) -> dict[str, str]:
    """The Authorization header of a fresh account."""
    _, token = registered_user(client, prefix="segments")
    return bearer(token)


def members() -> list[dict[str, Any]]:
    return [
        {"email": "ada@example.com", "name": "Ada", "attributes": {"city": "Oslo", "age": 36}},
        {"email": "bob@example.com", "name": "@SUM(A1)", "attributes": {"city": "Paris"}},
        {"email": "cy@example.com", "attributes": {"city": "OSLO"}, "status": "unsubscribed"},
    ]


def test_a_segment_is_saved_counted_changed_and_exported(client: TestClient, owner: dict[str, str]) -> None:
    # Given a list of three
    list_id = new_list(client, owner, members())

    # When a rule is counted before saving, then saved
    preview = client.post("/api/segments/preview", json={"list_id": list_id, "rule": RULE}, headers=owner)
    saved = client.post(
        "/api/segments", json={"name": "Oslo", "list_id": list_id, "rule": RULE}, headers=owner
    )

    # Then the count says two match, one of whom a campaign would mail, with a sample
    assert preview.status_code == 200, preview.text
    counted = preview.json()
    assert (counted["matched"], counted["subscribed"], counted["next_cursor"]) == (2, 1, None)
    assert sorted(s["email"] for s in counted["sample"]) == ["ada@example.com", "cy@example.com"]
    assert saved.status_code == 201
    segment = saved.json()
    assert segment["rule"]["conditions"][0]["value"] == "oslo"

    # When it is renamed and widened to all lists, and listed
    changed = client.patch(
        f"/api/segments/{segment['id']}", json={"name": "Oslo (all)", "list_id": None}, headers=owner
    )
    listed = client.get("/api/segments", headers=owner).json()["items"]
    assert changed.status_code == 200 and changed.json()["list_id"] is None
    assert [s["name"] for s in listed] == ["Oslo (all)"]

    # Then its export is a CSV of its members
    export, download = exported(client, owner, "segment", segment["id"])
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert export["file_name"] == f"segment-{segment['id']}.csv"
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert sorted(r["email"] for r in rows) == ["ada@example.com", "cy@example.com"]

    # And it can be deleted
    assert client.delete(f"/api/segments/{segment['id']}", headers=owner).status_code == 204
    assert client.get(f"/api/segments/{segment['id']}", headers=owner).status_code == 404


def test_the_preview_path_is_no_segment_id(client: TestClient, owner: dict[str, str]) -> None:
    # When the preview path is read or deleted as if "preview" were a segment's id
    read = client.get("/api/segments/preview", headers=owner)
    deleted = client.delete("/api/segments/preview", headers=owner)
    # Then it is the preview route, which only takes a POST
    assert (read.status_code, read.headers["allow"]) == (405, "POST")
    assert deleted.status_code == 405


def test_a_rule_that_cannot_be_evaluated_and_a_foreign_list_are_refused(
    client: TestClient, owner: dict[str, str]
) -> None:
    bad = {"conditions": [{"field": "attribute", "key": "age", "op": "at_least", "value": "old"}]}
    refused = client.post("/api/segments/preview", json={"rule": bad}, headers=owner)
    foreign = client.post("/api/segments", json={"name": "x", "list_id": "nope", "rule": RULE}, headers=owner)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "validation_error"
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "list_not_found"


OPENED_LAST_2 = {"conditions": [{"field": "opened", "op": "in_last_campaigns", "value": 2}]}


def test_engagement_conditions_are_counted_for_the_owners_campaigns_only(
    client: TestClient, owner: dict[str, str]
) -> None:
    # Given a list where one reader opened after the owner's second-last campaign went out, one
    # before it, and one never; and another owner with the same rule and no campaigns
    list_id = new_list(client, owner, members())
    me = client.get("/api/me", headers=owner).json()["id"]
    store, now = Store.default(), datetime.now(UTC)
    for n, days in enumerate((30, 20, 10)):
        store.campaigns.note_went_out(me, f"c{n}", now - timedelta(days=days))
    engaged(store, me, list_id, "ada@example.com", opened=now - timedelta(days=15))
    engaged(store, me, list_id, "bob@example.com", opened=now - timedelta(days=25))
    _, other_token = registered_user(client, prefix="segments-other")
    other = bearer(other_token)

    # When the owner counts "opened any of the last 2" and "never opened", and the other owner
    # counts the first rule over the owner's list
    opened = client.post(
        "/api/segments/preview", json={"list_id": list_id, "rule": OPENED_LAST_2}, headers=owner
    )
    never = {"conditions": [{"field": "opened", "op": "never"}]}
    quiet = client.post("/api/segments/preview", json={"list_id": list_id, "rule": never}, headers=owner)
    foreign = client.post(
        "/api/segments/preview", json={"list_id": list_id, "rule": OPENED_LAST_2}, headers=other
    )

    # Then each matches its readers; the other owner does not reach the list
    assert opened.status_code == 200, opened.text
    assert [s["email"] for s in opened.json()["sample"]] == ["ada@example.com"]
    assert sorted(s["email"] for s in quiet.json()["sample"]) == ["cy@example.com"]
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "list_not_found"


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"field": "opened", "op": "in_last_campaigns", "value": 60}, "needs a number of campaigns (1-50)"),
        ({"field": "clicked", "op": "never", "value": 2}, "`never` takes no value"),
        ({"field": "clicked", "op": "within_last_days"}, "needs a number of days"),
    ],
)
def test_an_engagement_condition_without_a_fitting_value_is_a_422_that_says_why(
    client: TestClient, owner: dict[str, str], condition: dict[str, Any], message: str
) -> None:
    refused = client.post(
        "/api/segments", json={"name": "x", "rule": {"conditions": [condition]}}, headers=owner
    )
    assert refused.status_code == 422
    assert message in str(refused.json()["error"]["details"])


def test_a_list_downloads_as_csv_with_status_consent_and_defused_formulas(
    client: TestClient, owner: dict[str, str]
) -> None:
    # Given a list of three
    list_id = new_list(client, owner, members())

    # When it is exported
    export, download = exported(client, owner, "list", list_id)

    # Then it is an attachment with a row per subscriber, every field, attributes as JSON
    assert download.status_code == 200 and export["rows"] == 3
    assert download.headers["content-disposition"] == 'attachment; filename="Readers.csv"'
    rows = {r["email"]: r for r in csv.DictReader(io.StringIO(download.text))}
    assert set(rows) == {"ada@example.com", "bob@example.com", "cy@example.com"}
    assert rows["ada@example.com"]["attributes"] == '{"age":36,"city":"Oslo"}'
    assert rows["cy@example.com"]["status"] == "unsubscribed"
    assert rows["bob@example.com"]["name"] == "'@SUM(A1)"
    assert rows["ada@example.com"]["confirmed_by"] == "api"

    # And another owner's list is not found
    _, stranger = registered_user(client, prefix="stranger")
    foreign = client.post("/api/exports", json={"kind": "list", "id": list_id}, headers=bearer(stranger))
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "list_not_found"
