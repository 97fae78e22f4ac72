"""Helpers for the embedded cloud's own tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import boto3

from localcloud.cloud import EmbeddedCloud

T = TypeVar("T")


_SESSION = boto3.session.Session()
_CLIENTS: dict[tuple[str, str], Any] = {}


def aws(cloud: EmbeddedCloud, service: str) -> Any:
    """A boto3 client for `service` talking to `cloud` (cached: clients are slow to make)."""
    key = (cloud.endpoint_url, service)
    if key not in _CLIENTS:
        _CLIENTS[key] = _SESSION.client(
            service,  # type: ignore[call-overload]
            endpoint_url=cloud.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
    return _CLIENTS[key]


def eventually(check: Callable[[], T], timeout: float = 10.0) -> T:
    """Poll `check` until it returns something truthy (or the timeout passes)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def resource(cloud: EmbeddedCloud, logical_id: str) -> dict[str, Any]:
    """One entry of `cloud.resources()`."""
    return next(entry for entry in cloud.resources() if entry["logical_id"] == logical_id)


def drain(cloud: EmbeddedCloud, queue_url: str) -> list[dict[str, Any]]:
    """Every message waiting in a queue (received and deleted)."""
    sqs = aws(cloud, "sqs")
    messages: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return messages
        for message in batch:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        messages.extend(batch)
