"""Toy handlers for the web template: WebSocket routes, and feeders that fail until healed."""

from __future__ import annotations

import json
import os
import threading
from collections import defaultdict
from typing import Any

import boto3
from aws_lambda_powertools import Logger

logger = Logger(service="webtoy")
RECEIVED: defaultdict[str, list[Any]] = defaultdict(list)
_HEALED: set[str] = set()
_LOCK = threading.Lock()


def received(kind: str) -> list[Any]:
    """A copy of what handlers of `kind` received so far."""
    with _LOCK:
        return list(RECEIVED[kind])


def heal(marker: str) -> None:
    """From now on the handlers accept what carries `marker` (a fix was deployed)."""
    with _LOCK:
        _HEALED.add(marker)


def _record(kind: str, event: Any) -> None:
    with _LOCK:
        RECEIVED[kind].append(event)


def _healed(marker: str) -> bool:
    with _LOCK:
        return marker in _HEALED


def on_connect(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """$connect: `good...` tokens are welcome, `explode` raises, anything else is 401."""
    del context
    _record("connect", event)
    token = (event.get("queryStringParameters") or {}).get("token", "")
    if token == "explode":
        raise RuntimeError("the identity provider is down")
    return {"statusCode": 200 if token.startswith("good") else 401}


def on_disconnect(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """$disconnect: recorded."""
    del context
    _record("disconnect", event)
    return {"statusCode": 200}


def on_default(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """$default: answers what it got (two-way route); `explode` raises."""
    del context
    _record("default", event)
    if event.get("body") == "explode":
        raise ValueError("cannot answer that")
    reply = {"echo": event.get("body"), "route": event["requestContext"]["routeKey"]}
    return {"statusCode": 200, "body": json.dumps(reply)}


def on_echo_back(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """`echo-back` (one-way): pushes the message to its own socket through the management API."""
    del context
    _record("echo_back", event)
    client = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=os.environ["WEBTOY_MANAGEMENT_URL"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    message = json.loads(event["body"])
    client.post_to_connection(
        ConnectionId=event["requestContext"]["connectionId"],
        Data=json.dumps({"pushed": message["text"]}).encode(),
    )
    return {"statusCode": 200, "body": "never sent: the route has no route response"}


def on_work(event: dict[str, Any], context: Any) -> None:
    """SQS: a body starting with `fail` fails until healed."""
    del context
    for record in event["Records"]:
        body = record["body"]
        if body.startswith("fail") and not _healed(body):
            raise RuntimeError(f"cannot work on {body}")
        _record("work", body)


def on_happened(event: dict[str, Any], context: Any) -> None:
    """EventBridge: logs under the event's correlation id; `fail` fails until healed."""
    del context
    detail = event["detail"]
    logger.thread_safe_append_keys(correlation_id=detail.get("correlation_id"))
    try:
        if detail.get("fail") and not _healed(str(detail.get("id"))):
            raise RuntimeError(f"refusing {detail.get('id')}")
        _record("happened", event)
        logger.info("happened handled", extra={"happening": detail.get("id")})
    finally:
        logger.thread_safe_remove_keys(["correlation_id"])
