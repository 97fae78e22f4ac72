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
