"""Toy handlers for the toy template: they record what they get and fail on request."""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

RECEIVED: defaultdict[str, list[Any]] = defaultdict(list)
_LOCK = threading.Lock()
_FLAKY_SEEN: set[str] = set()


def received(kind: str) -> list[Any]:
    """A copy of what handlers of `kind` received so far."""
    with _LOCK:
        return list(RECEIVED[kind])


def _record(kind: str, event: Any) -> None:
    with _LOCK:
        RECEIVED[kind].append(event)


def _mode(record: dict[str, Any]) -> str | None:
    value = record["dynamodb"].get("NewImage", {}).get("mode", {}).get("S")
    return None if value is None else str(value)


def on_stream(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Stream: `poison` fails the batch; `flaky` is reported failed the first time only."""
    del context
    _record("stream", event)
    if any(_mode(record) == "poison" for record in event["Records"]):
        raise ValueError("poison record")
    failures = []
    for record in event["Records"]:
        sequence_number = record["dynamodb"]["SequenceNumber"]
        if _mode(record) == "flaky" and sequence_number not in _FLAKY_SEEN:
            _FLAKY_SEEN.add(sequence_number)
            failures.append({"itemIdentifier": sequence_number})
    return {"batchItemFailures": failures}


def on_queue(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS: a message whose body is `fail` is reported failed, every time."""
    del context
    _record("queue", event)
    failures = [
        {"itemIdentifier": record["messageId"]} for record in event["Records"] if record["body"] == "fail"
    ]
    return {"batchItemFailures": failures}


def on_rule(event: dict[str, Any], context: Any) -> None:
    """EventBridge: raises when the detail says `fail`."""
    del context
    _record("rule", event)
    if event["detail"].get("fail"):
        raise RuntimeError(f"refusing {event['detail'].get('id')}")


def on_upload(event: dict[str, Any], context: Any) -> None:
    """S3: records the notification."""
    del context
    _record("upload", event)


def on_confirmed(event: dict[str, Any], context: Any) -> Any:
    """PostConfirmation: returns the event; `explode...` raises, `none...` returns None."""
    del context
    _record("confirmed", event)
    email = str(event["request"]["userAttributes"].get("email", ""))
    if email.startswith("explode"):
        raise RuntimeError("profile store unavailable")
    if email.startswith("none"):
        return None
    return event


def on_pre_sign_up(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """PreSignUp: refuses @blocked.test, auto-confirms and verifies @auto.test."""
    del context
    _record("pre_sign_up", event)
    email = str(event["request"]["userAttributes"].get("email", event["userName"]))
    if email.endswith("@blocked.test"):
        raise ValueError("this domain may not sign up")
    if email.endswith("@auto.test"):
        event["response"]["autoConfirmUser"] = True
        event["response"]["autoVerifyEmail"] = True
    return event


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Returns what it got and what the context says; raises when asked to; calls DynamoDB when asked."""
    _record("echo", event)
    if event.get("raise"):
        raise KeyError("boom")
    if event.get("describe_table"):
        import boto3

        client = boto3.session.Session().client(
            "dynamodb",
            endpoint_url=event["endpoint_url"],
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        client.describe_table(TableName=event["describe_table"])
    return {
        "echo": event,
        "function_name": context.function_name,
        "memory": context.memory_limit_in_mb,
        "arn": context.invoked_function_arn,
        "remaining_ok": context.get_remaining_time_in_millis() > 0,
        "log_group": context.log_group_name,
    }
