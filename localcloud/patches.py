"""Fixes to moto behaviour the embedded cloud cannot live with, applied once at start-up.

moto 5.2's `TransactWriteItems` deep-copies every table a transaction touches before it runs
(seconds per call on a table of some thousand items) and, when the transaction is cancelled,
swaps the whole table for that copy: writes made meanwhile by other threads are undone, and
the table's stream is replaced by an older one, so the stream poller stops seeing changes.
DynamoDB checks every condition before it writes anything; doing the same here makes a
cancelled transaction change nothing, and only the touched items are kept for an undo.
"""

from __future__ import annotations

import copy
from typing import Any

_PATCHED_MARK = "_herald_item_level_transactions"


def apply() -> None:
    """Install the patches (idempotent)."""
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend.transact_write_items, _PATCHED_MARK, False):
        return
    setattr(transact_write_items, _PATCHED_MARK, True)
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


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
