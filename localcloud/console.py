"""Dev console data: a queue's messages, redriving a DLQ, Step Functions executions."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from localcloud.clients import Clients
from localcloud.server import StateLock

# A redrive handles at most this many messages per call (the console can call again).
REDRIVE_LIMIT = 1000

ASYNC_FAILURE = "lambda-async-failure"
STREAM_FAILURE = "stream-failure"
MESSAGE = "message"


class ConsoleError(Exception):
    """A console request that cannot be done: the HTTP status, and Herald's error shape."""

    def __init__(self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def as_json(self) -> dict[str, Any]:
        """`{"error": {"code", "message", "details"}}`, like the API's errors."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


def _millis_iso(value: Any) -> str | None:
    if not value:
        return None
    moment = dt.datetime.fromtimestamp(int(value) / 1000, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def classify(body: str) -> tuple[str, dict[str, Any]]:
    """What a DLQ message is: a Lambda async failure record, a stream failure record, or a message."""
    try:
        record = json.loads(body)
    except ValueError:
        return MESSAGE, {}
    if not isinstance(record, dict):
        return MESSAGE, {}
    context = record.get("requestContext")
    if isinstance(context, dict) and "requestPayload" in record and context.get("functionArn"):
        error = record.get("responsePayload")
        return ASYNC_FAILURE, {
            "function_arn": str(context["functionArn"]),
            "condition": context.get("condition"),
            "attempts": context.get("approximateInvokeCount"),
            "error": error.get("errorMessage") if isinstance(error, dict) else None,
        }
    batch_info = next((key for key in record if key.endswith("BatchInfo")), None)
    if isinstance(context, dict) and batch_info is not None:
        return STREAM_FAILURE, {
            "function_arn": context.get("functionArn"),
            "condition": context.get("condition"),
            "attempts": context.get("approximateInvokeCount"),
            "batch": record[batch_info],
        }
    return MESSAGE, {}


# ---------------------------------------------------------------------- queues


def _queue_url(clients: Clients, name: str) -> str:
    try:
        return clients.sqs().get_queue_url(QueueName=name)["QueueUrl"]
    except ClientError as exc:
        raise ConsoleError(404, "queue_not_found", f"There is no queue {name}.") from exc


def _sources(clients: Clients, arn: str) -> list[tuple[str, str]]:
    """(name, url) of every queue whose RedrivePolicy parks its failures in the queue `arn`."""
    sqs = clients.sqs()
    found = []
    for url in sqs.list_queues(MaxResults=1000).get("QueueUrls", []):
        policy = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"]).get(
            "Attributes", {}
        )
        try:
            target = json.loads(policy.get("RedrivePolicy") or "{}").get("deadLetterTargetArn")
        except ValueError:
            continue
        if target == arn:
            found.append((url.rsplit("/", 1)[-1], url))
    return found


def queue_messages(
    *, clients: Clients, lock: StateLock, account_id: str, name: str, limit: int = 100
) -> dict[str, Any]:
    """A queue's messages, in flight or not, without receiving them (no receive count, no redrive)."""
    from moto.sqs.models import sqs_backends

    url = _queue_url(clients, name)
    arn = clients.sqs().get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    # Read from moto's state: a ReceiveMessage, even with a zero visibility timeout, would count
    # as a delivery (and could push a message of a source queue into its DLQ).
    with lock.shared():
        queue = sqs_backends[account_id][clients.region].queues.get(name)
        stored = list(queue._messages) if queue is not None else []
        rows: list[dict[str, Any]] = [
            {
                "id": message.id,
                "body": message.body,
                "sent_at": _millis_iso(message.sent_timestamp),
                "receive_count": message.approximate_receive_count,
                "first_received_at": _millis_iso(message.approximate_first_receive_timestamp),
                "visible": bool(message.visible and not message.delayed),
                "group_id": message.group_id,
                "attributes": {
                    key: value.get("string_value") if isinstance(value, dict) else value
                    for key, value in message.message_attributes.items()
                },
            }
            for message in stored[:limit]
        ]
    for row in rows:
        kind, facts = classify(str(row["body"]))
        row["kind"] = kind
        row.update({key: value for key, value in facts.items() if key != "batch"})
    return {
        "queue": name,
        "url": url,
        "arn": arn,
        "count": len(stored),
        "truncated": len(stored) > limit,
        "sources": [source for source, _url in _sources(clients, arn)],
        "messages": rows,
    }


def redrive(*, clients: Clients, name: str) -> dict[str, Any]:
    """Move a DLQ's messages back: to their source queue, or re-invoke the function of a failure record.

    SQS-parked messages go back to the queue whose RedrivePolicy parked them. A Lambda on-failure
    record of an asynchronous invocation carries the original event (`requestPayload`): redriving
    it invokes the function again, asynchronously, with that event. A stream batch's record
    carries only shard and sequence numbers, so it cannot be redriven: then nothing is moved (409).
    """
    sqs = clients.sqs()
    url = _queue_url(clients, name)
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sources = _sources(clients, arn)
    messages = _receive_all(clients, url)
    refused = [_refusal(message, sources) for message in messages]
    if any(refused):
        _release(clients, url, messages)
        details = [reason for reason in refused if reason]
        raise ConsoleError(
            409,
            "not_redrivable",
            f"{len(details)} of the {len(messages)} message(s) in {name} cannot be redriven; "
            "nothing was moved.",
            details,
        )
    requeued, reinvoked, functions = 0, 0, set()
    for message in messages:
        kind, facts = classify(message.get("Body", ""))
        if kind == ASYNC_FAILURE:
            payload = json.loads(message["Body"])["requestPayload"]
            clients.get("lambda").invoke(
                FunctionName=facts["function_arn"], InvocationType="Event", Payload=json.dumps(payload)
            )
            reinvoked += 1
            functions.add(str(facts["function_arn"]).split(":function:", 1)[-1].split(":", 1)[0])
        else:
            _send_back(clients, sources[0][1], message)
            requeued += 1
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return {
        "queue": name,
        "moved": requeued + reinvoked,
        "requeued": requeued,
        "reinvoked": reinvoked,
        "to_queue": sources[0][0] if requeued else None,
        "functions": sorted(functions),
        "how": (
            "Messages SQS parked here went back to their source queue; Lambda failure records were "
            "redriven by invoking their function again (asynchronously) with the original event."
        ),
    }


def _receive_all(clients: Clients, url: str) -> list[dict[str, Any]]:
    sqs = clients.sqs()
    received: list[dict[str, Any]] = []
    while len(received) < REDRIVE_LIMIT:
        batch = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=60,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            break
        received.extend(dict(message) for message in batch)
    return received


def _release(clients: Clients, url: str, messages: list[dict[str, Any]]) -> None:
    """Make received messages visible again at once (a refused redrive leaves the DLQ as it was)."""
    for start in range(0, len(messages), 10):
        entries = [
            {"Id": str(i), "ReceiptHandle": message["ReceiptHandle"], "VisibilityTimeout": 0}
            for i, message in enumerate(messages[start : start + 10])
        ]
        clients.sqs().change_message_visibility_batch(QueueUrl=url, Entries=entries)  # type: ignore[arg-type]


def _refusal(message: Mapping[str, Any], sources: list[tuple[str, str]]) -> dict[str, Any] | None:
    kind, facts = classify(str(message.get("Body", "")))
    reason = None
    if kind == STREAM_FAILURE:
        reason = (
            "a stream batch's on-failure record only names the shard and sequence numbers "
            f"({json.dumps(facts.get('batch'))}); the records themselves are not in it"
        )
    elif kind == MESSAGE and not sources:
        reason = "no queue has this queue as its dead-letter queue, so there is nowhere to move it back to"
    elif kind == MESSAGE and len(sources) > 1:
        names = ", ".join(source for source, _url in sources)
        reason = f"several queues park their failures here ({names}); the source of a message is unknown"
    if reason is None:
        return None
    return {"id": message.get("MessageId"), "kind": kind, "reason": reason}


def _send_back(clients: Clients, url: str, message: Mapping[str, Any]) -> None:
    request: dict[str, Any] = {"QueueUrl": url, "MessageBody": message["Body"]}
    attributes = {
        key: {k: v for k, v in value.items() if k in ("DataType", "StringValue", "BinaryValue")}
        for key, value in (message.get("MessageAttributes") or {}).items()
    }
    if attributes:
        request["MessageAttributes"] = attributes
    system = message.get("Attributes") or {}
    if url.endswith(".fifo"):
        request["MessageGroupId"] = system.get("MessageGroupId", "redrive")
        request["MessageDeduplicationId"] = message["MessageId"]
    clients.sqs().send_message(**request)


# ---------------------------------------------------------------------- Step Functions


def _iso(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return None


def _correlation_id(document: Any) -> str | None:
    """The `correlation_id` of an execution's input (top level, or in an EventBridge `detail`)."""
    try:
        value = json.loads(document) if isinstance(document, str) else document
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    found = value.get("correlation_id") or (value.get("detail") or {}).get("correlation_id")
    return str(found) if found else None


def executions(*, clients: Clients, limit: int = 50) -> list[dict[str, Any]]:
    """Every state machine's executions, newest first (the newest `limit`)."""
    sfn = clients.get("stepfunctions")
    listed: list[dict[str, Any]] = []
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page.get("stateMachines", []):
            for executions_page in sfn.get_paginator("list_executions").paginate(
                stateMachineArn=machine["stateMachineArn"]
            ):
                for execution in executions_page.get("executions", []):
                    listed.append({**execution, "machine": machine["name"]})
    listed.sort(key=lambda execution: execution["startDate"], reverse=True)
    rows = []
    for execution in listed[:limit]:
        started, stopped = execution.get("startDate"), execution.get("stopDate")
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        rows.append(
            {
                "execution_arn": execution["executionArn"],
                "name": execution["name"],
                "state_machine": execution["machine"],
                "status": execution["status"],
                "started_at": _iso(started),
                "stopped_at": _iso(stopped),
                "duration_ms": int((stopped - started).total_seconds() * 1000)
                if stopped and started
                else None,
                "correlation_id": _correlation_id(described.get("input")),
            }
        )
    return rows


def _parsed(details: Mapping[str, Any]) -> dict[str, Any]:
    shaped = dict(details)
    for key in ("input", "output", "result", "parameters"):
        if isinstance(shaped.get(key), str):
            try:
                shaped[key] = json.loads(shaped[key])
            except ValueError:
                pass
    return shaped


def execution_history(*, clients: Clients, arn: str) -> list[dict[str, Any]]:
    """An execution's events, oldest first."""
    sfn = clients.get("stepfunctions")
    try:
        pages = list(sfn.get_paginator("get_execution_history").paginate(executionArn=arn))
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code in ("ExecutionDoesNotExist", "InvalidArn"):
            raise ConsoleError(404, "execution_not_found", f"There is no execution {arn}.") from exc
        raise
    history = []
    for page in pages:
        for event in page.get("events", []):
            details: Any = next((value for key, value in event.items() if key.endswith("EventDetails")), {})
            state = details.get("name") if isinstance(details, dict) else None
            history.append(
                {
                    "id": event["id"],
                    "time": _iso(event.get("timestamp")),
                    "type": event["type"],
                    "previous_event_id": event.get("previousEventId"),
                    "message": f"{event['type']} {state}" if state else event["type"],
                    "details": _parsed(details) if isinstance(details, dict) else {},
                }
            )
    return history


def execution(*, clients: Clients, arn: str) -> dict[str, Any]:
    """One execution: its status, input and output, and its history."""
    history = execution_history(clients=clients, arn=arn)
    described = clients.get("stepfunctions").describe_execution(executionArn=arn)
    return {
        "execution_arn": arn,
        "name": described.get("name"),
        "status": described.get("status"),
        "started_at": _iso(described.get("startDate")),
        "stopped_at": _iso(described.get("stopDate")),
        "input": _parsed({"input": described.get("input")})["input"],
        "output": _parsed({"output": described.get("output")})["output"],
        "error": described.get("error"),
        "cause": described.get("cause"),
        "correlation_id": _correlation_id(described.get("input")),
        "history": history,
    }
