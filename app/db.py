"""The table adapter: every DynamoDB call Herald makes goes through here (types in, types out).

Repositories say what to change (keys, attributes, a condition in their own placeholders);
this module builds the update expressions, converts attribute values, turns a refused
condition into a return value, names the failed conditions of a cancelled transaction, and
retries what a batch call left unprocessed, with one backoff for every batch call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from app.aws import error_code

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Item = dict[str, Any]
Key = tuple[str, str]
ReturnValues = Literal["ALL_NEW", "UPDATED_NEW", "NONE"]

BATCH_GET_SIZE = 100  # keys per BatchGetItem
BATCH_WRITE_SIZE = 25  # requests per BatchWriteItem
_EMPTY: dict[str, Any] = {}


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


def one_of(name: str, options: Iterable[Any]) -> tuple[str, dict[str, Any]]:
    """A condition that `name` is one of `options` (`name IN (...)`), and the values it uses."""
    values = {f":in{i}": option for i, option in enumerate(options)}
    return f"{name} IN ({', '.join(values)})", values


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


@dataclass(frozen=True)
class IfAbsent:
    """SET the attribute only when it has no value yet (`if_not_exists`)."""

    value: Any


@dataclass(frozen=True)
class Append:
    """SET the attribute to its list (empty when absent) with `items` appended (`list_append`)."""

    items: Sequence[Any]


@dataclass(frozen=True)
class Put:
    """A PutItem, optionally conditional (the condition's placeholders in `names`/`values`)."""

    item: Mapping[str, Any]
    condition: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Update:
    """An UpdateItem: attributes to SET (None values are left out), numbers and sets to ADD,
    attributes to REMOVE, members to DELETE from sets; optionally conditional."""

    pk: str
    sk: str
    sets: Mapping[str, Any] = field(default_factory=dict)
    adds: Mapping[str, Any] = field(default_factory=dict)
    removes: Sequence[str] = ()
    deletes: Mapping[str, Any] = field(default_factory=dict)
    condition: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Delete:
    """A DeleteItem, optionally conditional."""

    pk: str
    sk: str
    condition: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Any] = field(default_factory=dict)


Action = Put | Update | Delete


class _Expression:
    """Placeholders for one request: the caller's, plus one per attribute the update names."""

    def __init__(self, names: Mapping[str, str], values: Mapping[str, Any]) -> None:
        self.names = dict(names)
        self.values = dict(values)
        self._by_attribute = {attribute: placeholder for placeholder, attribute in names.items()}

    def name(self, attribute: str, placeholder: str) -> str:
        # One placeholder per attribute: reuse the condition's when it names the same attribute.
        if attribute not in self._by_attribute:
            self._by_attribute[attribute] = placeholder
            self.names[placeholder] = attribute
        return self._by_attribute[attribute]

    def value(self, placeholder: str, value: Any) -> str:
        self.values[placeholder] = value
        return placeholder

    def update_expression(self, update: Update) -> str:
        sets = []
        for i, (attribute, value) in enumerate((a, v) for a, v in update.sets.items() if v is not None):
            name = self.name(attribute, f"#S{i}")
            if isinstance(value, IfAbsent):
                sets.append(f"{name} = if_not_exists({name}, {self.value(f':S{i}', value.value)})")
            elif isinstance(value, Append):
                empty, items = self.value(f":S{i}e", []), self.value(f":S{i}", list(value.items))
                sets.append(f"{name} = list_append(if_not_exists({name}, {empty}), {items})")
            else:
                sets.append(f"{name} = {self.value(f':S{i}', value)}")
        clauses = {
            "SET": sets,
            "ADD": [self._operand(a, v, f"A{i}") for i, (a, v) in enumerate(update.adds.items())],
            "REMOVE": [self.name(a, f"#R{i}") for i, a in enumerate(update.removes)],
            "DELETE": [self._operand(a, v, f"D{i}") for i, (a, v) in enumerate(update.deletes.items())],
        }
        return " ".join(f"{action} {', '.join(parts)}" for action, parts in clauses.items() if parts)

    def _operand(self, attribute: str, value: Any, suffix: str) -> str:
        return f"{self.name(attribute, f'#{suffix}')} {self.value(f':{suffix}', value)}"

    def request(self, condition: str | None) -> dict[str, Any]:
        request: dict[str, Any] = {}
        if condition:
            request["ConditionExpression"] = condition
        if self.names:
            request["ExpressionAttributeNames"] = self.names
        if self.values:
            request["ExpressionAttributeValues"] = to_attr(self.values)
        return request


def _request(table_name: str, action: Action) -> dict[str, Any]:
    """The request of one action (also one element of a TransactWriteItems)."""
    expression = _Expression(action.names, action.values)
    if isinstance(action, Put):
        return {"TableName": table_name, "Item": to_attr(action.item), **expression.request(action.condition)}
    request: dict[str, Any] = {"TableName": table_name, "Key": _key(action.pk, action.sk)}
    if isinstance(action, Update):
        request["UpdateExpression"] = expression.update_expression(action)
    return {**request, **expression.request(action.condition)}


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

    def page(
        self, pk: str, prefix: str, *, limit: int, start_sk: str | None, forward: bool = True
    ) -> tuple[list[Item], str | None]:
        """A page of one partition's items whose sort key starts with `prefix`, and the sort key to
        continue after (None on the last page)."""
        items, last = self.query(
            "PK = :pk AND begins_with(SK, :prefix)",
            {":pk": pk, ":prefix": prefix},
            limit=limit,
            start_key={"PK": pk, "SK": start_sk} if start_sk else None,
            forward=forward,
        )
        return items, (str(last["SK"]) if last else None)

    def query_all(self, key_condition: str, values: Mapping[str, Any], **kwargs: Any) -> Iterator[Item]:
        """Every item of a Query, page by page."""
        start: Item | None = None
        while True:
            items, start = self.query(key_condition, values, start_key=start, **kwargs)
            yield from items
            if start is None:
                return

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


def table() -> Table:
    """The configured table with the cached client."""
    from app import aws
    from app.config import get_settings

    return Table(get_settings().table_name, aws.dynamodb())
