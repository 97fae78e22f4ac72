"""WebSocket push end to end: uvicorn's /ws, Herald's $connect/$default handlers, app.push via boto3."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from app import aws
from app.config import get_settings
from app.push import push
from app.store import Store
from localcloud.asgi import LocalOptions, create_local_app
from localcloud.cloud import EmbeddedCloud
from tests.factories import bearer, mint_access_token, new_list, registered_user
from tests.helpers import eventually
from tests.localcloud.helpers import serving


@pytest.fixture(scope="module")
def ws_base(cloud: EmbeddedCloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`ws://host:port/ws` of the local runner (on the session's cloud) served by a real uvicorn."""
    options = LocalOptions(frontend_dist=tmp_path_factory.mktemp("no-spa"))
    with serving(create_local_app(options=options, cloud=cloud)) as address:
        yield f"ws://{address}/ws"


@pytest.fixture(scope="module")
def users(cloud: EmbeddedCloud) -> dict[str, tuple[str, str]]:
    """Two confirmed accounts for the module: name -> (user id, access token)."""
    from app.main import create_app

    accounts = {}
    with TestClient(create_app(), base_url="https://testserver") as client:
        for name in ("ada", "bob"):
            _, token = registered_user(client, prefix=f"ws-{name}")
            accounts[name] = (str(client.get("/api/me", headers=bearer(token)).json()["id"]), token)
    return accounts


def _push(user_id: str, message: dict[str, str]) -> int:
    """What the stream worker does: app.push through the management API client of the settings."""
    endpoint = get_settings().websocket_management_url
    assert endpoint is not None
    return push(user_id, message, repo=Store.default().connections, api=aws.apigateway_management(endpoint))


def _refusal(url: str) -> int:
    with pytest.raises(InvalidStatus) as refused, connect(url, open_timeout=5):
        pass
    return refused.value.response.status_code


def test_the_management_url_is_the_embedded_cloud(cloud: EmbeddedCloud) -> None:
    assert get_settings().websocket_management_url == cloud.endpoint_url
    assert cloud.websocket is not None and cloud.websocket.api.logical_id == "WebSocketApi"


def test_a_push_reaches_only_the_users_own_sockets(users: dict[str, tuple[str, str]], ws_base: str) -> None:
    # Given two users, each with an open socket
    (ada_id, ada_token), (bob_id, bob_token) = users["ada"], users["bob"]
    with connect(f"{ws_base}?token={ada_token}") as ada, connect(f"{ws_base}?token={bob_token}") as bob:
        # When Herald pushes to Ada
        message = {"type": "import.progress", "id": "imp-1", "correlation_id": "ws-test"}
        delivered = _push(ada_id, message)

        # Then Ada's socket gets it, and Bob's nothing: his next frame is the answer to his ping
        assert delivered == 1
        assert json.loads(ada.recv(timeout=5)) == message
        bob.send(json.dumps({"action": "ping"}))
        assert json.loads(bob.recv(timeout=5))["type"] == "pong"
        assert Store.default().connections.for_user(bob_id) != []


def test_ping_answers_pong_and_anything_else_an_error(
    users: dict[str, tuple[str, str]], ws_base: str
) -> None:
    _, token = users["ada"]
    with connect(f"{ws_base}?token={token}") as socket:
        socket.send(json.dumps({"action": "ping"}))
        pong = json.loads(socket.recv(timeout=5))
        socket.send("hello?")
        error = json.loads(socket.recv(timeout=5))

    assert pong["type"] == "pong" and isinstance(pong["at"], int)
    assert (error["type"], error["code"]) == ("error", "unknown_action")


def test_a_missing_or_invalid_token_is_refused_at_the_handshake(ws_base: str) -> None:
    forged = mint_access_token({"sub": "someone", "client_id": "x"}, key=_other_key())

    assert _refusal(ws_base) == 401
    assert _refusal(f"{ws_base}?token=not-a-jwt") == 401
    assert _refusal(f"{ws_base}?token={forged}") == 401


def _other_key() -> object:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_closing_forgets_the_connection_and_a_gone_one_is_deleted_on_push(
    users: dict[str, tuple[str, str]], ws_base: str
) -> None:
    user_id, token = users["bob"]
    repo = Store.default().connections
    before = set(repo.for_user(user_id))  # an earlier test's socket may still be disconnecting
    with connect(f"{ws_base}?token={token}"):
        (connection_id,) = set(repo.for_user(user_id)) - before
    # $disconnect forgets it; a push now reaches nobody.
    assert eventually(lambda: repo.for_user(user_id) == [], timeout=5)
    management = aws.apigateway_management(str(get_settings().websocket_management_url))
    with pytest.raises(management.exceptions.GoneException):
        management.post_to_connection(ConnectionId=connection_id, Data=b"{}")

    # A connection whose $disconnect never ran (API Gateway may skip it) is deleted by the push.
    repo.add(user_id, connection_id)
    assert _push(user_id, {"type": "import.completed"}) == 0
    assert repo.for_user(user_id) == []


def test_log_out_closes_the_users_open_sockets_and_their_token_cannot_reconnect(
    cloud: EmbeddedCloud, ws_base: str
) -> None:
    from websockets.exceptions import ConnectionClosed

    from app.main import create_app

    with TestClient(create_app(), base_url="https://testserver") as client:
        # Given a user with two open sockets
        _, token = registered_user(client, prefix="ws-logout")
        user_id = str(client.get("/api/me", headers=bearer(token)).json()["id"])
        with connect(f"{ws_base}?token={token}") as first, connect(f"{ws_base}?token={token}") as second:
            assert len(Store.default().connections.for_user(user_id)) == 2

            # When the user logs out
            assert client.post("/api/auth/logout", headers=bearer(token)).status_code == 204

            # Then both sockets are closed by the server, and forgotten
            for socket in (first, second):
                with pytest.raises(ConnectionClosed):
                    socket.recv(timeout=5)
            assert Store.default().connections.for_user(user_id) == []

    # And the token they held can no longer open one
    assert _refusal(f"{ws_base}?token={token}") == 401


def test_an_exports_status_reaches_its_owners_socket_until_it_is_ready(
    users: dict[str, tuple[str, str]], ws_base: str
) -> None:
    from app.main import create_app

    # Given Ada with an open socket and a list of one
    _, token = users["ada"]
    owner = bearer(token)
    socket = connect(f"{ws_base}?token={token}")
    with TestClient(create_app(), base_url="https://testserver") as client, socket as ada:
        list_id = new_list(client, owner, [{"email": "p@example.com"}])

        # When she exports it
        started = client.post("/api/exports", json={"kind": "list", "id": list_id}, headers=owner)
        assert started.status_code == 202

        # Then her socket hears its status change until it is ready, with its rows and no link
        seen: list[dict[str, Any]] = []
        while not seen or seen[-1]["status"] not in ("ready", "failed"):
            message = json.loads(ada.recv(timeout=30))
            if message["type"] == "export.status" and message["id"] == started.json()["id"]:
                seen.append(message)
    assert [m["status"] for m in seen][-1] == "ready" and "running" in [m["status"] for m in seen]
    assert seen[-1]["rows"] == 1 and seen[-1]["download_url"] is None
