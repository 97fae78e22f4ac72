"""Webhook endpoints through the API: the secret shown once, typed refusals, another owner's 404."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.factories import bearer, registered_user

HOOK = {"url": "https://hooks.example.com/herald", "event_types": ["subscriber.created", "campaign.sent"]}


@pytest.fixture
def owner(client: TestClient) -> dict[str, str]:
    """The Authorization header of a fresh account."""
    _, token = registered_user(client, prefix="webhooks")
    return bearer(token)


def test_an_endpoint_shows_its_secret_once_and_rotates_it(client: TestClient, owner: dict[str, str]) -> None:
    created = client.post("/api/webhooks", json=HOOK, headers=owner)
    assert created.status_code == 201
    hook = created.json()

    listed = client.get("/api/webhooks", headers=owner).json()["items"]
    rotated = client.post(f"/api/webhooks/{hook['id']}/secret", headers=owner).json()

    assert hook["secret"].startswith("whsec_") and rotated["secret"] != hook["secret"]
    assert [(e["id"], e["event_types"]) for e in listed] == [(hook["id"], HOOK["event_types"])]
    assert all("secret" not in e for e in listed)
    assert client.get(f"/api/webhooks/{hook['id']}/deliveries", headers=owner).json() == {"items": []}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({**HOOK, "url": "http://hooks.example.com/x"}, "webhook_url_invalid"),
        ({**HOOK, "url": "https://169.254.169.254/latest"}, "webhook_url_invalid"),
        ({**HOOK, "event_types": ["message.read"]}, "validation_error"),
        ({**HOOK, "event_types": []}, "validation_error"),
    ],
)
def test_a_bad_endpoint_is_refused_with_a_typed_error(
    client: TestClient, owner: dict[str, str], body: dict[str, object], code: str
) -> None:
    response = client.post("/api/webhooks", json=body, headers=owner)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code


def test_another_owners_endpoint_is_404_everywhere(client: TestClient, owner: dict[str, str]) -> None:
    hook = client.post("/api/webhooks", json=HOOK, headers=owner).json()
    _, token = registered_user(client, prefix="webhooks")
    other = bearer(token)

    for method, path in [
        ("GET", f"/api/webhooks/{hook['id']}"),
        ("DELETE", f"/api/webhooks/{hook['id']}"),
        ("POST", f"/api/webhooks/{hook['id']}/secret"),
        ("GET", f"/api/webhooks/{hook['id']}/deliveries"),
        ("POST", f"/api/webhooks/{hook['id']}/test"),
    ]:
        response = client.request(method, path, headers=other)
        assert (response.status_code, response.json()["error"]["code"]) == (404, "webhook_not_found"), path
    assert client.get("/api/webhooks", headers=other).json() == {"items": []}
    assert client.get(f"/api/webhooks/{hook['id']}", headers=owner).status_code == 200
