"""Snapshots: one account's state survives a stop and a start of a new cloud object."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import jwt
import pytest

from localcloud import snapshot
from localcloud.cloud import EmbeddedCloud
from tests.localcloud.helpers import aws, resource, signed_in
from tests.localcloud.toys import received

HERE = Path(__file__).resolve().parent
ACCOUNT = "222222222222"
PASSWORD = "Correct-horse-9"


def _cloud(state_dir: Path, account_id: str = ACCOUNT, stage: str = "snap") -> EmbeddedCloud:
    return EmbeddedCloud(
        template_path=HERE / "toy_template.yaml",
        state_dir=state_dir,
        parameters={"Stage": stage},
        account_id=account_id,
        stack_name="snap",
    )


def _stream_batches(tag: str) -> int:
    return sum(
        1
        for event in received("stream")
        if any(r["dynamodb"]["Keys"]["PK"]["S"] == tag for r in event["Records"])
    )


def test_state_and_checkpoints_survive_a_restart(tmp_path: Path) -> None:
    # Given a cloud with data in every service that keeps some
    tag, email = f"snap-{uuid.uuid4()}", f"snap-{uuid.uuid4()}@example.com"
    first = _cloud(tmp_path)
    first.start()
    try:
        aws(first, "dynamodb").put_item(
            TableName="toy-snap", Item={"PK": {"S": tag}, "SK": {"S": "1"}, "n": {"N": "7"}}
        )
        client_id = resource(first, "UserPoolClient")["physical_id"]
        pool_id = resource(first, "UserPool")["physical_id"]
        token = signed_in(first, client_id, email, PASSWORD)
        dlq = resource(first, "WorkDLQ")["physical_id"]
        aws(first, "sqs").send_message(QueueUrl=dlq, MessageBody=f"parked {tag}")
        aws(first, "s3").put_object(Bucket="toy-snap-uploads", Key=f"kept/{tag}", Body=b"bytes")
        aws(first, "ssm").put_parameter(Name=f"/snap/{tag}", Value="s3cr3t", Type="SecureString")
        assert first.wait_idle(10)
        assert _stream_batches(tag) == 1
    finally:
        first.stop()
    assert (tmp_path / snapshot.FILE_NAME).exists()

    # When moto forgets the account and a new cloud object starts on the same state dir
    snapshot.forget_account(ACCOUNT)
    second = _cloud(tmp_path)
    second.start()
    try:
        # Then everything is back, and provisioning found it in place
        item = aws(second, "dynamodb").get_item(
            TableName="toy-snap", Key={"PK": {"S": tag}, "SK": {"S": "1"}}
        )["Item"]
        assert item["n"] == {"N": "7"}
        assert resource(second, "Table")["status"] == "exists"
        assert resource(second, "UserPool")["physical_id"] == pool_id

        cognito = aws(second, "cognito-idp")
        assert cognito.get_user(AccessToken=token)["Username"]
        jwks = jwt.PyJWKClient(f"{second.endpoint_url}/{pool_id}/.well-known/jwks.json")
        claims = jwt.decode(token, jwks.get_signing_key_from_jwt(token).key, algorithms=["RS256"])
        assert claims["client_id"] == client_id
        fresh = cognito.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )["AuthenticationResult"]["AccessToken"]
        assert jwt.decode(fresh, jwks.get_signing_key_from_jwt(fresh).key, algorithms=["RS256"])

        messages = aws(second, "sqs").receive_message(QueueUrl=dlq)["Messages"]
        assert [m["Body"] for m in messages] == [f"parked {tag}"]
        body = aws(second, "s3").get_object(Bucket="toy-snap-uploads", Key=f"kept/{tag}")["Body"].read()
        assert body == b"bytes"
        secret = aws(second, "ssm").get_parameter(Name=f"/snap/{tag}", WithDecryption=True)
        assert secret["Parameter"]["Value"] == "s3cr3t"

        # And the stream poller resumed after its checkpoint: nothing was replayed
        assert second.wait_idle(10)
        assert _stream_batches(tag) == 1
    finally:
        second.stop()


def test_an_unreadable_snapshot_is_moved_aside_and_the_cloud_starts_fresh(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / snapshot.FILE_NAME).write_bytes(b"not a pickle")
    cloud = _cloud(tmp_path, account_id="222222222223", stage="fresh")

    with caplog.at_level(logging.WARNING, logger="localcloud"):
        cloud.start()
    try:
        assert resource(cloud, "Table")["status"] == "created"
    finally:
        cloud.stop()

    assert any("could not restore" in record.getMessage() for record in caplog.records)
    assert list(tmp_path.glob(f"{snapshot.FILE_NAME}.unreadable-*"))
    assert (tmp_path / snapshot.FILE_NAME).exists()  # written anew on stop


def test_without_a_state_dir_a_restart_begins_empty() -> None:
    # Given a cloud that stored data and stopped
    account, stage = "222222222224", "again"
    first = EmbeddedCloud(
        template_path=HERE / "toy_template.yaml",
        state_dir=None,
        parameters={"Stage": stage},
        account_id=account,
        run_pollers=False,
    )
    first.start()
    try:
        aws(first, "dynamodb").put_item(TableName="toy-again", Item={"PK": {"S": "a"}, "SK": {"S": "b"}})
    finally:
        first.stop()

    # When another cloud starts for the same account without a snapshot
    second = EmbeddedCloud(
        template_path=HERE / "toy_template.yaml",
        state_dir=None,
        parameters={"Stage": stage},
        account_id=account,
        run_pollers=False,
    )
    second.start()
    try:
        # Then it provisioned everything anew (bucket names included) and holds no old data
        assert resource(second, "Bucket")["status"] == "created"
        assert resource(second, "Table")["status"] == "created"
        assert aws(second, "dynamodb").scan(TableName="toy-again")["Items"] == []
    finally:
        second.stop()
