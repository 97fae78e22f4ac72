"""The embedded Cognito signs with a key of its state directory, never with moto's published one."""

from __future__ import annotations

import stat
import uuid
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient

from localcloud import snapshot
from localcloud.cloud import EmbeddedCloud
from localcloud.services.cognito.keys import KEY_FILE, load_or_create
from tests.factories import bearer, mint_access_token, moto_signing_key, registered_user
from tests.localcloud.helpers import aws, resource, signed_in

HERE = Path(__file__).resolve().parent
ACCOUNT = "222222222230"
PASSWORD = "Correct-horse-9"


def _toy_cloud(state_dir: Path) -> EmbeddedCloud:
    return EmbeddedCloud(
        template_path=HERE / "toy_template.yaml",
        state_dir=state_dir,
        parameters={"Stage": "keys"},
        account_id=ACCOUNT,
        stack_name="keys",
    )


def _log_in(cloud: EmbeddedCloud) -> str:
    client_id = resource(cloud, "UserPoolClient")["physical_id"]
    return signed_in(cloud, client_id, f"keys-{uuid.uuid4()}@example.com", PASSWORD)


def test_each_state_dir_gets_its_own_key_kept_private_and_reused(tmp_path: Path) -> None:
    # Given two fresh state directories
    first, second = tmp_path / "first", tmp_path / "second"

    # When a key is asked for twice in the first and once in the second
    key, again, other = load_or_create(first), load_or_create(first), load_or_create(second)

    # Then the first directory keeps one key, only its owner can read it, and the second has another
    assert key.kid == again.kid
    assert key.kid != other.kid
    assert stat.S_IMODE((first / KEY_FILE).stat().st_mode) == 0o600
    assert [path.name for path in first.iterdir()] == [KEY_FILE]
    # And without a state directory every cloud start gets a new key
    assert load_or_create(None).kid != load_or_create(None).kid


def test_tokens_are_signed_with_the_state_dirs_key_and_survive_a_restart(tmp_path: Path) -> None:
    # Given a cloud on a fresh state directory and a user who logged in
    cloud = _toy_cloud(tmp_path)
    cloud.start()
    try:
        pool_id = resource(cloud, "UserPool")["physical_id"]
        token = _log_in(cloud)
        jwks_url = f"{cloud.endpoint_url}/{pool_id}/.well-known/jwks.json"
        served = jwt.PyJWKClient(jwks_url).get_signing_key_from_jwt(token)

        # Then the token carries the directory's key id, the JWKS serves that key, moto's does not verify it
        kid = load_or_create(tmp_path).kid
        assert jwt.get_unverified_header(token)["kid"] == kid == served.key_id
        assert jwt.decode(token, served.key, algorithms=["RS256"])["token_use"] == "access"
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.decode(token, moto_signing_key().public_key(), algorithms=["RS256"])
        assert aws(cloud, "cognito-idp").get_user(AccessToken=token)["Username"]
    finally:
        cloud.stop()
    # And the snapshot does not carry the private key (only the 0600 key file does)
    secret_line = (tmp_path / KEY_FILE).read_bytes().splitlines()[5]
    assert secret_line not in (tmp_path / snapshot.FILE_NAME).read_bytes()

    # When the cloud starts again on the same directory
    snapshot.forget_account(ACCOUNT)
    cloud = _toy_cloud(tmp_path)
    cloud.start()
    try:
        # Then the session from before still verifies, and new tokens use the same key
        client = jwt.PyJWKClient(f"{cloud.endpoint_url}/{pool_id}/.well-known/jwks.json")
        assert jwt.decode(token, client.get_signing_key_from_jwt(token).key, algorithms=["RS256"])
        assert jwt.get_unverified_header(_log_in(cloud))["kid"] == kid
    finally:
        cloud.stop()


def test_a_pool_made_at_run_time_signs_with_the_clouds_key(toy_cloud: EmbeddedCloud) -> None:
    # Given a pool created through the API (not from the template) with a user
    cognito = aws(toy_cloud, "cognito-idp")
    pool_id = cognito.create_user_pool(PoolName=f"extra-{uuid.uuid4().hex[:8]}")["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="extra", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    cognito.admin_create_user(UserPoolId=pool_id, Username="extra", TemporaryPassword=PASSWORD)
    cognito.admin_set_user_password(UserPoolId=pool_id, Username="extra", Password=PASSWORD, Permanent=True)

    # When the user logs in
    token = cognito.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "extra", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["AccessToken"]

    # Then the token verifies against that pool's JWKS, and an unknown pool has none
    client = jwt.PyJWKClient(f"{toy_cloud.endpoint_url}/{pool_id}/.well-known/jwks.json")
    assert jwt.decode(token, client.get_signing_key_from_jwt(token).key, algorithms=["RS256"])
    assert jwt.get_unverified_header(token)["kid"] != "dummy"
    with pytest.raises(jwt.PyJWKClientError):
        jwt.PyJWKClient(f"{toy_cloud.endpoint_url}/us-east-1_nosuchpool/.well-known/jwks.json").get_jwk_set()


def test_the_api_refuses_a_token_signed_with_motos_published_key(client: TestClient) -> None:
    # Given a real user, and an administrator's token minted with the key moto ships
    real_token = registered_user(client)[1]
    claims = jwt.decode(real_token, options={"verify_signature": False})
    forged = mint_access_token({**claims, "cognito:groups": ["admins"]}, key=moto_signing_key(), kid="dummy")

    # When both call the API
    real = client.get("/api/me", headers=bearer(real_token))
    refused = client.get("/api/me", headers=bearer(forged))
    admin = client.get("/api/admin/users", headers=bearer(forged))

    # Then the real login works and the forged token is refused
    assert real.status_code == 200, real.text
    assert refused.status_code == 401, refused.text
    assert refused.json()["error"]["code"] == "invalid_token"
    assert admin.status_code == 401, admin.text
