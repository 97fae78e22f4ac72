"""Fixes to moto behaviour the embedded cloud cannot live with, applied once at start-up.

moto 5.2's `TransactWriteItems` deep-copies every table a transaction touches before it runs
(seconds per call on a table of some thousand items) and, when the transaction is cancelled,
swaps the whole table for that copy: writes made meanwhile by other threads are undone, and
the table's stream is replaced by an older one, so the stream poller stops seeing changes.
DynamoDB checks every condition before it writes anything; doing the same here makes a
cancelled transaction change nothing, and only the touched items are kept for an undo.

moto's server finds the service of every request by listing its own package directory and
calling `isdir` on each of its ~270 entries (`moto.backends.list_of_moto_modules`): about 4 ms
of CPU per request, most of what a local AWS call costs. The package does not change while the
process runs, so the list is read once.

moto 5 answers DynamoDB Streams' `GetRecords` through its generic, model-driven serializer, which
walks every attribute of every image (about 0.6 ms per record: a batch of a hundred costs more
than the function that handles it). The records are already in DynamoDB's JSON form, so they are
dumped the way moto's own DynamoDB responses are (`dynamo_json_dump`).

The same serializer answers DynamoDB's item operations (GetItem, Query, UpdateItem with
ReturnValues, ...): about 40% of what such a call costs. Their results are plain DynamoDB JSON
already; they are written with `json` (None members left out, bytes in base64, as the
serializer does). Control-plane answers and errors still go through moto's serializer.

moto's `StopExecution` only asks the interpreter's worker to stop: an execution waiting for a task
token (or one restored from a snapshot, whose worker is gone) stayed RUNNING, and the request's
`error` and `cause` were dropped. Here a running execution becomes ABORTED with them, as in AWS.

moto's SQS queue asks the clock twice per stored message to list the visible ones (every
receive, and every send through the queue's attribute summary), and a delete walks the whole
queue twice, building a list of receipt handles per message: with a few thousand messages
waiting (a campaign's SES events) each call took tens of milliseconds and the queue fell further
behind. Here the clock is read once per call and a delete is a single pass; what is visible,
delayed or deleted is decided exactly as before.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
from typing import Any

_PATCHED_MARK = "_herald_item_level_transactions"


def apply() -> None:
    """Install the patches (idempotent)."""
    _cache_module_list()
    _plain_stream_records()
    _linear_sqs_queues()
    _plain_dynamodb_items()
    _stop_executions()
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend.transact_write_items, _PATCHED_MARK, False):
        return
    setattr(transact_write_items, _PATCHED_MARK, True)
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _cache_module_list() -> None:
    import moto.backends

    listing = moto.backends.list_of_moto_modules
    if getattr(listing, _PATCHED_MARK, False):
        return
    modules = tuple(listing())

    def cached() -> tuple[str, ...]:
        return modules

    setattr(cached, _PATCHED_MARK, True)
    moto.backends.list_of_moto_modules = cached


def _plain_stream_records() -> None:
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    if getattr(DynamoDBStreamsHandler.get_records, _PATCHED_MARK, False):
        return

    def get_records(self: Any) -> str:
        from moto.dynamodb.models.utilities import dynamo_json_dump

        limit = self._get_param("Limit")
        result = self.backend.get_records(self._get_param("ShardIterator"), 1000 if limit is None else limit)
        return str(dynamo_json_dump(result))

    setattr(get_records, _PATCHED_MARK, True)
    DynamoDBStreamsHandler.get_records = get_records  # type: ignore[method-assign,assignment]


_ITEM_OPERATIONS = frozenset(
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


def _plain_dynamodb_items() -> None:
    from moto.dynamodb.responses import DynamoResult

    original = DynamoResult.execute_result
    if getattr(original, _PATCHED_MARK, False):
        return

    def execute_result(self: Any, context: Any) -> Any:
        if isinstance(self.result, Exception) or context.operation_model.name not in _ITEM_OPERATIONS:
            return original(self, context)
        body = json.dumps(_plain(self.result), separators=(",", ":"))
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, body

    setattr(execute_result, _PATCHED_MARK, True)
    DynamoResult.execute_result = execute_result  # type: ignore[method-assign]


def _stop_executions() -> None:
    from moto.stepfunctions.responses import StepFunctionResponse

    if getattr(StepFunctionResponse.stop_execution, _PATCHED_MARK, False):
        return

    def stop_execution(self: Any) -> Any:
        from moto.core.responses import ActionResult
        from moto.stepfunctions.parser.api import ExecutionStatus

        arn = self._get_param("executionArn")
        backend = self.stepfunction_backend
        try:
            execution = backend.stop_execution(arn)
        except Exception:  # a restored execution's worker did not survive the restart
            execution = backend.describe_execution(arn)  # (an unknown one still raises here)
        if getattr(execution, "exec_status", None) in (None, ExecutionStatus.RUNNING):
            execution.exec_status = ExecutionStatus.ABORTED
            execution.stop_date = execution.stop_date or dt.datetime.now(dt.UTC)
            execution.error = self._get_param("error") or None
            execution.cause = self._get_param("cause") or None
        return ActionResult({"stopDate": execution.stop_date})

    setattr(stop_execution, _PATCHED_MARK, True)
    StepFunctionResponse.stop_execution = stop_execution  # type: ignore[method-assign]


def _linear_sqs_queues() -> None:
    from moto.core.utils import unix_time_millis
    from moto.sqs.exceptions import ReceiptHandleIsInvalid
    from moto.sqs.models import Queue

    if getattr(Queue.delete_message, _PATCHED_MARK, False):
        return

    def messages(self: Any) -> list[Any]:
        now = unix_time_millis()
        return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]

    def delayed(self: Any) -> int:
        now = unix_time_millis()
        return sum(1 for m in self._messages if now < m.delayed_until)

    def not_visible(self: Any) -> int:
        now = unix_time_millis()
        return sum(1 for m in self._messages if not now > m.visible_at)

    def delete_message(self: Any, receipt_handle: str) -> None:
        if receipt_handle in self.deleted_messages:
            return  # already deleted: SQS accepts it again
        stored = self._messages
        index = next(
            (
                i
                for i, m in enumerate(stored)
                if m.receipt_handle == receipt_handle or receipt_handle in m._old_receipt_handles
            ),
            None,
        )
        if index is None:
            raise ReceiptHandleIsInvalid()
        message = stored[index]
        self.pending_messages.discard(message)
        self.deleted_messages.update(message.all_receipt_handles)
        self._messages = stored[:index] + stored[index + 1 :]  # a new list, as moto does

    setattr(delete_message, _PATCHED_MARK, True)
    Queue.messages = property(messages)  # type: ignore[assignment,method-assign]
    Queue.approximate_number_of_messages_delayed = property(delayed)  # type: ignore[assignment,method-assign]
    Queue.approximate_number_of_messages_not_visible = property(not_visible)  # type: ignore[assignment,method-assign]
    Queue.delete_message = delete_message  # type: ignore[method-assign]


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
