"""Helpers for the embedded cloud's own tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import boto3
from botocore.exceptions import ClientError

from localcloud.cloud import EmbeddedCloud

T = TypeVar("T")


def answer_of(call: Callable[[], Any]) -> Any:
    """A boto3 call's response without its metadata, or its error's code and message (and the
    item a failed condition returned): what two runs of the same requests are compared on."""
    try:
        response = dict(call())
    except ClientError as exc:
        error = exc.response["Error"]
        return {"error": error.get("Code"), "message": error.get("Message"), "item": exc.response.get("Item")}
    response.pop("ResponseMetadata", None)
    return response


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


def signed_in(cloud: EmbeddedCloud, client_id: str, email: str, password: str) -> str:
    """The access token of a user signed up, confirmed and logged in through `client_id` now."""
    cognito = aws(cloud, "cognito-idp")
    cognito.sign_up(ClientId=client_id, Username=email, Password=password)
    cognito.confirm_sign_up(ClientId=client_id, Username=email, ConfirmationCode="123456")
    result = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )["AuthenticationResult"]
    return str(result["AccessToken"])


def fresh_client(cloud: EmbeddedCloud, service: str, *, attempts: int | None = None) -> Any:
    """A client of a session made now: the cloud is running, so it answers in-process."""
    from botocore.config import Config

    config = Config(retries={"mode": "standard", "total_max_attempts": attempts}) if attempts else None
    return boto3.session.Session().client(
        service,  # type: ignore[call-overload]
        endpoint_url=cloud.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=config,
    )


def eventually(check: Callable[[], T], timeout: float = 10.0) -> T:
    """Poll `check` until it returns something truthy (or the timeout passes)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def resource(cloud: EmbeddedCloud, logical_id: str) -> dict[str, Any]:
    """One entry of `cloud.console.resources()`."""
    return next(entry for entry in cloud.console.resources() if entry["logical_id"] == logical_id)


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


@contextmanager
def serving(app: Any, timeout: float = 10.0) -> Iterator[str]:
    """`app` on a real uvicorn in a thread of this process; yields `host:port`."""
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", ws="websockets-sansio")
    )
    thread = threading.Thread(target=server.run, name="test-uvicorn", daemon=True)
    thread.start()
    try:
        if not eventually(lambda: server.started, timeout=timeout):
            raise RuntimeError("uvicorn did not start")
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
