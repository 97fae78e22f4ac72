"""The local runner puts the template's HTTP API authorizer in front of private routes, as AWS does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import get_settings
from localcloud.asgi import LocalOptions, create_local_app
from localcloud.cloud import EmbeddedCloud
from tests.factories import bearer, cloud_signing_key, mint_access_token, registered_user


@pytest.fixture
def runner(cloud: EmbeddedCloud, tmp_path: Path) -> Iterator[TestClient]:
    """The local runner's app over the session's cloud (no SPA build)."""
    app = create_local_app(cloud=cloud, options=LocalOptions(frontend_dist=tmp_path))
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def test_routes_are_chosen_as_api_gateway_chooses_them(cloud: EmbeddedCloud) -> None:
    def key(method: str, path: str) -> str | None:
        route = cloud.http_route(method, path)
        return route.key if route else None

    assert key("POST", "/api/auth/login") == "ANY /api/auth/{proxy+}"
    assert key("GET", "/api/public/subscribe/f1") == "ANY /api/public/subscribe/{form_id}"
    assert key("GET", "/api/health") == "GET /api/health"
    assert key("GET", "/api/lists/abc/subscribers") == "ANY /api/{proxy+}"
    assert key("GET", "/config.json") is None  # CloudFront's, not the API's
    private = cloud.http_route("DELETE", "/api/keys/abc")
    assert private is not None and private.authorizer is not None
    assert private.authorizer.function == "AuthorizerFunction"
    assert private.authorizer.header == "authorization"
    public = cloud.http_route("POST", "/api/auth/signup")
    assert public is not None and public.authorizer is None


def test_an_anonymous_or_forged_call_stops_before_the_app(runner: TestClient, cloud: EmbeddedCloud) -> None:
    settings = get_settings()
    forged_claims = {"sub": "x", "iss": settings.cognito_issuer, "client_id": "someone-else"}
    forged = mint_access_token(forged_claims, key=cloud_signing_key(cloud))

    anonymous = runner.get("/api/lists")
    garbage = runner.get("/api/lists", headers=bearer("hrd_0123456789ab_" + "A" * 43))
    other_client = runner.get("/api/lists", headers=bearer(forged))

    # API Gateway's own answers, not the app's {"error": ...}
    assert (anonymous.status_code, anonymous.json()) == (401, {"message": "Unauthorized"})
    assert (garbage.status_code, garbage.json()) == (403, {"message": "Forbidden"})
    assert (other_client.status_code, other_client.json()) == (403, {"message": "Forbidden"})


def test_public_routes_and_valid_credentials_reach_the_app(runner: TestClient, cloud: EmbeddedCloud) -> None:
    _, token = registered_user(runner, prefix="gate")  # /api/auth/* has no authorizer
    settings = get_settings()
    expired_claims = {
        "sub": "x",
        "iss": settings.cognito_issuer,
        "client_id": settings.user_pool_client_id,
        "iat": 1,
        "exp": 2,
    }
    expired = mint_access_token(expired_claims, key=cloud_signing_key(cloud))

    assert runner.get("/api/health").status_code == 200
    assert runner.get("/openapi.json").status_code == 200
    assert runner.get("/api/lists", headers=bearer(token)).status_code == 200
    # an expired token of the pool passes the gate; the app's 401 tells the SPA to refresh
    answer = runner.get("/api/lists", headers=bearer(expired))
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "token_expired"


def test_answers_are_kept_per_header_so_a_just_revoked_key_meets_the_apps_401(
    runner: TestClient, cloud: EmbeddedCloud, tmp_path: Path
) -> None:
    # Given a key that has been used once (the authorizer's "allow" is now kept for 5 minutes)
    _, token = registered_user(runner, prefix="gate-cache")
    body = {"name": "CI", "scope": "read_only"}
    created = runner.post("/api/keys", json=body, headers=bearer(token)).json()
    assert runner.get("/api/lists", headers=bearer(created["key"])).status_code == 200

    # When it is revoked
    runner.delete(f"/api/keys/{created['id']}", headers=bearer(token))
    kept = runner.get("/api/lists", headers=bearer(created["key"]))

    # Then the kept answer lets it through to the app, which refuses it at once (as in AWS)...
    assert kept.status_code == 401 and kept.json()["error"]["code"] == "invalid_api_key"
    # ...and an authorizer asked afresh (another runner: another cache) denies it at the gate
    fresh_app = create_local_app(cloud=cloud, options=LocalOptions(frontend_dist=tmp_path))
    with TestClient(fresh_app, base_url="https://testserver") as fresh:
        assert fresh.get("/api/lists", headers=bearer(created["key"])).json() == {"message": "Forbidden"}
