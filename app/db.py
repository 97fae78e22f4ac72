"""A thin adapter over the DynamoDB client for the single table (types in, types out)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Item = dict[str, Any]


def _serializer() -> Any:
    from boto3.dynamodb.types import TypeSerializer

    return TypeSerializer()


def _deserializer() -> Any:
    from boto3.dynamodb.types import TypeDeserializer

    return TypeDeserializer()


def to_attr(item: Mapping[str, Any]) -> dict[str, Any]:
    """Python values to DynamoDB attribute values."""
    ser = _serializer()
    return {k: ser.serialize(v) for k, v in item.items() if v is not None}


def from_attr(item: Mapping[str, Any]) -> Item:
    """DynamoDB attribute values to Python values."""
    de = _deserializer()
    return {k: de.deserialize(v) for k, v in item.items()}


def is_conditional_failure(exc: Exception) -> bool:
    """True when a write was refused by its condition expression."""
    response = getattr(exc, "response", None) or {}
    return bool(response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


class Table:
    """The single table, addressed by PK/SK; every call is a GetItem, Query or write."""

    def __init__(self, name: str, client: DynamoDBClient) -> None:
        self.name = name
        self.client = client

    def put(
        self,
        item: Mapping[str, Any],
        *,
        condition: str | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> None:
        """PutItem, optionally conditional."""
        kwargs: dict[str, Any] = {"TableName": self.name, "Item": to_attr(item)}
        if condition:
            kwargs["ConditionExpression"] = condition
        if values:
            kwargs["ExpressionAttributeValues"] = to_attr(values)
        self.client.put_item(**kwargs)

    def delete(
        self,
        pk: str,
        sk: str,
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> bool:
        """DeleteItem; False (and nothing deleted) when the condition does not hold."""
        kwargs: dict[str, Any] = {"TableName": self.name, "Key": to_attr({"PK": pk, "SK": sk})}
        if condition:
            kwargs["ConditionExpression"] = condition
        if names:
            kwargs["ExpressionAttributeNames"] = dict(names)
        if values:
            kwargs["ExpressionAttributeValues"] = to_attr(values)
        try:
            self.client.delete_item(**kwargs)
        except Exception as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def update_if(
        self,
        pk: str,
        sk: str,
        expression: str,
        *,
        condition: str,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> bool:
        """UpdateItem with `expression`; False (and nothing changed) when the condition does not hold."""
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "Key": to_attr({"PK": pk, "SK": sk}),
            "UpdateExpression": expression,
            "ConditionExpression": condition,
        }
        if names:
            kwargs["ExpressionAttributeNames"] = dict(names)
        if values:
            kwargs["ExpressionAttributeValues"] = to_attr(values)
        try:
            self.client.update_item(**kwargs)
        except Exception as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def get(self, pk: str, sk: str, *, consistent: bool = False) -> Item | None:
        """GetItem by key."""
        response = self.client.get_item(
            TableName=self.name, Key=to_attr({"PK": pk, "SK": sk}), ConsistentRead=consistent
        )
        item = response.get("Item")
        return from_attr(item) if item else None

    def update(
        self,
        pk: str,
        sk: str,
        *,
        set_values: Mapping[str, Any],
        condition: str = "attribute_exists(PK)",
    ) -> Item:
        """UpdateItem setting attributes; returns the new item."""
        names = {f"#a{i}": key for i, key in enumerate(set_values)}
        values = {f":v{i}": value for i, value in enumerate(set_values.values())}
        expression = "SET " + ", ".join(f"#a{i} = :v{i}" for i in range(len(set_values)))
        response = self.client.update_item(
            TableName=self.name,
            Key=to_attr({"PK": pk, "SK": sk}),
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=to_attr(values),
            ReturnValues="ALL_NEW",
        )
        return from_attr(response["Attributes"])

    def query(
        self,
        key_condition: str,
        values: Mapping[str, Any],
        *,
        index: str | None = None,
        limit: int | None = None,
        start_key: Mapping[str, Any] | None = None,
        forward: bool = True,
    ) -> tuple[list[Item], Item | None]:
        """One page of a Query: the items and the key to continue from."""
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": key_condition,
            "ExpressionAttributeValues": to_attr(values),
            "ScanIndexForward": forward,
        }
        if index:
            kwargs["IndexName"] = index
        if limit:
            kwargs["Limit"] = limit
        if start_key:
            kwargs["ExclusiveStartKey"] = to_attr(start_key)
        response = self.client.query(**kwargs)
        last = response.get("LastEvaluatedKey")
        return [from_attr(i) for i in response.get("Items", [])], (from_attr(last) if last else None)

    def query_all(self, key_condition: str, values: Mapping[str, Any], **kwargs: Any) -> Iterator[Item]:
        """Every item of a Query, page by page."""
        start: Item | None = None
        while True:
            items, start = self.query(key_condition, values, start_key=start, **kwargs)
            yield from items
            if start is None:
                return

    def batch_put(self, items: Sequence[Mapping[str, Any]]) -> None:
        """BatchWriteItem in chunks of 25, retrying unprocessed items with backoff."""
        import time

        for offset in range(0, len(items), 25):
            requests: list[Any] = [{"PutRequest": {"Item": to_attr(i)}} for i in items[offset : offset + 25]]
            delay = 0.05
            while requests:
                response = self.client.batch_write_item(RequestItems={self.name: requests})
                requests = list(response.get("UnprocessedItems", {}).get(self.name, []))
                if requests:
                    time.sleep(delay)
                    delay = min(delay * 2, 2.0)


def table() -> Table:
    """The configured table with the cached client."""
    from app import aws
    from app.config import get_settings

    return Table(get_settings().table_name, aws.dynamodb())
