"""moto's TransactWriteItems, as patched: a cancelled transaction changes nothing, keeps the stream."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from localcloud.cloud import EmbeddedCloud
from tests.localcloud.conftest import TOY_ACCOUNT
from tests.localcloud.helpers import aws

TABLE = "toy-toy"


def _table_object() -> Any:
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[TOY_ACCOUNT]["us-east-1"].tables[TABLE]


def _put(pk: str, value: str) -> dict[str, Any]:
    return {"Put": {"TableName": TABLE, "Item": {"PK": {"S": pk}, "SK": {"S": "x"}, "v": {"S": value}}}}


def _stream_count(cloud: EmbeddedCloud) -> int:
    return len(_table_object().stream_shard.items)


def test_a_cancelled_transaction_writes_nothing_and_keeps_the_table_and_its_stream(
    toy_cloud: EmbeddedCloud,
) -> None:
    # Given an existing item and the table object moto holds
    dynamodb = aws(toy_cloud, "dynamodb")
    dynamodb.put_item(TableName=TABLE, Item={"PK": {"S": "tx-exists"}, "SK": {"S": "x"}, "v": {"S": "old"}})
    table_before, records_before = _table_object(), _stream_count(toy_cloud)

    # When a transaction whose second write fails its condition runs
    failing = {
        "Put": {
            "TableName": TABLE,
            "Item": {"PK": {"S": "tx-exists"}, "SK": {"S": "x"}, "v": {"S": "new"}},
            "ConditionExpression": "attribute_not_exists(PK)",
        }
    }
    with pytest.raises(ClientError) as caught:
        dynamodb.transact_write_items(TransactItems=[_put("tx-new", "a"), failing])

    # Then DynamoDB's answer names the reason, and nothing changed: no item, no stream record
    assert caught.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = [r.get("Code") for r in caught.value.response.get("CancellationReasons", [])]
    assert reasons == ["None", "ConditionalCheckFailed"] or reasons == [None, "ConditionalCheckFailed"]
    assert "Item" not in dynamodb.get_item(TableName=TABLE, Key={"PK": {"S": "tx-new"}, "SK": {"S": "x"}})
    old = dynamodb.get_item(TableName=TABLE, Key={"PK": {"S": "tx-exists"}, "SK": {"S": "x"}})["Item"]
    assert old["v"] == {"S": "old"}
    assert _table_object() is table_before
    assert _stream_count(toy_cloud) == records_before

    # And a later write still reaches the same stream
    dynamodb.put_item(TableName=TABLE, Item={"PK": {"S": "tx-after"}, "SK": {"S": "x"}})
    assert _stream_count(toy_cloud) == records_before + 1


def test_a_successful_transaction_applies_every_write(toy_cloud: EmbeddedCloud) -> None:
    dynamodb = aws(toy_cloud, "dynamodb")
    dynamodb.put_item(TableName=TABLE, Item={"PK": {"S": "tx-count"}, "SK": {"S": "x"}, "n": {"N": "1"}})
    dynamodb.transact_write_items(
        TransactItems=[
            _put("tx-one", "1"),
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": {"PK": {"S": "tx-count"}, "SK": {"S": "x"}},
                    "UpdateExpression": "ADD n :one",
                    "ConditionExpression": "attribute_exists(PK)",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
        ]
    )
    counted = dynamodb.get_item(TableName=TABLE, Key={"PK": {"S": "tx-count"}, "SK": {"S": "x"}})["Item"]
    assert counted["n"] == {"N": "2"}
    assert "Item" in dynamodb.get_item(TableName=TABLE, Key={"PK": {"S": "tx-one"}, "SK": {"S": "x"}})


def test_two_writes_to_one_item_in_a_transaction_are_refused(toy_cloud: EmbeddedCloud) -> None:
    dynamodb = aws(toy_cloud, "dynamodb")
    with pytest.raises(ClientError) as caught:
        dynamodb.transact_write_items(TransactItems=[_put("tx-dup", "1"), _put("tx-dup", "2")])
    assert caught.value.response["Error"]["Code"] == "ValidationException"


def _every_type(pk: str) -> dict[str, Any]:
    return {
        "PK": {"S": pk},
        "SK": {"S": "x"},
        "s": {"S": "é ✓"},
        "n": {"N": "12.5"},
        "b": {"B": b"\x00\xffbin"},
        "t": {"BOOL": True},
        "z": {"NULL": True},
        "l": {"L": [{"S": "a"}, {"N": "1"}, {"M": {"deep": {"B": b"\x01"}}}]},
        "m": {"M": {"k": {"S": "v"}, "nums": {"NS": ["1", "2"]}}},
        "ss": {"SS": ["x", "y"]},
        "bs": {"BS": [b"\x02", b"\x03"]},
    }


def _same(found: dict[str, Any], item: dict[str, Any]) -> None:
    sets = ("ss", "bs")
    assert {k: v for k, v in found.items() if k not in sets} == {
        k: v for k, v in item.items() if k not in sets
    }
    assert sorted(found["ss"]["SS"]) == ["x", "y"] and sorted(found["bs"]["BS"]) == [b"\x02", b"\x03"]


def test_item_operations_answer_every_attribute_type_as_written(toy_cloud: EmbeddedCloud) -> None:
    # Given an item holding every DynamoDB type
    dynamodb = aws(toy_cloud, "dynamodb")
    item = _every_type("plain-json")
    key = {"PK": item["PK"], "SK": item["SK"]}

    # When it is written and read back by each item operation
    dynamodb.put_item(TableName=TABLE, Item=item)
    got = dynamodb.get_item(TableName=TABLE, Key=key, ConsistentRead=True)["Item"]
    queried = dynamodb.query(
        TableName=TABLE,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": item["PK"]},
    )
    batch = dynamodb.batch_get_item(RequestItems={TABLE: {"Keys": [key]}})["Responses"][TABLE]
    updated = dynamodb.update_item(
        TableName=TABLE,
        Key=key,
        UpdateExpression="SET extra = :e",
        ExpressionAttributeValues={":e": {"S": "more"}},
        ReturnValues="ALL_NEW",
    )["Attributes"]
    missing = dynamodb.get_item(TableName=TABLE, Key={"PK": {"S": "nobody"}, "SK": {"S": "x"}})

    # Then every answer carries the item exactly (binary decoded once, sets intact), and no Item when absent
    _same(got, item)
    assert queried["Count"] == 1
    _same(queried["Items"][0], item)
    _same(batch[0], item)
    assert updated.pop("extra") == {"S": "more"}
    _same(updated, item)
    assert "Item" not in missing


def test_stream_records_keep_every_attribute_type_through_the_plain_json_answer(
    toy_cloud: EmbeddedCloud,
) -> None:
    # Given an item holding every DynamoDB type
    dynamodb, streams = aws(toy_cloud, "dynamodb"), aws(toy_cloud, "dynamodbstreams")
    item = _every_type("types")
    dynamodb.put_item(TableName=TABLE, Item=item)

    # When the stream is read from the start through boto3
    arn = dynamodb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=1000)["Records"]

    # Then the insert's record has the item as written, keys, a sequence number and a time
    record = next(r for r in records if r["dynamodb"]["Keys"]["PK"] == {"S": "types"})
    assert record["eventName"] == "INSERT"
    _same(record["dynamodb"]["NewImage"], item)
    assert record["dynamodb"]["SequenceNumber"].isdigit()
    assert record["dynamodb"]["ApproximateCreationDateTime"].year >= 2024
