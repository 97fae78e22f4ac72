"""WebSocket push: connections per user in the table, messages through the management API."""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from fastapi.testclient import TestClient

from app import aws
from app.auth.revocation import RevocationRepository
from app.config import get_settings
from app.errors import NotAuthenticated
from app.push import ConnectionRepository, ManagementApi, close_all, connect, disconnect, push, reply
from app.store import Store
from localcloud.cloud import EmbeddedCloud
from tests.factories import cloud_signing_key, mint_access_token, registered_user

if TYPE_CHECKING:
    from mypy_boto3_apigatewaymanagementapi import ApiGatewayManagementApiClient

    def _the_real_client_fits_the_protocol(client: ApiGatewayManagementApiClient) -> ManagementApi:
        return client  # mypy checks this: the fake below and boto3's client share one interface


class FakeManagementApi:
    """Records what each connection was sent; some connections are gone, some fail otherwise."""

    def __init__(self, *, gone: frozenset[str] = frozenset(), failing: frozenset[str] = frozenset()) -> None:
        self.gone = gone
        self.failing = failing
        self.sent: dict[str, list[Any]] = defaultdict(list)

        self.closed: list[str] = []

    def _fail_if_told(self, connection_id: str, operation: str) -> None:
        for ids, code, status in (
            (self.gone, "GoneException", 410),
            (self.failing, "LimitExceededException", 429),
        ):
            if connection_id in ids:
                error = {
                    "Error": {"Code": code, "Message": code},
                    "ResponseMetadata": {"HTTPStatusCode": status},
                }
                raise ClientError(error, operation)  # type: ignore[arg-type]

    def post_to_connection(self, *, Data: bytes, ConnectionId: str) -> object:  # boto3's names
        self._fail_if_told(ConnectionId, "PostToConnection")
        self.sent[ConnectionId].append(json.loads(Data))
        return {}

    def delete_connection(self, *, ConnectionId: str) -> object:
        self._fail_if_told(ConnectionId, "DeleteConnection")
        self.closed.append(ConnectionId)
        return {}


FAKE: ManagementApi = FakeManagementApi()  # checked against the Protocol by mypy


@pytest.fixture
def connections(cloud: EmbeddedCloud) -> ConnectionRepository:
    return Store.default().connections


def _user() -> str:
    return str(uuid.uuid4())


def _revocations(connections: ConnectionRepository) -> RevocationRepository:
    return RevocationRepository(connections.table)


def test_push_reaches_every_connection_of_the_user_and_no_one_else(connections: ConnectionRepository) -> None:
    # Given Ada on two tabs and Bob on one
    ada, bob = _user(), _user()
    connections.add(ada, "ada-1")
    connections.add(ada, "ada-2")
    connections.add(bob, "bob-1")
    api = FakeManagementApi()
    message = {"type": "import.progress", "id": "i1", "rows_done": 10, "rows_total": 100}

    # When a message is pushed to Ada
    delivered = push(ada, message, repo=connections, api=api)

    # Then both of her sockets got the JSON, and Bob's got nothing
    assert delivered == 2
    assert api.sent == {"ada-1": [message], "ada-2": [message]}


def test_a_gone_connection_is_forgotten_and_a_failing_one_kept(connections: ConnectionRepository) -> None:
    user = _user()
    for connection_id in ("live", "closed", "throttled"):
        connections.add(user, connection_id)
    api = FakeManagementApi(gone=frozenset({"closed"}), failing=frozenset({"throttled"}))

    delivered = push(user, {"type": "import.completed"}, repo=connections, api=api)

    assert delivered == 1 and list(api.sent) == ["live"]
    assert sorted(connections.for_user(user)) == ["live", "throttled"]


def test_expired_connections_are_not_pushed_to(connections: ConnectionRepository) -> None:
    user = _user()
    connections.add(user, "old", now=time.time() - 3 * 3600)
    connections.add(user, "new")
    api = FakeManagementApi()
    assert push(user, {"type": "x"}, repo=connections, api=api) == 1 and list(api.sent) == ["new"]


def test_the_real_client_sends_the_message_bytes_and_gone_removes_the_connection(
    connections: ConnectionRepository,
) -> None:
    # Given boto3's own management client, with its wire calls stubbed
    client = aws.apigateway_management("https://abc123.execute-api.us-east-1.amazonaws.com/dev")
    user = _user()
    connections.add(user, "c-ok")
    connections.add(user, "c-gone")
    body = {"type": "import.progress", "rows_done": 1}
    with Stubber(client) as stub:
        for connection_id in sorted(connections.for_user(user)):
            if connection_id == "c-gone":
                stub.add_client_error(
                    "post_to_connection", service_error_code="GoneException", http_status_code=410
                )
            else:
                expected = {
                    "Data": json.dumps(body, separators=(",", ":")).encode(),
                    "ConnectionId": connection_id,
                }
                stub.add_response("post_to_connection", {}, expected)

        # When a message is pushed
        delivered = push(user, body, repo=connections, api=client)

        # Then the parameters matched the service model, and the gone connection was deleted
        stub.assert_no_pending_responses()
    assert delivered == 1 and connections.for_user(user) == ["c-ok"]


def test_connect_stores_an_authorised_connection_and_disconnect_forgets_it(
    client: TestClient, connections: ConnectionRepository
) -> None:
    _, token = registered_user(client, prefix="ws")
    connection_id = f"conn-{uuid.uuid4().hex[:8]}="

    user = connect(
        token, connection_id, repo=connections, revocations=_revocations(connections), settings=get_settings()
    )

    assert connections.for_user(user.user_id) == [connection_id]
    assert connections.owner_of(connection_id) == user.user_id
    assert disconnect(connection_id, repo=connections) is True
    assert connections.for_user(user.user_id) == []
    assert disconnect(connection_id, repo=connections) is False


@pytest.mark.parametrize("token", [None, "", "not-a-jwt", "expired"])
def test_connect_without_a_valid_token_is_refused_and_stores_nothing(
    cloud: EmbeddedCloud, connections: ConnectionRepository, token: str | None
) -> None:
    settings = get_settings()
    if token == "expired":
        claims = {"sub": _user(), "iss": settings.cognito_issuer, "client_id": settings.user_pool_client_id}
        token = mint_access_token({**claims, "exp": int(time.time()) - 10}, key=cloud_signing_key(cloud))
    connection_id = f"conn-{uuid.uuid4().hex[:8]}"
    with pytest.raises(NotAuthenticated):
        connect(
            token, connection_id, repo=connections, revocations=_revocations(connections), settings=settings
        )
    assert connections.owner_of(connection_id) is None


def test_connect_with_a_token_revoked_by_a_log_out_is_refused_and_stores_nothing(
    client: TestClient, connections: ConnectionRepository
) -> None:
    # Given a user who logged out after their token was issued
    _, token = registered_user(client, prefix="ws")
    user_id = str(client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()["id"])
    _revocations(connections).revoke(user_id, session=None, now=time.time() + 1)
    connection_id = f"conn-{uuid.uuid4().hex[:8]}"

    # When a socket connects with that token, then it is refused and nothing is stored
    with pytest.raises(NotAuthenticated) as refused:
        connect(
            token,
            connection_id,
            repo=connections,
            revocations=_revocations(connections),
            settings=get_settings(),
        )
    assert refused.value.code == "token_revoked"
    assert connections.owner_of(connection_id) is None


def test_close_all_closes_every_socket_of_the_user_and_forgets_it(
    connections: ConnectionRepository,
) -> None:
    # Given Ada on three tabs (one already gone, one the API fails to close) and Bob on one
    ada, bob = _user(), _user()
    for connection_id in ("ada-1", "ada-gone", "ada-stuck"):
        connections.add(ada, connection_id)
    connections.add(bob, "bob-1")
    api = FakeManagementApi(gone=frozenset({"ada-gone"}), failing=frozenset({"ada-stuck"}))

    # When Ada's sockets are closed (her log-out)
    closed = close_all(ada, repo=connections, api=api)

    # Then the open one was closed, the gone one forgotten, the failing one kept; Bob's untouched
    assert closed == 1 and api.closed == ["ada-1"]
    assert connections.for_user(ada) == ["ada-stuck"]
    assert connections.for_user(bob) == ["bob-1"]


@pytest.mark.parametrize(
    ("body", "kind"),
    [('{"action":"ping"}', "pong"), ('{"action":"dance"}', "error"), ("not json", "error"), (None, "error")],
)
def test_reply_answers_ping_with_pong_and_anything_else_with_an_error(body: str | None, kind: str) -> None:
    answer = reply(body)
    assert answer["type"] == kind
    if kind == "error":
        assert answer["code"] == "unknown_action"
