"""The HTTP edge of every request: the correlation id a client may choose, and errors' headers."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from app.api.correlation import loggable_path, well_formed
from app.main import create_app
from tests.helpers import LogCapture

HOSTILE_IDS = [
    "short",
    "x" * 65,
    "ok-but with space",
    "evil\r\nBcc: victim@example.com",
    '"><script>alert(1)</script>',
    "ada@example.com-000",
    "caf\u00e9-correlation",
]


@pytest.fixture
def edge_client() -> TestClient:
    return TestClient(create_app(), base_url="https://testserver")


@pytest.mark.parametrize("chosen", ["a1b2c3d4", str(uuid.uuid4()), "trace:2026-11-22.run_7", "x" * 64])
def test_a_well_formed_client_id_is_kept(edge_client: TestClient, chosen: str) -> None:
    response = edge_client.get("/api/health", headers={"X-Correlation-Id": chosen})
    assert response.headers["x-correlation-id"] == chosen


@pytest.mark.parametrize("chosen", HOSTILE_IDS)
def test_any_other_client_id_is_replaced_by_a_fresh_one(
    edge_client: TestClient, herald_logs: LogCapture, chosen: str
) -> None:
    # When a client sends an id that is too short, too long, or carries markup, spaces or an address
    response = edge_client.get("/api/health", headers={b"X-Correlation-Id": chosen.encode()})

    # Then the request gets an id of Herald's own, and no log line carries the client's
    minted = response.headers["x-correlation-id"]
    assert minted != chosen and uuid.UUID(minted)
    assert all(line.get("correlation_id") in (None, minted) for line in herald_logs.lines)


def test_well_formed_accepts_only_plain_tokens_of_8_to_64_characters() -> None:
    assert well_formed("abcd1234") and well_formed("A.b_c:d-9" * 7)
    assert not any(well_formed(candidate) for candidate in HOSTILE_IDS)


def test_the_request_log_line_shows_no_email_address_in_the_path(
    edge_client: TestClient, herald_logs: LogCapture
) -> None:
    edge_client.get("/api/lists/l1/subscribers/ada%40example.com")  # 401: no token, but logged

    (line,) = herald_logs.with_message("request")
    assert line["path"] == "/api/lists/l1/subscribers/{email}"
    assert loggable_path("/api/suppression/bob@example.com") == "/api/suppression/{email}"


def test_a_method_a_route_does_not_allow_is_405_with_the_allow_header(edge_client: TestClient) -> None:
    response = edge_client.put("/api/health")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_the_allow_header_names_every_method_of_a_path_served_by_several_routes(
    edge_client: TestClient,
) -> None:
    # /api/me has a route for GET and one for PATCH; /api/lists/{id} for GET, PATCH and DELETE
    me = edge_client.put("/api/me")
    one_list = edge_client.options("/api/lists/some-list")

    assert (me.status_code, me.headers["allow"]) == (405, "GET, PATCH")
    assert (one_list.status_code, one_list.headers["allow"]) == (405, "DELETE, GET, PATCH")


def test_log_out_is_documented_as_taking_a_bearer_token_or_none() -> None:
    operation = create_app().openapi()["paths"]["/api/auth/logout"]["post"]
    assert {} in operation["security"] and {"HTTPBearer": []} in operation["security"]
