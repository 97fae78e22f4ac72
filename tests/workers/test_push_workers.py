"""The WebSocket route handlers with API Gateway's event shapes, and the stream worker's pushes."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import aws
from app.config import get_settings
from app.db import to_attr
from app.store import Store
from localcloud.cloud import EmbeddedCloud
from tests.factories import FakeLambdaContext, registered_user
from workers import on_table_change, ws_connect, ws_default, ws_disconnect


def context() -> Any:
    return FakeLambdaContext("ws")


def ws_event(
    route: str, connection_id: str, *, query: dict[str, str] | None = None, body: str | None = None
) -> Any:
    """A WebSocket API proxy event as API Gateway sends it for `$connect`, `$disconnect` or a message."""
    kind = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route, "MESSAGE")
    now = int(time.time() * 1000)
    request_context: dict[str, Any] = {
        "routeKey": route,
        "eventType": kind,
        "extendedRequestId": uuid.uuid4().hex,
        "requestTime": "22/Nov/2026:12:00:00 +0000",
        "messageDirection": "IN",
        "stage": "dev",
        "connectedAt": now,
        "requestTimeEpoch": now,
        "identity": {"sourceIp": "203.0.113.7", "userAgent": "Mozilla/5.0"},
        "requestId": uuid.uuid4().hex,
        "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
        "connectionId": connection_id,
        "apiId": "abc123",
    }
    event: dict[str, Any] = {"requestContext": request_context, "isBase64Encoded": False}
    if kind == "CONNECT":
        event["headers"] = {
            "Host": "abc123.execute-api.us-east-1.amazonaws.com",
            "Sec-WebSocket-Version": "13",
        }
        event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
        if query is not None:
            event["queryStringParameters"] = query
            event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
    elif kind == "DISCONNECT":
        request_context.update(disconnectStatusCode=1001, disconnectReason="Going away")
    else:
        request_context["messageId"] = uuid.uuid4().hex
        event["body"] = body
    return event


def test_connect_with_a_good_token_is_200_and_remembered_until_disconnect(client: TestClient) -> None:
    _, token = registered_user(client, prefix="ws")
    connection_id = "Lx1aBcD2oAMCJ4w="
    repo = Store.default().connections

    assert ws_connect.handler(ws_event("$connect", connection_id, query={"token": token}), context()) == {
        "statusCode": 200
    }
    owner = repo.owner_of(connection_id)
    assert owner is not None and repo.for_user(owner) == [connection_id]

    assert ws_disconnect.handler(ws_event("$disconnect", connection_id), context()) == {"statusCode": 200}
    assert repo.owner_of(connection_id) is None and repo.for_user(owner) == []


@pytest.mark.parametrize("query", [None, {}, {"token": ""}, {"token": "garbage"}, {"other": "x"}])
def test_connect_without_a_valid_token_is_refused_with_401(
    cloud: EmbeddedCloud, query: dict[str, str] | None
) -> None:
    connection_id = f"refused-{uuid.uuid4().hex[:6]}="
    assert ws_connect.handler(ws_event("$connect", connection_id, query=query), context()) == {
        "statusCode": 401
    }
    assert Store.default().connections.owner_of(connection_id) is None


def test_disconnect_of_an_unknown_connection_is_fine(cloud: EmbeddedCloud) -> None:
    assert ws_disconnect.handler(ws_event("$disconnect", "never-seen="), context()) == {"statusCode": 200}


def test_default_route_answers_ping_with_pong() -> None:
    answer = ws_default.handler(ws_event("$default", "c=", body='{"action":"ping"}'), context())
    assert answer["statusCode"] == 200 and json.loads(answer["body"])["type"] == "pong"
    other = ws_default.handler(ws_event("$default", "c=", body="hello"), context())
    assert json.loads(other["body"])["code"] == "unknown_action"


# ---------------------------------------------------------------------- stream worker


def stream_modify_event(old: dict[str, Any], new: dict[str, Any], *, sequence: str) -> dict[str, Any]:
    """A DynamoDB stream MODIFY record as Lambda delivers it."""
    return {
        "Records": [
            {
                "eventID": uuid.uuid4().hex,
                "eventName": "MODIFY",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "dynamodb": {
                    "ApproximateCreationDateTime": time.time(),
                    "Keys": to_attr({"PK": new["PK"], "SK": new["SK"]}),
                    "OldImage": to_attr(old),
                    "NewImage": to_attr(new),
                    "SequenceNumber": sequence,
                    "SizeBytes": 300,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
                "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/herald-local/stream/x",
            }
        ]
    }


@pytest.fixture
def pushes(
    cloud: EmbeddedCloud, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """What the stream worker pushes, with a management URL configured."""
    sent: list[tuple[str, dict[str, Any]]] = []

    def record(user_id: str, message: dict[str, Any], **_: Any) -> int:
        sent.append((user_id, message))
        return 1

    monkeypatch.setenv("WEBSOCKET_MANAGEMENT_URL", "https://abc123.execute-api.us-east-1.amazonaws.com/dev")
    get_settings.cache_clear()
    monkeypatch.setattr(on_table_change, "push", record)
    yield sent
    monkeypatch.undo()
    get_settings.cache_clear()
    aws.clear_clients()


def _job(owner: str, **fields: Any) -> dict[str, Any]:
    return {
        "PK": f"OWNER#{owner}",
        "SK": "IMPORT#imp1",
        "type": "import",
        "owner_id": owner,
        "import_id": "imp1",
        "list_id": "list1",
        "status": "processing",
        "rows_total": 5000,
        "rows_done": 0,
        "created_at": "2026-11-22T12:00:00+00:00",
        "correlation_id": "corr-push",
        **fields,
    }


def test_the_stream_worker_pushes_progress_then_completion_to_the_owner(
    pushes: list[tuple[str, dict[str, Any]]],
) -> None:
    owner = str(uuid.uuid4())
    started, halfway = _job(owner), _job(owner, rows_done=2500, created=2490, errors=10)
    done = _job(
        owner, rows_done=5000, created=4980, errors=20, status="completed", report_key="reports/x.csv"
    )

    assert on_table_change.handler(stream_modify_event(started, halfway, sequence="1"), context()) == {
        "batchItemFailures": []
    }
    on_table_change.handler(stream_modify_event(halfway, done, sequence="2"), context())

    mine = [message for user, message in pushes if user == owner]  # not other tests' changes
    assert [message["type"] for message in mine] == ["import.progress", "import.completed"]
    assert mine[0]["rows_done"] == 2500 and mine[0]["errors"] == 10
    assert mine[1]["status"] == "completed" and mine[1]["report_available"] is True


def test_without_a_management_url_nothing_is_pushed(
    cloud: EmbeddedCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[Any] = []

    def record(*args: Any, **kwargs: Any) -> int:
        sent.append((args, kwargs))
        return 1

    monkeypatch.setattr(on_table_change, "push", record)
    monkeypatch.delenv("WEBSOCKET_MANAGEMENT_URL", raising=False)
    get_settings.cache_clear()
    try:
        owner = str(uuid.uuid4())
        event = stream_modify_event(_job(owner), _job(owner, rows_done=10), sequence="3")
        assert on_table_change.handler(event, context()) == {"batchItemFailures": []}
    finally:
        get_settings.cache_clear()
    assert sent == []


def _campaign(owner: str, **fields: Any) -> dict[str, Any]:
    return {
        "PK": f"OWNER#{owner}",
        "SK": "CAMPAIGN#c1",
        "type": "campaign",
        "owner_id": owner,
        "campaign_id": "c1",
        "status": "sending",
        "recipients": 300,
        "sent": 0,
        **fields,
    }


def test_one_stream_batch_pushes_a_campaigns_progress_once_with_its_latest_counters(
    pushes: list[tuple[str, dict[str, Any]]],
) -> None:
    # Given three changes of one campaign's counters read in one stream batch
    owner = str(uuid.uuid4())
    steps = [_campaign(owner, sent=n) for n in (0, 50, 100, 150)]
    records = [
        stream_modify_event(old, new, sequence=str(i))["Records"][0]
        for i, (old, new) in enumerate(zip(steps, steps[1:], strict=False))
    ]

    # When the worker handles the batch
    assert on_table_change.handler({"Records": records}, context()) == {"batchItemFailures": []}

    # Then the owner gets one progress message, with the counters of the last change
    # (the cloud's own stream worker may push other tests' changes meanwhile: only this owner's count)
    assert [(message["type"], message["sent"]) for user, message in pushes if user == owner] == [
        ("campaign.progress", 150)
    ]


def test_status_changes_are_each_pushed_even_when_one_batch_holds_several(
    pushes: list[tuple[str, dict[str, Any]]],
) -> None:
    owner = str(uuid.uuid4())
    queued, sending = _campaign(owner, status="queued"), _campaign(owner, status="sending")
    sent = _campaign(owner, status="sent", sent=300)
    records = [
        stream_modify_event(queued, sending, sequence="1")["Records"][0],
        stream_modify_event(sending, sent, sequence="2")["Records"][0],
    ]

    on_table_change.handler({"Records": records}, context())

    assert [(m["type"], m["status"]) for user, m in pushes if user == owner] == [
        ("campaign.status", "sending"),
        ("campaign.status", "sent"),
        ("campaign.progress", "sent"),
    ]
