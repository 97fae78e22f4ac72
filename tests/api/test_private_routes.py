"""Every private route refuses bad tokens; /api/me and the admin list work for the right caller."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from app.config import get_settings
from app.main import create_app
from localcloud.cloud import EmbeddedCloud
from localcloud.services.cognito.keys import SigningKey
from tests.factories import bearer, cloud_signing_key, mint_access_token, moto_signing_key, registered_user

PUBLIC = {
    "/api/health",
    "/api/auth/signup",
    "/api/auth/confirm",
    "/api/auth/login",
    "/api/auth/refresh",
    "/api/auth/logout",
    "/api/public/unsubscribe/{token}",
    # sign-up forms, their confirmation links and the preference centre: public pages whose
    # credential, where one is needed, is the signed token in the path
    "/api/public/subscribe/{form_id}",
    "/api/public/confirm/{token}",
    "/api/public/preferences/{token}",
    "/api/public/preferences/{token}/unsubscribe",
    "/api/public/preferences/{token}/export",
    "/api/public/preferences/{token}/erase",
}


def private_routes() -> list[tuple[str, str]]:
    """Every (method, path) the OpenAPI document marks as needing the bearer token."""
    routes = []
    for path, operations in create_app().openapi()["paths"].items():
        for method, operation in operations.items():
            if operation.get("security") and path not in PUBLIC:
                routes.append((method.upper(), path))
    return sorted(routes)


def test_every_api_route_but_the_public_ones_requires_the_bearer_token() -> None:
    paths = {path for path in create_app().openapi()["paths"] if path.startswith("/api")}
    assert paths - {path for _, path in private_routes()} == PUBLIC


def _claims(**overrides: Any) -> dict[str, Any]:
    settings = get_settings()
    return {
        "sub": "00000000-0000-0000-0000-000000000000",
        "iss": settings.cognito_issuer,
        "client_id": settings.user_pool_client_id,
        "username": "someone",
        **overrides,
    }


def bad_tokens(valid: str, key: SigningKey) -> dict[str, dict[str, str]]:
    """A header per way a token can be wrong (`key`: the cloud's, so only the named fault is)."""
    header, payload, signature = valid.split(".")
    tampered_payload = payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB")
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        "missing": {},
        "not a jwt": bearer("not-a-token"),
        "expired": bearer(mint_access_token(_claims(exp=int(time.time()) - 5), key=key)),
        "tampered payload": bearer(f"{header}.{tampered_payload}.{signature}"),
        "signed by another key": bearer(mint_access_token(_claims(), key=other_key)),
        "signed by moto's published key": bearer(mint_access_token(_claims(), key=moto_signing_key())),
        "wrong client": bearer(mint_access_token(_claims(client_id="another-client"), key=key)),
        "wrong issuer": bearer(mint_access_token(_claims(iss="https://evil.example.com/pool"), key=key)),
        "id token": bearer(mint_access_token(_claims(token_use="id"), key=key)),
    }


def test_the_app_has_private_routes() -> None:
    assert ("GET", "/api/me") in private_routes()
    assert ("GET", "/api/admin/users") in private_routes()


@pytest.fixture(scope="module")
def bad_headers(cloud: EmbeddedCloud) -> dict[str, dict[str, str]]:
    """Each way a token can be wrong, derived from one real user's token."""
    with TestClient(create_app(), base_url="https://testserver") as client:
        _, token = registered_user(client)
    return bad_tokens(token, cloud_signing_key(cloud))


@pytest.mark.parametrize(("method", "path"), private_routes())
def test_private_route_rejects_every_bad_token_with_401(
    client: TestClient, bad_headers: dict[str, dict[str, str]], method: str, path: str
) -> None:
    # A path parameter with a route pattern (segment, template and message ids are 28 hex digits)
    # gets a value it accepts; every id parameter accepts one.
    concrete = re.sub(r"\{\w+_id\}", "0" * 28, path)
    for reason, headers in bad_headers.items():
        response = client.request(method, concrete, headers=headers, json={})
        assert response.status_code == 401, (reason, response.text)
        assert response.json()["error"]["code"] in {"not_authenticated", "invalid_token", "token_expired"}


def test_me_returns_the_profile_written_on_confirmation(client: TestClient) -> None:
    email, token = registered_user(client, name="Grace")
    response = client.get("/api/me", headers=bearer(token))
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["email"] == email and me["name"] == "Grace" and me["groups"] == []


def test_patch_me_renames_and_validates(client: TestClient) -> None:
    _, token = registered_user(client)
    renamed = client.patch("/api/me", json={"name": "  Grace Hopper "}, headers=bearer(token))
    assert renamed.status_code == 200 and renamed.json()["name"] == "Grace Hopper"
    assert client.get("/api/me", headers=bearer(token)).json()["name"] == "Grace Hopper"
    assert client.patch("/api/me", json={"name": ""}, headers=bearer(token)).status_code == 422


def test_admin_users_refuses_a_non_admin_with_403(client: TestClient) -> None:
    _, token = registered_user(client)
    response = client.get("/api/admin/users", headers=bearer(token))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def _make_admin(cloud: EmbeddedCloud, client: TestClient) -> str:
    import boto3

    email, _ = registered_user(client, prefix="admin")
    cognito = boto3.client("cognito-idp", endpoint_url=cloud.endpoint_url, region_name="us-east-1")
    cognito.admin_add_user_to_group(
        UserPoolId=get_settings().user_pool_id or "", Username=email, GroupName="admins"
    )
    from tests.factories import log_in

    return log_in(client, email)  # a new token carries the group


def test_admin_lists_users_page_by_page_with_an_opaque_cursor(
    cloud: EmbeddedCloud, client: TestClient
) -> None:
    for _ in range(3):
        registered_user(client)
    token = _make_admin(cloud, client)

    seen: list[str] = []
    cursor = None
    for _ in range(50):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/admin/users", params=params, headers=bearer(token))
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= 2
        seen.extend(item["email"] for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) >= 4
    assert all(item_status for item_status in seen)


def test_admin_users_with_a_garbage_cursor_is_422_and_a_forged_one_404(
    cloud: EmbeddedCloud, client: TestClient
) -> None:
    token = _make_admin(cloud, client)
    garbage = client.get("/api/admin/users", params={"cursor": "!!garbage!!"}, headers=bearer(token))
    forged = client.get("/api/admin/users", params={"cursor": "e30." + "A" * 22}, headers=bearer(token))
    assert garbage.status_code == 422 and garbage.json()["error"]["code"] == "validation_error"
    assert forged.status_code == 404 and forged.json()["error"]["code"] == "invalid_cursor"
