"""The WebSocket bridge: the template's routes with API Gateway's events; @connections from the cloud."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, MutableMapping
from typing import Any

import pytest
from anyio.from_thread import start_blocking_portal
from botocore.exceptions import ClientError
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from localcloud.cloud import EmbeddedCloud
from localcloud.services.apigateway.bridge import WebSocketBridge
from tests.localcloud.helpers import aws, eventually, resource
from tests.localcloud.web_toys import received

CONNECTION_ID = re.compile(r"^[A-Za-z0-9]{15}=$")


@pytest.fixture
def bridge(web_cloud: EmbeddedCloud) -> WebSocketBridge:
    """The web stack's WebSocket API."""
    assert web_cloud.websocket is not None
    return web_cloud.websocket


@pytest.fixture
def client(bridge: WebSocketBridge) -> Iterator[TestClient]:
    """A bare ASGI app that serves the bridge at /ws (as the local runner does)."""
    with TestClient(Starlette(routes=[WebSocketRoute("/ws", bridge.serve)])) as test_client:
        yield test_client


def _id(event: dict[str, Any]) -> str:
    return str(event["requestContext"]["connectionId"])


def _last_connect_id(token: str) -> str:
    return next(_id(e) for e in reversed(received("connect")) if e["queryStringParameters"]["token"] == token)


def _last(kind: str, connection_id: str) -> dict[str, Any]:
    return next(e for e in reversed(received(kind)) if _id(e) == connection_id)


def test_routes_integrations_and_the_management_url_come_from_the_template(web_cloud: EmbeddedCloud) -> None:
    api = web_cloud.websocket.api if web_cloud.websocket else None

    assert api is not None and api.logical_id == "Socket"
    assert {key: (route.function.logical_id, route.two_way) for key, route in api.routes.items()} == {
        "$connect": ("ConnectFunction", False),
        "$disconnect": ("DisconnectFunction", False),
        "$default": ("DefaultFunction", True),
        "echo-back": ("EchoBackFunction", False),
    }
    assert (api.stage, api.selection_expression) == ("web", "$request.body.action")
    assert resource(web_cloud, "Socket")["physical_id"] == api.api_id
    assert resource(web_cloud, "DefaultRoute")["detail"] == "$default -> DefaultFunction"
    # The function variable `https://<api>.execute-api.../web` is the cloud's endpoint locally.
    assert web_cloud.environment["WEBTOY_MANAGEMENT_URL"] == web_cloud.endpoint_url


def test_connect_receives_api_gateways_event_and_a_refusal_refuses_the_handshake(
    client: TestClient, bridge: WebSocketBridge
) -> None:
    with client.websocket_connect("/ws?token=good-ada", headers={"user-agent": "pytest"}) as socket:
        connection_id = _last_connect_id("good-ada")
        assert connection_id in bridge.connection_ids()
        socket.send_text("{}")
        socket.receive_text()

    event = _last("connect", connection_id)
    context = event["requestContext"]
    assert CONNECTION_ID.match(connection_id)
    assert (context["routeKey"], context["eventType"]) == ("$connect", "CONNECT")
    assert context["messageDirection"] == "IN"
    assert (context["stage"], context["apiId"]) == ("web", bridge.api.api_id)
    assert context["identity"] == {"userAgent": "pytest", "sourceIp": "testclient"}
    assert context["requestTimeEpoch"] >= context["connectedAt"] > 1_600_000_000_000
    assert CONNECTION_ID.match(context["requestId"]) and context["domainName"] == "testserver"
    assert event["queryStringParameters"] == {"token": "good-ada"}
    assert event["multiValueQueryStringParameters"] == {"token": ["good-ada"]}
    assert event["headers"]["user-agent"] == "pytest" and event["isBase64Encoded"] is False

    for token, status in (("nope", 401), ("explode", 500)):
        with pytest.raises(WebSocketDenialResponse) as refused:
            client.websocket_connect(f"/ws?token={token}").__enter__()
        assert refused.value.status_code == status


def test_frames_run_the_selected_route_and_a_two_way_route_answers(client: TestClient) -> None:
    with client.websocket_connect("/ws?token=good-bob") as socket:
        socket.send_text(json.dumps({"action": "ping"}))
        pong = json.loads(socket.receive_text())
        socket.send_text("not json")
        plain = json.loads(socket.receive_text())
        socket.send_bytes(b"\x00\x01")
        binary = json.loads(socket.receive_text())
        socket.send_text("explode")
        failure = json.loads(socket.receive_text())

    assert pong == {"echo": '{"action": "ping"}', "route": "$default"}
    assert plain == {"echo": "not json", "route": "$default"}
    assert binary == {"echo": "AAE=", "route": "$default"}  # base64, with isBase64Encoded
    assert failure["message"] == "Internal server error" and CONNECTION_ID.match(failure["connectionId"])
    message = next(e for e in reversed(received("default")) if e.get("body") == "not json")
    assert message["requestContext"]["eventType"] == "MESSAGE"
    assert message["requestContext"]["routeKey"] == "$default"
    assert CONNECTION_ID.match(message["requestContext"]["messageId"])
    assert message["isBase64Encoded"] is False


def test_a_route_that_pushes_to_its_own_socket_does_not_wait_on_its_own_loop(
    client: TestClient, web_cloud: EmbeddedCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBTOY_MANAGEMENT_URL", web_cloud.environment["WEBTOY_MANAGEMENT_URL"])

    with client.websocket_connect("/ws?token=good-cy") as socket:
        socket.send_text(json.dumps({"action": "echo-back", "text": "hello"}))
        pushed = json.loads(socket.receive_text())
        socket.send_text(json.dumps({"action": "ping"}))
        after = json.loads(socket.receive_text())

    assert pushed == {"pushed": "hello"}
    # One-way route: its return value never reaches the socket, so the next frame is the pong.
    assert after["route"] == "$default"


def test_the_management_api_posts_describes_and_deletes(
    client: TestClient, bridge: WebSocketBridge, web_cloud: EmbeddedCloud
) -> None:
    management = aws(web_cloud, "apigatewaymanagementapi")
    with client.websocket_connect("/ws?token=good-dee") as socket:
        connection_id = _last_connect_id("good-dee")

        management.post_to_connection(ConnectionId=connection_id, Data=b'{"type":"hello"}')
        assert socket.receive_text() == '{"type":"hello"}'
        described = management.get_connection(ConnectionId=connection_id)
        with pytest.raises(ClientError) as too_large:
            management.post_to_connection(ConnectionId=connection_id, Data=b"x" * (128 * 1024 + 1))

        management.delete_connection(ConnectionId=connection_id)
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_text()

    assert described["Identity"]["SourceIp"] == "testclient"
    assert described["ConnectedAt"] <= described["LastActiveAt"]
    assert too_large.value.response["Error"]["Code"] == "PayloadTooLargeException"
    assert closed.value.code == 1000
    disconnect = eventually(lambda: [e for e in received("disconnect") if _id(e) == connection_id])[0]
    assert disconnect["requestContext"]["eventType"] == "DISCONNECT"
    assert disconnect["requestContext"]["disconnectStatusCode"] == 1000
    assert connection_id not in bridge.connection_ids()
    with pytest.raises(management.exceptions.GoneException):
        management.post_to_connection(ConnectionId=connection_id, Data=b"late")
    with pytest.raises(management.exceptions.GoneException):
        management.delete_connection(ConnectionId=connection_id)


def test_a_client_close_runs_disconnect_with_its_code(client: TestClient, web_cloud: EmbeddedCloud) -> None:
    with client.websocket_connect("/ws?token=good-eve") as socket:
        connection_id = _last_connect_id("good-eve")
        socket.close(code=4001)

    disconnect = eventually(lambda: [e for e in received("disconnect") if _id(e) == connection_id])
    assert disconnect and disconnect[0]["requestContext"]["disconnectStatusCode"] == 4001
    with pytest.raises(ClientError) as gone:
        aws(web_cloud, "apigatewaymanagementapi").post_to_connection(ConnectionId=connection_id, Data=b"x")
    assert gone.value.response["Error"]["Code"] == "GoneException"


def test_without_the_denial_extension_a_refusal_closes_with_1008(bridge: WebSocketBridge) -> None:
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "websocket",
        "path": "/ws",
        "query_string": b"token=nope",
        "headers": [],
        "client": ("1.2.3.4", 9),
    }
    # In a thread of its own: a loop run in the main thread would replace (and orphan) the one
    # Mangum created there when app.main was imported.
    with start_blocking_portal() as portal:
        portal.call(bridge.serve, WebSocket(scope, receive, send))

    assert [(m["type"], m.get("code")) for m in sent] == [("websocket.close", 1008)]
    assert received("connect")[-1]["requestContext"]["identity"]["sourceIp"] == "1.2.3.4"
