"""The direct UpdateItem (`localcloud.patches.dynamodb_updates`) answers and streams as moto does."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localcloud.cloud import EmbeddedCloud
from localcloud.patches.installing import original
from tests.localcloud.conftest import TOY_ACCOUNT
from tests.localcloud.helpers import answer_of, aws

TABLE = "toy-toy"


@contextmanager
def _moto_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto's own UpdateItem and item copy in place of the patches."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import Item

    with monkeypatch.context() as patch:
        patch.setattr(DynamoDBBackend, "update_item", original(DynamoDBBackend, "update_item"))
        patch.setattr(Item, "__deepcopy__", original(Item, "__deepcopy__"))
        yield


def _run(dynamodb: Any, prefix: str) -> list[Any]:
    """Simple updates (the direct path) and near misses (moto's path); every answer, in order."""
    key = {"PK": {"S": f"{prefix}-p"}, "SK": {"S": "a"}}
    big = {"PK": {"S": f"{prefix}-p"}, "SK": {"S": "big"}}
    missing = {"PK": {"S": f"{prefix}-p"}, "SK": {"S": "none"}}

    def update(expression: str, values: dict[str, Any] | None = None, *, at: Any = key, **extra: Any) -> Any:
        request: dict[str, Any] = {"TableName": TABLE, "Key": at, "UpdateExpression": expression, **extra}
        if values:
            request["ExpressionAttributeValues"] = values
        return lambda: dynamodb.update_item(**request)

    one, s = {"N": "1"}, {"S": "sent"}
    calls = [
        lambda: dynamodb.put_item(
            TableName=TABLE,
            Item={**key, "status": {"S": "pending"}, "n": {"N": "2"}, "t": {"S": "x"}, "m": {"M": {"a": s}}},
        ),
        lambda: dynamodb.put_item(TableName=TABLE, Item={**big, "a": {"S": "x" * 400_000}}),
        # direct: SET by placeholder and by name, ADD to a number and to nothing, REMOVE
        update(
            "SET #s = :s, seen = :t ADD n :one, fresh :dec REMOVE t",
            {":s": s, ":t": {"BOOL": True}, ":one": one, ":dec": {"N": "1.50"}, ":p": {"S": "pending"}},
            ExpressionAttributeNames={"#s": "status"},
            ConditionExpression="#s = :p",
            ReturnValues="ALL_NEW",
        ),
        update("SET z = :z ADD n :n", {":z": {"NULL": True}, ":n": {"N": "007"}}, ReturnValues="ALL_OLD"),
        update("SET z = :z", {":z": {"S": ""}}, ReturnValues="UPDATED_OLD"),
        update("ADD n :n", {":n": {"N": "-3.25"}}, ReturnValues="UPDATED_NEW"),
        update("REMOVE nothing_here, fresh"),
        # direct, condition fails: the item back when asked, then without
        update(
            "SET #s = :s",
            {":s": s, ":p": {"S": "pending"}},
            ExpressionAttributeNames={"#s": "status"},
            ConditionExpression="#s = :p",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        ),
        update("SET x = :s", {":s": s}, ConditionExpression="attribute_not_exists(n)"),
        # moto's path: refusals its validator raises, and what is not simple
        update("ADD t2 :s", {":s": s}),
        update("ADD #s :n", {":n": one}, ExpressionAttributeNames={"#s": "status"}),
        update("SET #k = :v", {":v": s}, ExpressionAttributeNames={"#k": "SK"}),
        update("SET GSI1PK = :v", {":v": {"S": ""}}),
        update("SET a = :v, a = :v", {":v": s}),
        update("SET a = :v SET b = :v", {":v": s}),
        update("SET a = :v, #u = :v", {":v": s}, ExpressionAttributeNames={"#u": "u", "#x": "x"}),
        update("SET a = :v", {":v": s, ":unused": s}),
        update("SET a = :nope, b = :v", {":v": s}),
        update("ADD #s :v", {":v": {"SS": []}}, ExpressionAttributeNames={"#s": "tags"}),
        update("SET l = :l, m.b = :v", {":l": {"L": [s]}, ":v": s}),
        update("SET c = if_not_exists(c, :v), d = :v + :v", {":v": one}),
        update("ADD ss :ss DELETE ss2 :ss", {":ss": {"SS": ["a"]}}),
        update("SET created = :v", {":v": s}, at=missing, ReturnValues="ALL_NEW"),
        update("SET more = :v", {":v": {"S": "y" * 10_000}}, at=big),
        update("SET GSI1PK = :v, small = :v", {":v": s}, at=big, ReturnValues="UPDATED_NEW"),
        lambda: dynamodb.get_item(TableName=TABLE, Key=key, ConsistentRead=True),
        lambda: dynamodb.get_item(TableName=TABLE, Key=missing, ConsistentRead=True),
    ]
    return [answer_of(call) for call in calls]


def _stream(prefix: str) -> list[Any]:
    """The stream records of the run's items: event, keys, images (ids and times left out)."""
    from moto.dynamodb.models import dynamodb_backends

    shard = dynamodb_backends[TOY_ACCOUNT]["us-east-1"].get_table(TABLE).stream_shard
    assert shard is not None
    found = []
    for record in shard.items:
        change = record.record["dynamodb"]
        if prefix in str(change["Keys"]):
            images = (change.get("OldImage"), change.get("NewImage"))
            found.append((record.record["eventName"], change["Keys"], *images))
    return found


def test_simple_updates_answer_and_stream_as_moto_does(
    toy_cloud: EmbeddedCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the same run of updates on two fresh partitions, one with the patches, one without
    from moto.dynamodb.parsing.executors import UpdateExpressionExecutor

    dynamodb = aws(toy_cloud, "dynamodb")
    patched, plain = f"patched-{uuid.uuid4().hex}", f"plain-{uuid.uuid4().hex}"
    executed = {"count": 0}
    execute = UpdateExpressionExecutor.execute

    def counted(self: Any, node: Any = None) -> Any:
        if node is None:  # the executor's own run (it calls itself per node)
            executed["count"] += 1
            return execute(self)
        return execute(self, node)

    monkeypatch.setattr(UpdateExpressionExecutor, "execute", counted)

    # When it runs both ways
    with_patch = _run(dynamodb, patched)
    direct_executions = executed["count"]
    with _moto_only(monkeypatch):
        executed["count"] = 0
        without = _run(dynamodb, plain)

    # Then every answer and every stream record (old and new images) is the same
    assert repr(with_patch).replace(patched, "<p>") == repr(without).replace(plain, "<p>")
    assert repr(_stream(patched)).replace(patched, "<p>") == repr(_stream(plain)).replace(plain, "<p>")
    # and the run did what it means to: the simple ones took the direct path, the rest moto's
    assert executed["count"] - direct_executions == 5  # moto's executor ran for the five simple ones
    assert with_patch[2]["Attributes"]["fresh"] == {"N": "1.50"}
    assert with_patch[3]["Attributes"]["n"] == {"N": "3"}
    assert with_patch[7]["item"]["status"] == {"S": "sent"}
    assert with_patch[8]["error"] == "ConditionalCheckFailedException"
    refusals = [answer for answer in with_patch[9:19] if "error" in answer]
    assert len(refusals) == 10
    assert "Item size" in with_patch[-4]["message"] and with_patch[-3]["Attributes"]["small"] == {"S": "sent"}
    assert with_patch[-1]["Item"]["created"] == {"S": "sent"}


def test_a_kept_condition_is_used_only_for_the_same_placeholders_and_values(toy_cloud: EmbeddedCloud) -> None:
    # Given an item, and one condition text that names other attributes and values each time
    dynamodb = aws(toy_cloud, "dynamodb")
    key = {"PK": {"S": f"kept-condition-{uuid.uuid4().hex}"}, "SK": {"S": "a"}}
    dynamodb.put_item(TableName=TABLE, Item={**key, "a": {"S": "one"}, "b": {"S": "two"}})

    def holds(attribute: str, value: str) -> bool:
        try:
            dynamodb.update_item(
                TableName=TABLE,
                Key=key,
                UpdateExpression="SET checked = :c",
                ConditionExpression="#x = :v",
                ExpressionAttributeNames={"#x": attribute},
                ExpressionAttributeValues={":v": {"S": value}, ":c": {"S": uuid.uuid4().hex}},
            )
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "ConditionalCheckFailedException"
            return False
        return True

    # Then each is judged on its own names and values, however often the text was seen
    judged = [holds("a", "one"), holds("a", "two"), holds("b", "two"), holds("b", "one"), holds("a", "one")]
    assert judged == [True, False, True, False, True]
