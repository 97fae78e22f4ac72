"""The table adapter: every DynamoDB call Herald makes goes through here (types in, types out).

Repositories say what to change (keys, attributes, a condition in their own placeholders, as
the actions of writes.py); this module makes the calls, converts attribute values, turns a
refused condition into a return value, names the failed conditions of a cancelled transaction,
and retries what a batch call left unprocessed, with one backoff for every batch call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, TypedDict, TypeVar

from app.aws import error_code
from app.pagination import every_page
from app.writes import Action, Delete, Put, Update, expressions

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Item = dict[str, Any]
Key = tuple[str, str]
ReturnValues = Literal["ALL_NEW", "UPDATED_NEW", "NONE"]

BATCH_GET_SIZE = 100  # keys per BatchGetItem
BATCH_WRITE_SIZE = 25  # requests per BatchWriteItem
_EMPTY: dict[str, Any] = {}
R = TypeVar("R")


def now_iso() -> str:
    """The current time as items store it."""
    return datetime.now(UTC).isoformat()


def _serializer() -> Any:
    from boto3.dynamodb.types import TypeSerializer

    return TypeSerializer()


def _deserializer() -> Any:
    from boto3.dynamodb.types import TypeDeserializer

    return TypeDeserializer()


def to_attr(item: Mapping[str, Any]) -> dict[str, Any]:
    """Python values to DynamoDB attribute values (None values are left out)."""
    ser = _serializer()
    return {k: ser.serialize(v) for k, v in item.items() if v is not None}


def from_attr(item: Mapping[str, Any]) -> Item:
    """DynamoDB attribute values to Python values."""
    de = _deserializer()
    return {k: de.deserialize(v) for k, v in item.items()}


class Stamps(TypedDict):
    """When an item was created and last changed, as records carry it."""

    created_at: datetime
    updated_at: datetime


def moment(value: Any) -> datetime | None:
    """A stored ISO 8601 time as a datetime (None for an absent or empty attribute)."""
    return datetime.fromisoformat(str(value)) if value else None


def optional_str(value: Any) -> str | None:
    """A stored string attribute (None for an absent or empty one)."""
    return str(value) if value else None


def optional_int(value: Any) -> int | None:
    """A stored number attribute as an int (None for an absent one; 0 stays 0)."""
    return int(value) if value is not None else None


def stamps(item: Mapping[str, Any]) -> Stamps:
    """An item's `created_at` and `updated_at` (one never changed was last changed when created)."""
    return Stamps(
        created_at=datetime.fromisoformat(str(item["created_at"])),
        updated_at=datetime.fromisoformat(str(item.get("updated_at", item["created_at"]))),
    )


def new_item(key: Key, entity: str, **attributes: Any) -> Item:
    """An item of an entity: its key, its `type` (what the stream's filter and the outbox read) and
    its attributes."""
    return {"PK": key[0], "SK": key[1], "type": entity, **attributes}


def _key(pk: str, sk: str) -> dict[str, Any]:
    return to_attr({"PK": pk, "SK": sk})


class KeyTaken(Exception):
    """An item meant to be new found its key in use (ids are random: a bug, not a race)."""


def _refused(exc: Exception) -> bool:
    """True when a write was refused by its condition expression."""
    return error_code(exc) == "ConditionalCheckFailedException"


def _request(table_name: str, action: Action) -> dict[str, Any]:
    """The request of one action (also one element of a TransactWriteItems)."""
    built = expressions(action)
    request: dict[str, Any] = {"TableName": table_name}
    if isinstance(action, Put):
        request["Item"] = to_attr(action.item)
    else:
        request["Key"] = _key(action.pk, action.sk)
    if built.update:
        request["UpdateExpression"] = built.update
    if built.condition:
        request["ConditionExpression"] = built.condition
    if built.names:
        request["ExpressionAttributeNames"] = built.names
    if built.values:
        request["ExpressionAttributeValues"] = to_attr(built.values)
    return request


def _until_processed(send: Callable[[list[Any]], list[Any]], pending: list[Any]) -> None:
    """Call `send` with what is pending until nothing is, backing off while DynamoDB sends some back."""
    delay = 0.05
    while pending:
        pending = send(pending)
        if pending:
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


class Table:
    """The single table, addressed by PK/SK; every call is a GetItem, Query or write."""

    def __init__(self, name: str, client: DynamoDBClient) -> None:
        self.name = name
        self.client = client

    # Single items.

    def get(self, pk: str, sk: str, *, consistent: bool = False) -> Item | None:
        """GetItem by key."""
        response = self.client.get_item(TableName=self.name, Key=_key(pk, sk), ConsistentRead=consistent)
        item = response.get("Item")
        return from_attr(item) if item else None

    def put(
        self,
        item: Mapping[str, Any],
        *,
        condition: str | None = None,
        names: Mapping[str, str] = _EMPTY,
        values: Mapping[str, Any] = _EMPTY,
    ) -> bool:
        """PutItem; False (and nothing written) when the condition does not hold."""
        try:
            self.client.put_item(**_request(self.name, Put(item, condition, names, values)))
        except Exception as exc:
            if _refused(exc):
                return False
            raise
        return True

    def insert(self, item: Mapping[str, Any]) -> None:
        """PutItem of a new item; KeyTaken (and nothing written) when its key is in use."""
        if not self.put(item, condition="attribute_not_exists(PK)"):
            raise KeyTaken(f"{item.get('PK')} / {item.get('SK')}")

    def update(
        self,
        pk: str,
        sk: str,
        *,
        sets: Mapping[str, Any] = _EMPTY,
        adds: Mapping[str, Any] = _EMPTY,
        removes: Sequence[str] = (),
        deletes: Mapping[str, Any] = _EMPTY,
        condition: str | None = None,
        names: Mapping[str, str] = _EMPTY,
        values: Mapping[str, Any] = _EMPTY,
        returns: ReturnValues = "ALL_NEW",
    ) -> Item | None:
        """UpdateItem; the item as `returns` asks ({} for NONE), or None when the condition does not hold."""
        return self.apply(
            Update(pk, sk, sets, adds, removes, deletes, condition, names, values), returns=returns
        )

    def apply(self, update: Update, *, returns: ReturnValues = "ALL_NEW") -> Item | None:
        """UpdateItem from an action built beforehand (as `update`; one also usable in `transact`)."""
        try:
            response = self.client.update_item(**_request(self.name, update), ReturnValues=returns)
        except Exception as exc:
            if _refused(exc):
                return None
            raise
        return from_attr(response.get("Attributes") or {})

    def delete(
        self,
        pk: str,
        sk: str,
        *,
        condition: str | None = None,
        names: Mapping[str, str] = _EMPTY,
        values: Mapping[str, Any] = _EMPTY,
    ) -> bool:
        """DeleteItem; False (and nothing deleted) when the condition does not hold."""
        try:
            self.client.delete_item(**_request(self.name, Delete(pk, sk, condition, names, values)))
        except Exception as exc:
            if _refused(exc):
                return False
            raise
        return True

    def transact(self, actions: Sequence[Action]) -> frozenset[int]:
        """TransactWriteItems: the positions of the actions whose condition failed (empty: all written).

        A transaction cancelled for another reason (a conflict, throttling) raises.
        """
        elements = [{type(a).__name__: _request(self.name, a)} for a in actions]
        try:
            self.client.transact_write_items(TransactItems=elements)  # type: ignore[arg-type]
        except Exception as exc:
            if error_code(exc) != "TransactionCanceledException":
                raise
            reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
            failed = frozenset(
                i for i, reason in enumerate(reasons) if reason.get("Code") == "ConditionalCheckFailed"
            )
            if not failed:
                raise
            return failed
        return frozenset()

    # Queries.

    def query(
        self,
        key_condition: str,
        values: Mapping[str, Any],
        *,
        index: str | None = None,
        limit: int | None = None,
        start_key: Mapping[str, Any] | None = None,
        forward: bool = True,
        filter: str | None = None,
        names: Mapping[str, str] = _EMPTY,
        consistent: bool = False,
    ) -> tuple[list[Item], Item | None]:
        """One page of a Query: the items and the key to continue from.

        A `filter` (FilterExpression, its placeholders in `names` and `values`) drops items after
        they are read: `limit` still counts the items read, so a page may hold fewer, even none.
        """
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": key_condition,
            "ExpressionAttributeValues": to_attr(values),
            "ScanIndexForward": forward,
        }
        if filter:
            kwargs["FilterExpression"] = filter
        if names:
            kwargs["ExpressionAttributeNames"] = dict(names)
        if consistent:
            kwargs["ConsistentRead"] = True
        if index:
            kwargs["IndexName"] = index
        if limit:
            kwargs["Limit"] = limit
        if start_key:
            kwargs["ExclusiveStartKey"] = to_attr(start_key)
        response = self.client.query(**kwargs)
        last = response.get("LastEvaluatedKey")
        return [from_attr(i) for i in response.get("Items", [])], (from_attr(last) if last else None)

    def page(
        self,
        pk: str,
        prefix: str,
        *,
        limit: int,
        start_sk: str | None,
        forward: bool = True,
        filter: str | None = None,
        names: Mapping[str, str] = _EMPTY,
        values: Mapping[str, Any] = _EMPTY,
    ) -> tuple[list[Item], str | None]:
        """A page of one partition's items whose sort key starts with `prefix`, and the sort key to
        continue after (None on the last page); `filter` as in `query` (its values must not be
        named `:pk` or `:prefix`)."""
        items, last = self.query(
            "PK = :pk AND begins_with(SK, :prefix)",
            {**values, ":pk": pk, ":prefix": prefix},
            limit=limit,
            start_key={"PK": pk, "SK": start_sk} if start_sk else None,
            forward=forward,
            filter=filter,
            names=names,
        )
        return items, (str(last["SK"]) if last else None)

    def query_all(self, key_condition: str, values: Mapping[str, Any], **kwargs: Any) -> Iterator[Item]:
        """Every item of a Query, page by page."""
        return every_page(lambda start: self.query(key_condition, values, start_key=start, **kwargs))

    # Batches: unprocessed keys and items are retried with one backoff.

    def batch_get(self, keys: Sequence[Key], *, consistent: bool = True) -> list[Item]:
        """BatchGetItem, 100 distinct keys a call; the items found, in no particular order."""
        unique = list(dict.fromkeys(keys))
        found: list[Item] = []

        def send(pending: list[Any]) -> list[Any]:
            response = self.client.batch_get_item(
                RequestItems={self.name: {"Keys": pending, "ConsistentRead": consistent}}
            )
            found.extend(from_attr(raw) for raw in response.get("Responses", {}).get(self.name, []))
            unprocessed: Any = response.get("UnprocessedKeys") or {}
            return list((unprocessed.get(self.name) or {}).get("Keys", []))

        for offset in range(0, len(unique), BATCH_GET_SIZE):
            _until_processed(send, [_key(pk, sk) for pk, sk in unique[offset : offset + BATCH_GET_SIZE]])
        return found

    def batch_put(self, items: Sequence[Mapping[str, Any]]) -> None:
        """BatchWriteItem puts, 25 a call."""
        self._batch_write([{"PutRequest": {"Item": to_attr(item)}} for item in items])

    def batch_delete(self, keys: Sequence[Key]) -> None:
        """BatchWriteItem deletes, 25 a call."""
        self._batch_write([{"DeleteRequest": {"Key": _key(pk, sk)}} for pk, sk in keys])

    def _batch_write(self, requests: list[Any]) -> None:
        def send(pending: list[Any]) -> list[Any]:
            response = self.client.batch_write_item(RequestItems={self.name: pending})
            return list(response.get("UnprocessedItems", {}).get(self.name, []))

        for offset in range(0, len(requests), BATCH_WRITE_SIZE):
            _until_processed(send, requests[offset : offset + BATCH_WRITE_SIZE])


class Repository:
    """A repository over the single table: it holds the table; subclasses add their access patterns."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def _read(self, key: Key, record: Callable[[Item], R], *, consistent: bool = False) -> R | None:
        """The record of the item at `key`, if there is one."""
        item = self.table.get(*key, consistent=consistent)
        return record(item) if item else None

    def _page(
        self, pk: str, prefix: str, record: Callable[[Item], R], *, limit: int, start_sk: str | None
    ) -> tuple[list[R], str | None]:
        """A page of records whose sort key begins with `prefix`, and the sort key to continue after."""
        items, last = self.table.page(pk, prefix, limit=limit, start_sk=start_sk)
        return [record(i) for i in items], last

    def _create(self, key: Key, entity: str, record: Callable[[Item], R], **attributes: Any) -> R:
        """Insert a new item (created and updated now) and return its record."""
        now = now_iso()
        item = new_item(key, entity, **attributes, created_at=now, updated_at=now)
        self.table.insert(item)
        return record(item)


def table() -> Table:
    """The configured table with the cached client."""
    from app import aws
    from app.config import get_settings

    return Table(get_settings().table_name, aws.dynamodb())
