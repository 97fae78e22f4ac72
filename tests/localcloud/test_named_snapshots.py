"""Named snapshots at /_local/snapshots: save, list, load (the cloud restarts on its port), delete."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from localcloud.asgi import LocalOptions, create_local_app
from localcloud.cloud import EmbeddedCloud
from tests.helpers import local_console
from tests.localcloud.conftest import TOY_ACCOUNT, TOY_TEMPLATE
from tests.localcloud.helpers import aws, eventually
from tests.localcloud.toys import received

ACCOUNT = "666666666666"
TABLE = "toy-named"
assert ACCOUNT != TOY_ACCOUNT


@pytest.fixture(scope="module")
def saved_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedCloud]:
    """The toy stack with a state directory, in an account of its own, no pollers."""
    cloud = EmbeddedCloud(
        template_path=TOY_TEMPLATE,
        state_dir=tmp_path_factory.mktemp("named"),
        parameters={"Stage": "named"},
        account_id=ACCOUNT,
        stack_name="named",
        run_pollers=False,
    )
    cloud.start()
    yield cloud
    cloud.stop()


@pytest.fixture(scope="module")
def console(saved_cloud: EmbeddedCloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The local runner's routes over that cloud."""
    with local_console(saved_cloud, tmp_path_factory.mktemp("dist")) as client:
        yield client


def _put(cloud: EmbeddedCloud, name: str) -> None:
    aws(cloud, "dynamodb").put_item(TableName=TABLE, Item={"PK": {"S": name}, "SK": {"S": "x"}})


def _has(cloud: EmbeddedCloud, name: str) -> bool:
    found = aws(cloud, "dynamodb").get_item(TableName=TABLE, Key={"PK": {"S": name}, "SK": {"S": "x"}})
    return "Item" in found


def test_a_saved_state_comes_back_whole_on_the_same_port(
    saved_cloud: EmbeddedCloud, console: TestClient
) -> None:
    # Given an item, a snapshot of that state, and an item written after it
    kept, later = f"kept-{uuid.uuid4().hex}", f"later-{uuid.uuid4().hex}"
    _put(saved_cloud, kept)
    saved = console.put("/_local/snapshots/before-later")
    _put(saved_cloud, later)
    endpoint = saved_cloud.endpoint_url

    # When the snapshot is loaded
    loaded = console.post("/_local/snapshots/before-later/load")

    # Then the cloud runs again where it ran, with the state as saved: the later item is gone
    assert saved.status_code == 201 and saved.json()["name"] == "before-later" and saved.json()["bytes"] > 0
    assert loaded.status_code == 200 and loaded.json()["loaded"] == "before-later"
    assert saved_cloud.endpoint_url == endpoint
    assert _has(saved_cloud, kept) and not _has(saved_cloud, later)
    listed = console.get("/_local/snapshots").json()
    assert [entry["name"] for entry in listed] == ["before-later"]
    assert listed[0]["saved_at"].endswith("Z")


def test_a_snapshot_is_deleted_and_then_unknown(console: TestClient) -> None:
    assert console.put("/_local/snapshots/short-lived").status_code == 201

    deleted = console.delete("/_local/snapshots/short-lived")
    again = console.delete("/_local/snapshots/short-lived")
    load = console.post("/_local/snapshots/short-lived/load")

    assert deleted.status_code == 204
    assert (again.status_code, again.json()["error"]["code"]) == (404, "snapshot_not_found")
    assert (load.status_code, load.json()["error"]["code"]) == (404, "snapshot_not_found")
    assert "short-lived" not in [entry["name"] for entry in console.get("/_local/snapshots").json()]


def test_a_name_that_is_not_a_plain_word_is_refused(console: TestClient) -> None:
    answer = console.put("/_local/snapshots/..secret")

    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "invalid_snapshot_name")
    assert not any(Path().glob("..secret*"))


def test_a_cloud_without_a_state_directory_has_no_snapshots(
    toy_cloud: EmbeddedCloud, tmp_path_factory: pytest.TempPathFactory
) -> None:
    dist = tmp_path_factory.mktemp("dist")
    (dist / "index.html").write_text("<html>console</html>")
    app = create_local_app(options=LocalOptions(frontend_dist=dist), cloud=toy_cloud)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        answer = client.get("/_local/snapshots")

    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "no_state_dir")


def test_a_snapshot_drops_the_stream_records_every_consumer_has_processed(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # Given a cloud whose stream function has processed six writes, keeping two records past that
    cloud = EmbeddedCloud(
        template_path=TOY_TEMPLATE,
        state_dir=tmp_path_factory.mktemp("trim"),
        parameters={"Stage": "trim"},
        account_id="777777777777",
        stack_name="trim",
    )
    cloud.start()
    try:
        cloud.keep_stream_records = 2
        dynamodb, streams = aws(cloud, "dynamodb"), aws(cloud, "dynamodbstreams")
        for i in range(6):
            dynamodb.put_item(TableName="toy-trim", Item={"PK": {"S": f"trim-{i}"}, "SK": {"S": "x"}})
        assert cloud.wait_idle(15)
        arn = dynamodb.describe_table(TableName="toy-trim")["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        first = int(shard["SequenceNumberRange"]["StartingSequenceNumber"])

        # When the state is saved
        cloud.save()

        # Then the stream starts four records later, reading from its start gives the last two,
        # and a write after that still reaches the function
        after = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        assert int(after["SequenceNumberRange"]["StartingSequenceNumber"]) == first + 4
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )
        kept = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
        assert [r["dynamodb"]["Keys"]["PK"]["S"] for r in kept] == ["trim-4", "trim-5"]
        dynamodb.put_item(TableName="toy-trim", Item={"PK": {"S": "trim-after"}, "SK": {"S": "x"}})
        assert eventually(
            lambda: any(
                r["dynamodb"]["Keys"]["PK"] == {"S": "trim-after"}
                for e in received("stream")
                for r in e["Records"]
            )
        )
    finally:
        cloud.stop()
