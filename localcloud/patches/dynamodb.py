"""moto's DynamoDB: transactions as DynamoDB runs them, and no work that grows with the table.

- `TransactWriteItems`: moto 5.2 deep-copies every table a transaction touches before it runs
  (seconds per call on a table of some thousand items) and, when the transaction is cancelled,
  swaps the whole table for that copy: writes made meanwhile by other threads are undone, and
  the table's stream is replaced by an older one, so the stream poller stops seeing changes.
  DynamoDB checks every condition before it writes anything; doing the same here makes a
  cancelled transaction change nothing, and only the touched items are kept for an undo.
- Streams' `GetRecords` went through moto's generic, model-driven serializer, which walks every
  attribute of every image (about 0.6 ms per record). The records are already DynamoDB JSON, so
  they are dumped the way moto's own DynamoDB responses are (`dynamo_json_dump`).
- The item operations (GetItem, Query, UpdateItem with ReturnValues, ...) went through the same
  serializer: about 40% of what such a call cost. Their results are plain DynamoDB JSON already;
  they are written with `json` (None members left out, bytes in base64, as the serializer does).
  Control-plane answers and errors still go through moto's serializer.
- A `Query` on the table's own key listed and sorted every item of the table (`all_items`), then
  kept those of the partition: 100 ms at 20,000 items. The partition is read directly; it is
  sorted and filtered exactly as before (an index's Query still reads every item). A later page
  then compared every item of the partition before its start key with that key, one at a time
  (a campaign's audience of 5,000 read in pages of 1,000: about 190 ms a page); the items before
  it are cut off at once by bisection, and moto pages from there as it did.
- An `UpdateExpression` was parsed twice per UpdateItem (once to check the placeholders, once to
  run it), the same text every time for a given code path. Its parse is kept per text: moto's
  validator works on a deep copy of the tree, so the kept tree is never changed.
- That validator copies the tree with the generic `deepcopy` (a `__reduce_ex__` round per node)
  and runs ten passes over it, each rebuilding its node-type table at every node it visits. Nodes
  now copy themselves (their attributes deep-copied, as `deepcopy` does) and a pass builds its
  table once; the nodes visited, their order and what each pass does to them are unchanged.
- Three of those passes only check the tree and raise (at most one SET/ADD/REMOVE clause, no
  overlapping paths, no key attribute updated); what they find depends only on the parsed text, the
  `ExpressionAttributeNames` and the table's key attributes, never on the item or the values. A
  tree that passed them is not checked again with the same names on the same table: every claim of
  a campaign runs one expression, and the checks were about a third of the validation. A tree that
  failed is checked every time, and the other seven passes always run.
- A condition's text was split into tokens (a dozen regular expressions tried at each position)
  on every request that carries one. The tokens depend on the text alone and are never changed
  by the parse; they are kept per text, and each parse gets fresh copies.
- A value's size (moto measures every attribute of every item a Query or BatchGetItem returns,
  for the 1 MB page limit) asked four `is_...` methods in turn; a switch on the type gives the
  same number.
- An item built from a request (PutItem, BatchWriteItem, a transaction's Put) summed the sizes of
  every attribute it already had at each attribute it added, to refuse one over 400 KB: quadratic
  in its attributes. A running total is kept instead; an item over the limit is refused with the
  same error at the same attribute.
"""

from __future__ import annotations

import base64
import bisect
import copy
import datetime as dt
import inspect
import json
import re
import threading
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

from localcloud.patches.installing import install, original


def apply() -> None:
    """Install the patches (idempotent)."""
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser, Node  # type: ignore[attr-defined]
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]
    from moto.dynamodb.parsing.validators import Validator
    from moto.dynamodb.responses import DynamoResult
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    install(DynamoDBBackend, "transact_write_items", transact_write_items)
    install(DynamoDBStreamsHandler, "get_records", _get_records)
    install(DynamoResult, "execute_result", _execute_result)
    install(Table, "query", _query)
    install(UpdateExpressionParser, "make", classmethod(_parsed_update_expression))
    install(DepthFirstTraverser, "traverse", _traverse)
    install(Node, "__deepcopy__", _copy_node)
    install(ConditionExpressionParser, "parse", _parse_condition)
    install(ConditionExpressionParser, "_lex_condition_expression", _lex_condition)
    install(Item, "__init__", _item_init)
    install(DynamoType, "size", _value_size)
    install(Validator, "__init__", _validator_init)
    install(Validator, "validate", _validate)


def _get_records(self: Any) -> str:
    from moto.dynamodb.models.utilities import dynamo_json_dump

    limit = self._get_param("Limit")
    result = self.backend.get_records(self._get_param("ShardIterator"), 1000 if limit is None else limit)
    return str(dynamo_json_dump(result))


# DynamoDB's item operations (the fault switch refuses these too).
ITEM_OPERATIONS = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)


def _plain(value: Any) -> Any:
    """The JSON form moto's serializer gives an item operation's result."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple | set):
        return [_plain(item) for item in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dt.datetime):
        return value.timestamp()
    return value


def _execute_result(self: Any, context: Any) -> Any:
    if isinstance(self.result, Exception) or context.operation_model.name not in ITEM_OPERATIONS:
        return original(type(self), "execute_result")(self, context)
    body = json.dumps(_plain(self.result), separators=(",", ":"))
    return 200, {"Content-Type": "application/x-amz-json-1.0"}, body


def _query(self: Any, *args: Any, **kwargs: Any) -> Any:
    """Table.query, reading only the partition when the base table is queried by its hash key
    (and, for a later page, only what comes after its start key)."""
    query = original(type(self), "query")
    bound = _query_signature(query).bind(self, *args, **kwargs)
    hash_key = bound.arguments.get("hash_key")
    if bound.arguments.get("index_name") or hash_key is None:
        return query(self, *args, **kwargs)
    start = _start_value(self, hash_key, bound.arguments.get("exclusive_start_key"))
    forward = bound.arguments.get("scan_index_forward") is not False
    return query(_Partition(self, hash_key, start, forward=forward), *args, **kwargs)


def _start_value(table: Any, hash_key: Any, start_key: Any) -> Any:
    """The sort key value a page starts after, when moto would skip exactly the partition's items
    up to it: a start key in this partition whose sort key has the table's key type (None: moto
    walks the partition itself)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    range_attr = table.range_key_attr
    if not range_attr or not isinstance(start_key, dict):
        return None
    hash_value, range_value = start_key.get(table.hash_key_attr), start_key.get(range_attr)
    if not isinstance(hash_value, dict) or not isinstance(range_value, dict) or len(range_value) != 1:
        return None
    kind = next(iter(range_value))
    if kind not in ("S", "N", "B") or kind != table.range_key_type or DynamoType(hash_value) != hash_key:
        return None
    return DynamoType(range_value).cast_value


@cache
def _query_signature(query: Any) -> inspect.Signature:
    return inspect.signature(query)


class _Partition:
    """A table seen through one partition: `all_items` lists it alone, in moto's order, without
    the items a page that starts after `start` (a sort key value) passes over: those up to it
    (scanning forward) or from it (backward). moto skips them one by one, comparing each with
    the start key: a page near the end of a partition of 50,000 items went through all of them."""

    def __init__(self, table: Any, hash_key: Any, start: Any = None, *, forward: bool = True) -> None:
        self._table = table
        self._hash_key = hash_key
        self._start = start
        self._forward = forward

    def all_items(self) -> list[Any]:
        found = self._table.items.get(self._hash_key)  # .get: never adds to moto's defaultdict
        if found is None:
            return []
        if not self._table.range_key_attr:
            return [found]
        items = sorted(found.values(), key=_sort_value)
        if self._start is None:
            return items
        values = [_sort_value(item) for item in items]
        if self._forward:
            return items[bisect.bisect_right(values, self._start) :]
        return items[: bisect.bisect_left(values, self._start)]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)


def _sort_value(item: Any) -> Any:
    # What moto's DynamoType compares (`<` on the cast values).
    return item.range_key.cast_value


def _parsed_update_expression(cls: Any, expression_str: str) -> Any:
    return _parse_update_expression(cls, expression_str)


@lru_cache(maxsize=512)
def _parse_update_expression(cls: Any, expression_str: str) -> Any:
    return original(cls, "make")(cls, expression_str)


def _traverse(self: Any, node: Any) -> Any:
    """DepthFirstTraverser.traverse with the pass's node-type table built once.

    moto's node classes are abstract base classes, whose `isinstance` runs Python code; none of
    them has virtual subclasses, so a node's class decides it and the answer is kept per class.
    """
    table = list(self._processing_map().items())
    processors: dict[type, Any] = {}

    def processor_of(kind: type) -> Any:
        if kind not in processors:
            processors[kind] = next((process for base, process in table if issubclass(kind, base)), None)
        return processors[kind]

    def visit(node: Any, child_id: int = -1) -> Any:
        if _is_node(type(node)):
            parent_node = node.parent
            if node.children is not None:
                for i, child_node in enumerate(node.children):
                    self.pre_processing_of_child(node, i)
                    visit(child_node, i)
            process = processor_of(type(node))
            if process is not None:
                node = process(node)
                node.parent = parent_node
                if parent_node:
                    parent_node.children[child_id] = node
        return node

    return visit(node)


# Whether a class is one of moto's AST nodes (classes do not change while the process runs).
_NODE_KINDS: dict[type, bool] = {}


def _is_node(kind: type) -> bool:
    known = _NODE_KINDS.get(kind)
    if known is None:
        from moto.dynamodb.parsing.ast_nodes import Node  # type: ignore[attr-defined]

        known = _NODE_KINDS[kind] = issubclass(kind, Node)
    return known


# The last condition this thread parsed, for the request that parses it a second time.
_LAST_CONDITION = threading.local()


def _parse_condition(self: Any) -> Any:
    """ConditionExpressionParser.parse, reusing a tree parsed before from the same input.

    An UpdateItem (and PutItem, DeleteItem) parses its condition to check the placeholders, then
    again to evaluate it, with the same text and the same two dicts; the second parse reuses the
    first tree (read-only: evaluating it changes nothing) and the placeholders it found. Across
    requests a tree is kept per text and what the placeholders in it stand for (the parse reads
    nothing else): a campaign's thousands of `#s = :sent` conditions are parsed once.
    """
    names, values = self.expression_attribute_names, self.expression_attribute_values
    last = getattr(_LAST_CONDITION, "entry", None)
    if last is not None and last[0] == self.condition_expression and last[1] is names and last[2] is values:
        tree, names_found, values_found = last[3:]
        self.expr_attr_names_found = list(names_found)
        self.expr_attr_values_found = list(values_found)
        return tree
    key = _condition_key(self.condition_expression, names, values)
    kept = _KEPT_CONDITIONS.get(key) if key is not None else None
    if kept is not None:
        tree, names_found, values_found = kept
        self.expr_attr_names_found = list(names_found)
        self.expr_attr_values_found = list(values_found)
    else:
        tree = original(type(self), "parse")(self)
        if key is not None:
            if len(_KEPT_CONDITIONS) >= _KEPT_CONDITIONS_LIMIT:
                _KEPT_CONDITIONS.clear()
            found = (list(self.expr_attr_names_found), list(self.expr_attr_values_found))
            _KEPT_CONDITIONS[key] = (tree, *found)
    # The dicts are held here, so their ids cannot be reused by other requests while cached.
    _LAST_CONDITION.entry = (
        self.condition_expression,
        names,
        values,
        tree,
        list(self.expr_attr_names_found),
        list(self.expr_attr_values_found),
    )
    return tree


# (text, its #names and what they stand for, its :values and theirs) -> (tree, names, values found)
_KEPT_CONDITIONS: dict[tuple[Any, ...], tuple[Any, list[str], list[str]]] = {}
_KEPT_CONDITIONS_LIMIT = 4096
_PLACEHOLDER = re.compile(r"[#:][A-Za-z0-9_]+")


def _condition_key(text: Any, names: Any, values: Any) -> tuple[Any, ...] | None:
    """What a condition's parse depends on: its text and the placeholders it uses (None: no text)."""
    if not isinstance(text, str) or not text:
        return None
    used = sorted(set(_PLACEHOLDER.findall(text)))
    return (
        text,
        tuple((p, (names or {}).get(p)) for p in used if p[0] == "#"),
        tuple((p, repr((values or {}).get(p))) for p in used if p[0] == ":"),
    )


def _lex_condition(self: Any) -> Any:
    """ConditionExpressionParser's tokens of this text, from the kept lexing (fresh copies)."""
    from collections import deque

    return deque(node._replace(children=[]) for node in _lexed(self.__class__, self.condition_expression))


@lru_cache(maxsize=512)
def _lexed(parser: Any, text: str) -> tuple[Any, ...]:
    lexer = object.__new__(parser)
    lexer.condition_expression = text
    return tuple(original(parser, "_lex_condition_expression")(lexer))


def _item_init(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
    """moto's Item, its size kept as a running total against LimitedSizeDict's limit (moto summed
    every attribute again at each one it added)."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    self.hash_key = hash_key
    self.range_key = range_key
    self.attrs = LimitedSizeDict.__new__(LimitedSizeDict)
    size = 0
    for key, value in attrs.items():
        typed = DynamoType(value)
        size += bytesize(key) + typed.size()
        if size > ITEM_SIZE_LIMIT:  # where moto's check refuses it, before the next attribute
            raise ItemSizeTooLarge
        dict.__setitem__(self.attrs, key, typed)


def _value_size(self: Any) -> int:
    """DynamoType.size by a switch on the type (moto asks is_number, is_set, is_list and is_map,
    a method call each, for every value it measures: every attribute of every item a Query or
    BatchGetItem returns, of every item built, and of every item an update checks)."""
    kind, value = self.type, self.value
    if kind == "N":
        return len(str(value))
    if kind in _SET_TYPES:
        return sum(type(self)({kind[0]: member}).size() for member in value)
    if kind == "L":
        return sum(member.size() for member in value)
    if kind == "M":
        return sum(_bytesize(name) + type(self)(member).size() for name, member in value.items())
    if isinstance(value, bool):
        return 1
    return _bytesize(value)


def _bytesize(value: Any) -> int:
    """moto's `bytesize` (its UTF-8 length), without a lookup of moto's module per value."""
    return len(value if isinstance(value, bytes) else value.encode("utf-8"))


_SET_TYPES = frozenset({"SS", "NS", "BS"})


# LimitedSizeDict's limit, in moto's own size units (DynamoDB's 400 KB, as moto measured it).
ITEM_SIZE_LIMIT = 405000


def _validator_init(self: Any, expression: Any, *args: Any, **kwargs: Any) -> None:
    original(type(self), "__init__")(self, expression, *args, **kwargs)
    self.parsed_tree = expression  # the kept parse (the validator works on a copy of it)


# (check, id of the kept parse, names, key attributes) -> that parse, for trees that passed it.
_PASSED: dict[tuple[Any, ...], Any] = {}
_PASSED_LIMIT = 4096


@cache
def _pure_checks() -> dict[type, Callable[[Any], Any]]:
    """The passes that only raise, each with what its verdict depends on besides the tree."""
    from moto.dynamodb.parsing.validators import (
        ActionCountValidator,
        OverlappingPathsValidator,
        UpdateHashRangeKeyValidator,
    )

    def nothing(_: Any) -> Any:
        return None

    def names(processor: Any) -> Any:
        return tuple(sorted((processor.expression_attribute_names or {}).items()))

    def names_and_keys(processor: Any) -> Any:
        return names(processor), tuple(processor.table_key_attributes)

    return {
        ActionCountValidator: nothing,
        OverlappingPathsValidator: names,
        UpdateHashRangeKeyValidator: names_and_keys,
    }


def _validate(self: Any) -> Any:
    """Validator.validate, skipping a check this parse already passed with the same inputs."""
    node, parsed, checks = self.node_to_validate, getattr(self, "parsed_tree", None), _pure_checks()
    for processor in self.processors:
        depends = checks.get(type(processor)) if parsed is not None else None
        key = None if depends is None else (type(processor), id(parsed), depends(processor))
        if key is not None and _PASSED.get(key) is parsed:
            continue
        node = processor.traverse(node)
        if key is not None:
            if len(_PASSED) >= _PASSED_LIMIT:
                _PASSED.clear()
            _PASSED[key] = parsed  # held here, so its id is not reused while the entry lives
    return node


_ATOMIC = (str, int, float, bool, type(None))


def _copy_node(self: Any, memo: dict[int, Any]) -> Any:
    """What `copy.deepcopy` makes of a node, without its `__reduce_ex__` round."""
    clone = object.__new__(type(self))
    memo[id(self)] = clone
    attributes = clone.__dict__
    for name, value in self.__dict__.items():
        attributes[name] = value if type(value) in _ATOMIC else copy.deepcopy(value, memo)
    return clone


def _key_of(table: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return dict(op["Key"])
    attrs = op["Item"]
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:  # noqa: C901
    """All conditions first, then every write; a failure while writing restores the touched items."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    seen: set[tuple[str, str]] = set()
    reasons: list[tuple[str | None, str | None, Any]] = []
    plan: list[tuple[str, dict[str, Any], Any, dict[str, Any], Any]] = []
    for entry in transact_items:
        if len(entry) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(entry.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
            reasons.append(("ValidationError", "Unsupported transaction operation", None))
            continue
        table = self.get_table(op["TableName"])
        key = _key_of(table, op_type, op)
        marker = (str(op["TableName"]), str(dict(sorted(key.items()))))
        if marker in seen:
            raise MultipleTransactionsException()
        seen.add(marker)
        current = self.get_item(op["TableName"], key)
        condition = op.get("ConditionExpression")
        if condition is not None:
            check = get_filter_expression(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            )
            if not check.expr(current):
                wants_old = op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current
                old = current.to_json()["Attributes"] if wants_old else None
                reasons.append(("ConditionalCheckFailed", "The conditional request failed", old))
                continue
        reasons.append((None, None, None))
        plan.append((op_type, op, table, key, copy.deepcopy(current)))
    if any(code is not None for code, _, _ in reasons):
        raise TransactionCanceledException(reasons)

    stream_marks = {
        id(table): (table, len(table.stream_shard.items))
        for _, _, table, _, _ in plan
        if table.stream_shard is not None
    }
    done: list[tuple[Any, dict[str, Any], Any]] = []
    for index, (op_type, op, table, key, before) in enumerate(plan):
        expression = {
            "condition_expression": op.get("ConditionExpression"),
            "expression_attribute_names": op.get("ExpressionAttributeNames"),
            "expression_attribute_values": op.get("ExpressionAttributeValues"),
        }
        try:
            if op_type == "Put":
                self.put_item(table.name, op["Item"], **expression)
            elif op_type == "Delete":
                self.delete_item(table.name, key, **expression)
            elif op_type == "Update":
                self.update_item(table.name, key, update_expression=op["UpdateExpression"], **expression)
        except Exception as exc:
            for undo_table, undo_key, undo_before in reversed(done):
                if undo_before is None:
                    self.delete_item(undo_table.name, undo_key)
                else:
                    self.put_item(undo_table.name, undo_before.to_json()["Attributes"])
            for stream_table, mark in stream_marks.values():
                del stream_table.stream_shard.items[mark:]  # the undone writes never happened
            failed: list[tuple[str | None, str | None, Any]] = [(None, None, None)] * len(transact_items)
            failed[index] = (type(exc).__name__, str(exc), None)
            raise TransactionCanceledException(failed) from exc
        if op_type != "ConditionCheck":
            done.append((table, key, before))
