"""The HTTP API's Lambda authorizer, invoked as API Gateway invokes it (payload 2.0, simple
responses), through the embedded cloud: so its one permission, GetItem, is enforced too."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from app.config import get_settings
from app.keys import service
from app.keys.models import ApiKeyCreate
from app.store import Store
from localcloud.cloud import EmbeddedCloud
from tests.factories import cloud_signing_key, mint_access_token, moto_signing_key
from workers.authorize import bearer_credential

SAMPLE = Path(__file__).resolve().parents[1] / "localcloud" / "events" / "http_api_v2_authorizer.json"


def authorizer_event(authorization: str | None) -> dict[str, Any]:
    """API Gateway's request to the authorizer, with this Authorization header."""
    event: dict[str, Any] = json.loads(SAMPLE.read_text())
    event["headers"].pop("authorization")
    event["identitySource"] = []
    if authorization is not None:
        event["headers"]["authorization"] = authorization
        event["identitySource"] = [authorization]
    return event


def claims() -> dict[str, Any]:
    settings = get_settings()
    return {
        "sub": str(uuid.uuid4()),
        "iss": settings.cognito_issuer,
        "client_id": settings.user_pool_client_id,
        "username": "someone",
    }


def test_a_valid_access_token_is_allowed(cloud: EmbeddedCloud) -> None:
    caller = claims()
    token = mint_access_token(caller, key=cloud_signing_key(cloud))

    answer = cloud.invoke("AuthorizerFunction", authorizer_event(f"Bearer {token}"))

    assert answer == {
        "isAuthorized": True,
        "context": {"user_id": caller["sub"], "method": "token", "key_id": ""},
    }


def test_a_live_key_is_allowed_and_a_revoked_one_denied(cloud: EmbeddedCloud) -> None:
    # Given a key of an owner
    repo = Store.default().api_keys
    owner = str(uuid.uuid4())
    created = service.create_key(owner, ApiKeyCreate(name="CI", scope="read_only"), repo=repo)

    # When the authorizer is asked before and after its revocation
    live = cloud.invoke("AuthorizerFunction", authorizer_event(f"Bearer {created.key}"))
    service.revoke_key(owner, created.id, repo=repo)
    revoked = cloud.invoke("AuthorizerFunction", authorizer_event(f"Bearer {created.key}"))

    # Then the live key acts for its owner, and the revoked one is denied
    assert live["isAuthorized"] is True
    assert live["context"] == {"user_id": owner, "method": "api_key", "key_id": created.id}
    assert revoked == {"isAuthorized": False}


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-jwt",
        "Bearer hrd_0123456789ab_" + "A" * 43,  # the shape of a key, never issued
        "Bearer hrd_garbage",
    ],
)
def test_garbage_is_denied(cloud: EmbeddedCloud, authorization: str | None) -> None:
    assert cloud.invoke("AuthorizerFunction", authorizer_event(authorization)) == {"isAuthorized": False}


def test_a_forged_token_or_one_of_another_client_is_denied(cloud: EmbeddedCloud) -> None:
    forged = mint_access_token(claims(), key=moto_signing_key())
    other_client = mint_access_token({**claims(), "client_id": "another"}, key=cloud_signing_key(cloud))
    id_token = mint_access_token({**claims(), "token_use": "id"}, key=cloud_signing_key(cloud))

    for token in (forged, other_client, id_token):
        answer = cloud.invoke("AuthorizerFunction", authorizer_event(f"Bearer {token}"))
        assert answer == {"isAuthorized": False}


def test_an_expired_token_of_the_pool_passes_on_to_the_apps_401(cloud: EmbeddedCloud) -> None:
    # An HTTP API's Lambda authorizer can only deny with 403; the SPA refreshes on the app's 401.
    expired = mint_access_token({**claims(), "iat": 1, "exp": 2}, key=cloud_signing_key(cloud))

    answer = cloud.invoke("AuthorizerFunction", authorizer_event(f"Bearer {expired}"))

    assert answer["isAuthorized"] is True


def test_only_a_bearer_credential_is_read() -> None:
    assert bearer_credential(["Bearer abc"]) == "abc"
    assert bearer_credential(["bearer  abc "]) == "abc"
    assert bearer_credential(["Token abc"]) is None
    assert bearer_credential([]) is None
