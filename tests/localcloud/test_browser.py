"""The resource browser: table items by key prefix, a page at a time; objects; Cognito users."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from localcloud.cloud import EmbeddedCloud
from tests.helpers import local_console
from tests.localcloud.helpers import aws

TABLE = "toy-toy"
BUCKET = "toy-toy-uploads"


@pytest.fixture(scope="module")
def console(toy_cloud: EmbeddedCloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The local runner's routes over the toy stack."""
    with local_console(toy_cloud, tmp_path_factory.mktemp("dist")) as client:
        yield client


def test_items_by_key_prefix_come_a_page_at_a_time_in_key_order(
    toy_cloud: EmbeddedCloud, console: TestClient
) -> None:
    # Given five items under one prefix (two partitions) and one under another
    tag = uuid.uuid4().hex[:8]
    dynamodb = aws(toy_cloud, "dynamodb")
    for pk, sk in [("a", "2"), ("a", "1"), ("b", "1"), ("a", "3"), ("b", "2")]:
        dynamodb.put_item(
            TableName=TABLE,
            Item={
                "PK": {"S": f"BROWSE#{tag}#{pk}"},
                "SK": {"S": sk},
                "n": {"N": "1.5"},
                "ss": {"SS": ["y", "x"]},
            },
        )
    dynamodb.put_item(TableName=TABLE, Item={"PK": {"S": f"OTHER#{tag}"}, "SK": {"S": "1"}})

    # When the prefix is browsed two items at a time
    pages: list[list[tuple[str, str]]] = []
    after: str | None = None
    while True:
        params: dict[str, str | int] = {"prefix": f"BROWSE#{tag}", "limit": 2}
        if after:
            params["after"] = after
        page = console.get(f"/_local/browse/tables/{TABLE}", params=params).json()
        pages.append([(item["PK"].rsplit("#", 1)[1], item["SK"]) for item in page["items"]])
        after = page["next"]
        if after is None:
            break

    # Then every item of the prefix came once, in key order, as plain JSON values
    assert pages == [[("a", "1"), ("a", "2")], [("a", "3"), ("b", "1")], [("b", "2")]]
    first = console.get(
        f"/_local/browse/tables/{TABLE}", params={"prefix": f"BROWSE#{tag}#a", "limit": 1}
    ).json()
    assert first["items"][0]["n"] == 1.5 and first["items"][0]["ss"] == ["x", "y"]
    assert any(t["name"] == TABLE and t["items"] >= 6 for t in console.get("/_local/browse/tables").json())


def test_objects_and_users_are_listed(toy_cloud: EmbeddedCloud, console: TestClient) -> None:
    # Given an object in a bucket and a user in the pool
    key = f"browse/{uuid.uuid4().hex}.txt"
    aws(toy_cloud, "s3").put_object(Bucket=BUCKET, Key=key, Body=b"hello")
    pool = next(p["Id"] for p in aws(toy_cloud, "cognito-idp").list_user_pools(MaxResults=10)["UserPools"])
    email = f"browse-{uuid.uuid4().hex[:6]}@toy.test"
    aws(toy_cloud, "cognito-idp").admin_create_user(
        UserPoolId=pool, Username=email, UserAttributes=[{"Name": "email", "Value": email}]
    )

    # When the browser lists them
    objects = console.get(f"/_local/browse/buckets/{BUCKET}", params={"prefix": "browse/"}).json()
    users = console.get("/_local/browse/users").json()

    # Then each is there with what a developer looks for
    found = next(o for o in objects["objects"] if o["key"] == key)
    assert (found["bytes"], found["last_modified"][:2]) == (5, "20")
    assert BUCKET in [b["name"] for b in console.get("/_local/browse/buckets").json()]
    user = next(u for u in users if u["attributes"].get("email") == email)
    assert user["status"] == "FORCE_CHANGE_PASSWORD" and user["pool_id"] == pool


def test_unknown_tables_and_buckets_are_404s(console: TestClient) -> None:
    table = console.get("/_local/browse/tables/nope")
    bucket = console.get("/_local/browse/buckets/nope-bucket")
    cursor = console.get(f"/_local/browse/tables/{TABLE}", params={"after": "not json"})

    assert (table.status_code, table.json()["error"]["code"]) == (404, "table_not_found")
    assert (bucket.status_code, bucket.json()["error"]["code"]) == (404, "bucket_not_found")
    assert (cursor.status_code, cursor.json()["error"]["code"]) == (400, "invalid_cursor")
