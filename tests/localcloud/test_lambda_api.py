"""The embedded cloud answers Lambda's API for every function of template.yaml: list, get, invoke."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localcloud.cloud import EmbeddedCloud
from localcloud.template import Template
from tests.localcloud.helpers import aws

ROOT = Path(__file__).resolve().parents[2]
EVENTS = Path(__file__).resolve().parent / "events"


def template_functions() -> dict[str, dict[str, Any]]:
    """Every `AWS::Serverless::Function` of template.yaml, with SAM Globals merged in."""
    template = Template.from_file(ROOT / "template.yaml")
    return {
        logical_id: spec.properties
        for logical_id, spec in template.resources.items()
        if spec.type == "AWS::Serverless::Function"
    }


def event(name: str) -> dict[str, Any]:
    """A sample event of tests/localcloud/events."""
    loaded: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return loaded


def invoke(cloud: EmbeddedCloud, function: str, payload: Any) -> tuple[str | None, Any]:
    """Invoke through boto3 from a worker thread, as a poller would: (FunctionError, payload)."""

    def call() -> dict[str, Any]:
        response: dict[str, Any] = aws(cloud, "lambda").invoke(
            FunctionName=function, Payload=json.dumps(payload).encode()
        )
        return response

    with ThreadPoolExecutor(max_workers=1) as pool:
        response = pool.submit(call).result()
    assert response["StatusCode"] == 200
    return response.get("FunctionError"), json.loads(response["Payload"].read())


def http_response(payload: dict[str, Any]) -> tuple[int, Any]:
    """The status and JSON body of an HTTP API (v2) response."""
    return payload["statusCode"], json.loads(payload["body"])


# ---------------------------------------------------------------------------------- list and get


def test_list_functions_names_every_function_of_the_template(cloud: EmbeddedCloud) -> None:
    # Given template.yaml's functions
    declared = template_functions()
    assert len(declared) >= 15

    # When Lambda is asked for its functions, one item per page (the paginator follows NextMarker)
    pages = aws(cloud, "lambda").get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 1})
    listed = {item["FunctionName"]: item for page in pages for item in page["Functions"]}

    # Then it lists exactly those, each as the template declares it
    assert set(listed) == set(declared)
    for name, props in declared.items():
        configuration = listed[name]
        assert configuration["Runtime"] == props["Runtime"]
        assert configuration["Handler"] == props["Handler"]
        assert configuration["MemorySize"] == props["MemorySize"]
        assert configuration["Timeout"] == props["Timeout"]
        assert configuration["Architectures"] == props["Architectures"]
        assert configuration["TracingConfig"] == {"Mode": props["Tracing"]}
        assert configuration["FunctionArn"].endswith(f":function:{name}")
        variables = configuration["Environment"]["Variables"]
        assert set(variables) == set(props["Environment"]["Variables"])
        literal = {
            key: value for key, value in props["Environment"]["Variables"].items() if isinstance(value, str)
        }
        assert literal.items() <= variables.items()


def test_get_function_answers_one_function_and_refuses_unknown_ones(cloud: EmbeddedCloud) -> None:
    lambda_ = aws(cloud, "lambda")

    # When ApiFunction is asked for by name and by ARN
    by_name = lambda_.get_function(FunctionName="ApiFunction")["Configuration"]
    by_arn = lambda_.get_function_configuration(FunctionName=by_name["FunctionArn"])
    del by_arn["ResponseMetadata"]

    # Then both give the template's values (its own memory, Globals' runtime and timeout)
    assert by_name == by_arn
    assert by_name["Handler"] == "app.main.handler"
    assert by_name["MemorySize"] == 1024
    assert (by_name["Runtime"], by_name["Timeout"], by_name["Architectures"]) == ("python3.13", 30, ["arm64"])
    assert by_name["Environment"]["Variables"]["APP_URL_PARAMETER"] == "/herald/local/app-url"
    assert by_name["LoggingConfig"] == {"LogFormat": "JSON", "LogGroup": "/herald/local/lambda/ApiFunction"}
    assert by_name["State"] == "Active"

    # And an unknown function, or a version that does not exist locally, is ResourceNotFound
    for kwargs in ({"FunctionName": "NoSuchFunction"}, {"FunctionName": "ApiFunction", "Qualifier": "7"}):
        with pytest.raises(ClientError) as refused:
            lambda_.get_function(**kwargs)
        assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


# ---------------------------------------------------------------------------------- invoke


def test_api_function_answers_health_through_an_http_api_v2_event(cloud: EmbeddedCloud) -> None:
    # When ApiFunction is invoked with an HTTP API payload 2.0 for GET /api/health, from a worker thread
    error, payload = invoke(cloud, "ApiFunction", event("http_api_v2_health"))

    # Then Mangum answers 200 (no "no current event loop" in that thread)
    assert error is None
    assert http_response(payload) == (200, {"status": "ok"})
    assert payload["headers"]["x-correlation-id"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"


def test_api_function_runs_from_a_thread_that_runs_an_event_loop(cloud: EmbeddedCloud) -> None:
    # Given a caller inside a running event loop (a thread cannot run a second one)
    async def caller() -> Any:
        return cloud.invoke("ApiFunction", event("http_api_v2_health"))

    # When it invokes ApiFunction synchronously (in a thread of its own: asyncio.run would
    # otherwise replace the main thread's loop)
    with ThreadPoolExecutor(max_workers=1) as pool:
        payload = pool.submit(asyncio.run, caller()).result()

    # Then the handler still gets a loop of its own, and answers
    assert http_response(payload) == (200, {"status": "ok"})


def test_invoke_unknown_function_is_resource_not_found(cloud: EmbeddedCloud) -> None:
    with pytest.raises(ClientError) as refused:
        aws(cloud, "lambda").invoke(FunctionName="NoSuchFunction", Payload=b"{}")
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_workers_answer_their_aws_sample_events(cloud: EmbeddedCloud) -> None:
    # Given a fresh user for the Cognito trigger and the welcome mail (nothing of another test's)
    user = f"lambda-sample-{uuid.uuid4().hex[:12]}"
    email = f"{user}@example.com"
    confirmed_user = event("cognito_post_confirmation")
    confirmed_user["request"]["userAttributes"].update(sub=user, email=email)
    signed_up = event("eventbridge_user_signed_up")
    signed_up["detail"].update(user_id=user, email=email)

    # When every worker is invoked with the AWS-documented event of its source
    results = {
        name: invoke(cloud, name, payload)
        for name, payload in {
            "OnUserConfirmedFunction": confirmed_user,
            "OnTableChangeFunction": event("dynamodb_stream_insert"),
            "SendWelcomeEmailFunction": signed_up,
            "SendConfirmationEmailFunction": event("eventbridge_confirmation_requested"),
            "OnImportUploadedFunction": event("s3_object_created"),
            "WsConnectFunction": event("websocket_connect"),
            "WsDisconnectFunction": event("websocket_disconnect"),
            "WsDefaultFunction": event("websocket_message"),
            "FinalizeDeliveryFunction": event("stepfunctions_finalize_delivery"),
            "MarkDeliveryFailedFunction": event("stepfunctions_mark_failed"),
            "DeliveryEndedFunction": event("eventbridge_execution_status_change"),
            "SendCampaignBatchFunction": event("sqs_send_batch"),
            "OnDeliveryEventFunction": event("sqs_ses_delivery"),
        }.items()
    }

    # Then each gives its result, none a function error
    assert {name: error for name, (error, _) in results.items() if error} == {}
    confirmed = results["OnUserConfirmedFunction"][1]
    assert confirmed["request"]["userAttributes"]["sub"] == user  # a Cognito trigger returns its event
    assert results["OnTableChangeFunction"][1] == {"batchItemFailures": []}  # not an item of Herald's
    assert results["SendWelcomeEmailFunction"][1]["message_id"]
    assert results["SendConfirmationEmailFunction"][1] == {"message_id": None}  # the list is gone
    assert results["OnImportUploadedFunction"][1] == {
        "imports": [{"key": "imports/no-such-owner/no-such-import.csv", "status": "ignored"}]
    }
    assert results["WsConnectFunction"][1] == {"statusCode": 401}  # no token: the handshake is refused
    assert results["WsDisconnectFunction"][1] == {"statusCode": 200}
    status, body = http_response(results["WsDefaultFunction"][1])
    assert (status, body["type"]) == (200, "pong")
    assert results["FinalizeDeliveryFunction"][1]["status"] == "done"
    assert results["MarkDeliveryFailedFunction"][1]["message"] == "States.TaskFailed: sample"
    assert results["DeliveryEndedFunction"][1] == {"marked": False}  # the execution named no campaign of ours
    # "Test message." is no send batch: only that record comes back, for SQS to redeliver
    assert results["SendCampaignBatchFunction"][1] == {
        "batchItemFailures": [{"itemIdentifier": "2e1424d4-f796-459a-8184-9c92662be6da"}]
    }
    assert results["OnDeliveryEventFunction"][1] == {"batchItemFailures": []}


@pytest.mark.parametrize(
    ("function", "sample", "error_type"),
    [
        ("StartDeliveryFunction", "stepfunctions_start_delivery", "NotFound"),
        ("WaitForSenderFunction", "stepfunctions_wait_for_sender", "NotFound"),
        ("StartDeliveryFunction", "stepfunctions_missing_campaign", "ValidationError"),
        ("FinalizeDeliveryFunction", "stepfunctions_missing_campaign", "ValidationError"),
        ("SendWelcomeEmailFunction", "eventbridge_ec2_state_change", "ValidationError"),
        ("DeliveryEndedFunction", "s3_object_created", "KeyError"),
    ],
)
def test_refused_events_are_function_errors(
    cloud: EmbeddedCloud, function: str, sample: str, error_type: str
) -> None:
    # When a function gets an event it must refuse (a campaign that does not exist, a foreign shape)
    error, payload = invoke(cloud, function, event(sample))

    # Then Lambda's error payload comes back (the cloud keeps answering)
    assert error == "Unhandled"
    assert payload["errorType"] == error_type
    assert payload["errorMessage"]
    assert payload["requestId"]
    assert aws(cloud, "lambda").get_function(FunctionName=function)["Configuration"]["State"] == "Active"


# ---------------------------------------------------------------------------------- the AWS CLI


@pytest.mark.skipif(
    importlib.util.find_spec("awscli") is None, reason="the AWS CLI is not installed (pip install awscli)"
)
def test_aws_cli_lists_and_invokes(cloud: EmbeddedCloud, tmp_path: Path) -> None:
    # Given the AWS CLI pointed at the cloud's loopback endpoint (over HTTP: the server's threads)
    environment = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
    }
    base = [
        sys.executable,
        "-m",
        "awscli",
        "--endpoint-url",
        cloud.endpoint_url,
        "--output",
        "json",
    ]

    def cli(*arguments: str) -> Any:
        command = [*base, "lambda", *arguments]
        done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    # When it lists the functions
    listed = cli("list-functions")

    # Then it names every function of the template
    assert {item["FunctionName"] for item in listed["Functions"]} == set(template_functions())

    # And when it invokes ApiFunction with the HTTP API v2 sample event, /api/health answers 200
    answer = tmp_path / "answer.json"
    invoked = cli(
        "invoke",
        "--function-name",
        "ApiFunction",
        "--payload",
        f"fileb://{EVENTS / 'http_api_v2_health.json'}",
        str(answer),
    )
    assert invoked["StatusCode"] == 200
    assert "FunctionError" not in invoked
    assert http_response(json.loads(answer.read_text())) == (200, {"status": "ok"})

    # And a refused event comes back as a function error, not a failed command
    invoked = cli(
        "invoke",
        "--function-name",
        "StartDeliveryFunction",
        "--payload",
        f"fileb://{EVENTS / 'stepfunctions_missing_campaign.json'}",
        str(answer),
    )
    assert invoked["FunctionError"] == "Unhandled"
    assert json.loads(answer.read_text())["errorType"] == "ValidationError"
