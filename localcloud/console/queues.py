"""The console's queues: a queue's messages read without receiving them, and redriving a DLQ."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from localcloud.clients import Clients
from localcloud.console.errors import ConsoleError
from localcloud.server import StateLock
from localcloud.services.sqs import queue_attributes

# A redrive handles at most this many messages per call (the console can call again).
REDRIVE_LIMIT = 1000

ASYNC_FAILURE = "lambda-async-failure"
STREAM_FAILURE = "stream-failure"
MESSAGE = "message"


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


def list_queues(clients: Clients) -> list[dict[str, Any]]:
    """Every queue: depth, messages in flight, and its DLQ with the DLQ's depth."""
    sqs = clients.sqs()
    urls = sqs.list_queues(MaxResults=1000).get("QueueUrls", [])
    described = [(url, queue_attributes(clients, url)) for url in urls]
    depth_by_arn = {a.get("QueueArn"): int(a.get("ApproximateNumberOfMessages", 0)) for _u, a in described}
    listed = []
    for url, attributes in described:
        dlq_arn = _dead_letter_arn(attributes.get("RedrivePolicy"))
        name = url.rsplit("/", 1)[-1]
        listed.append(
            {
                "name": name,
                "url": url,
                "arn": attributes.get("QueueArn"),
                "depth": int(attributes.get("ApproximateNumberOfMessages", 0)),
                "in_flight": int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
                "delayed": int(attributes.get("ApproximateNumberOfMessagesDelayed", 0)),
                "dlq": dlq_arn.rsplit(":", 1)[-1] if dlq_arn else None,
                "dlq_depth": depth_by_arn.get(dlq_arn) if dlq_arn else None,
                "local": name.startswith("localcloud-"),
            }
        )
    return sorted(listed, key=lambda queue: str(queue["name"]))


def _dead_letter_arn(redrive_policy: str | None) -> str | None:
    if not redrive_policy:
        return None
    try:
        return str(json.loads(redrive_policy)["deadLetterTargetArn"])
    except (ValueError, KeyError):
        return None


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
