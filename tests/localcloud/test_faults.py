"""Fault switches at /_local/faults: SES and DynamoDB answer AWS's errors, a function fails N times."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from localcloud.cloud import EmbeddedCloud
from tests.helpers import local_console
from tests.localcloud.helpers import aws, eventually, fresh_client
from tests.localcloud.toys import received

TABLE = "toy-toy"


@pytest.fixture(scope="module")
def console(toy_cloud: EmbeddedCloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The local runner's routes over the toy stack."""
    with local_console(toy_cloud, tmp_path_factory.mktemp("dist")) as client:
        yield client


@pytest.fixture(autouse=True)
def switched_off(toy_cloud: EmbeddedCloud) -> Iterator[None]:
    """Every test starts and ends with every switch off."""
    toy_cloud.faults.clear()
    yield
    toy_cloud.faults.clear()


def _send(ses: Any) -> str:
    return str(
        ses.send_email(
            FromEmailAddress="sender@toy.example",
            Destination={"ToAddresses": [f"to-{uuid.uuid4().hex[:6]}@toy.example"]},
            Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}},
        )["MessageId"]
    )


def _verified(cloud: EmbeddedCloud) -> Any:
    ses = fresh_client(cloud, "sesv2", attempts=1)
    ses.create_email_identity(EmailIdentity="sender@toy.example")
    return ses


def test_ses_throttling_for_three_sends_then_off(toy_cloud: EmbeddedCloud, console: TestClient) -> None:
    # Given SES set to throttle the next three sends
    ses = _verified(toy_cloud)
    answer = console.put("/_local/faults/ses", json={"mode": "throttle", "count": 3})
    assert answer.status_code == 200 and answer.json()["ses"]["mode"] == "throttle"

    # When four sends are tried
    outcomes = []
    for _ in range(4):
        try:
            outcomes.append(_send(ses) and "sent")
        except ClientError as exc:
            outcomes.append(
                f"{exc.response['ResponseMetadata']['HTTPStatusCode']} {exc.response['Error']['Code']}"
            )

    # Then three got SES's throttle, the switch turned itself off, the fourth went out
    assert outcomes == ["429 TooManyRequestsException"] * 3 + ["sent"]
    state = console.get("/_local/faults").json()
    assert state["ses"] == {"mode": "off", "rate": 1.0, "remaining": None} and state["injected"]["ses"] == 3


def test_ses_rejects_until_switched_off(toy_cloud: EmbeddedCloud, console: TestClient) -> None:
    # Given SES set to reject
    ses = _verified(toy_cloud)
    console.put("/_local/faults/ses", json={"mode": "reject"})

    # When a send is tried, then the switches are all turned off and it is tried again
    with pytest.raises(ClientError) as caught:
        _send(ses)
    console.delete("/_local/faults")

    # Then the first was refused as SES refuses a message, the second went out
    assert caught.value.response["Error"]["Code"] == "MessageRejected"
    assert _send(ses)


def test_dynamodb_throttling_is_retried_by_boto3_as_against_aws(
    toy_cloud: EmbeddedCloud, console: TestClient
) -> None:
    # Given DynamoDB throttling its next two item operations
    console.put("/_local/faults/dynamodb", json={"mode": "throttle", "count": 2})
    key = {"PK": {"S": f"fault-{uuid.uuid4().hex}"}, "SK": {"S": "x"}}

    # When a client with boto3's standard retries writes once, and one without retries reads
    fresh_client(toy_cloud, "dynamodb", attempts=3).put_item(TableName=TABLE, Item=key)
    found = fresh_client(toy_cloud, "dynamodb", attempts=1).get_item(
        TableName=TABLE, Key=key, ConsistentRead=True
    )

    # Then the write succeeded on its third attempt; the switch is spent, so the read went through
    assert found["Item"] == key
    assert console.get("/_local/faults").json()["injected"]["dynamodb"] == 2


def test_the_cloud_own_requests_are_never_refused(toy_cloud: EmbeddedCloud, console: TestClient) -> None:
    # Given every DynamoDB item operation throttled
    console.put("/_local/faults/dynamodb", json={"mode": "throttle"})
    dynamodb = fresh_client(toy_cloud, "dynamodb", attempts=1)
    key = {"PK": {"S": f"fault-own-{uuid.uuid4().hex}"}, "SK": {"S": "x"}}

    # When the app writes, the stream poller still reads the stream (its own requests)
    with pytest.raises(ClientError):
        dynamodb.put_item(TableName=TABLE, Item=key)
    console.delete("/_local/faults")
    dynamodb.put_item(TableName=TABLE, Item=key)

    # Then the write that went through reaches the stream's function
    assert eventually(
        lambda: any(
            r["dynamodb"]["Keys"]["PK"] == key["PK"] for e in received("stream") for r in e["Records"]
        )
    )


def test_a_function_fails_its_next_invocations_then_runs(
    toy_cloud: EmbeddedCloud, console: TestClient
) -> None:
    # Given the echo function set to fail twice
    answer = console.put("/_local/faults/functions/EchoFunction", json={"fail_next": 2})
    assert answer.json()["functions"] == {"EchoFunction": 2}
    lam = aws(toy_cloud, "lambda")

    # When it is invoked three times
    results = [lam.invoke(FunctionName="EchoFunction", Payload=b'{"n": 1}') for _ in range(3)]

    # Then Lambda reported the first two as function errors, and the third ran the handler
    errors = [r.get("FunctionError") for r in results]
    assert errors == ["Unhandled", "Unhandled", None]
    first = results[0]["Payload"].read().decode()
    assert "InjectedFailure" in first and "fault switch" in first
    assert console.get("/_local/faults").json()["functions"] == {}


def test_bad_switches_are_refused_with_the_api_error_shape(console: TestClient) -> None:
    unknown = console.put("/_local/faults/functions/NoSuchFunction", json={"fail_next": 1})
    bad_rate = console.put("/_local/faults/ses", json={"mode": "throttle", "rate": 2})
    bad_mode = console.put("/_local/faults/dynamodb", json={"mode": "reject"})

    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "function_not_found")
    assert bad_rate.status_code == 422 and "error" in bad_rate.json()
    assert bad_mode.status_code == 422 and "error" in bad_mode.json()
