"""The seam: every AWS request reaches the observers described, in-process or over HTTP; refusals
are AWS's errors as boto3 parses them."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localcloud.calls import Call, aws_error
from localcloud.cloud import EmbeddedCloud
from localcloud.server import WsgiResponse
from tests.localcloud.helpers import aws, fresh_client

TABLE = "toy-toy"


class Recorder:
    """Keeps every call; refuses the operations it is told to, with the error it is told to."""

    def __init__(self) -> None:
        self.calls: list[tuple[Call, int]] = []
        self.refuse: dict[tuple[str, str], tuple[int, str]] = {}
        self._lock = threading.Lock()

    def before(self, call: Call) -> WsgiResponse | None:
        refusal = self.refuse.get((call.service, call.operation))
        return (
            None if refusal is None else aws_error(call, refusal[0], refusal[1], f"refused {call.operation}")
        )

    def after(self, call: Call, response: WsgiResponse) -> None:
        with self._lock:
            self.calls.append((call, response.status))

    def named(self, operation: str) -> list[tuple[Call, int]]:
        with self._lock:
            return [(call, status) for call, status in self.calls if call.operation == operation]


@pytest.fixture(scope="module")
def recorder(toy_cloud: EmbeddedCloud) -> Recorder:
    """An observer on the toy cloud for this module's tests."""
    found = Recorder()
    toy_cloud.add_observer(found)
    return found


@pytest.fixture
def fresh(recorder: Recorder) -> Iterator[Recorder]:
    """The recorder, emptied, with no refusals left behind."""
    recorder.calls.clear()
    yield recorder
    recorder.refuse.clear()


def test_an_in_process_call_is_seen_with_its_parameters(toy_cloud: EmbeddedCloud, fresh: Recorder) -> None:
    # When a client of this process writes an item
    key = f"seam-{uuid.uuid4().hex}"
    fresh_client(toy_cloud, "dynamodb").put_item(TableName=TABLE, Item={"PK": {"S": key}, "SK": {"S": "x"}})

    # Then the observers saw the service, operation and parameters as the caller passed them
    ((call, status),) = [(c, s) for c, s in fresh.named("PutItem") if c.params and key in str(c.params)]
    assert (call.service, call.operation, call.transport, status) == (
        "dynamodb",
        "PutItem",
        "in-process",
        200,
    )
    assert call.params == {"TableName": TABLE, "Item": {"PK": {"S": key}, "SK": {"S": "x"}}}
    assert call.caller is None and not call.internal and call.signing_name == "dynamodb"


def test_a_call_over_http_is_described_from_the_request(toy_cloud: EmbeddedCloud, fresh: Recorder) -> None:
    # Given the test helpers' clients, made before any cloud started (so they use the socket)
    sqs = aws(toy_cloud, "sqs")

    # When one sends a message and reads a REST API
    url = sqs.get_queue_url(QueueName="toy-toy-work")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="over http")
    aws(toy_cloud, "s3").list_objects_v2(Bucket="toy-toy-uploads")

    # Then the operations were read from the requests: the JSON target, the REST route
    ((call, _),) = fresh.named("SendMessage")
    assert (call.service, call.transport, call.params) == (
        "sqs",
        "http",
        {"QueueUrl": url, "MessageBody": "over http"},
    )
    ((listing, _),) = fresh.named("ListObjectsV2")
    assert (listing.service, listing.transport) == ("s3", "http")


def test_a_function_call_names_its_caller(toy_cloud: EmbeddedCloud, fresh: Recorder) -> None:
    # When a local function makes an AWS call while it runs
    toy_cloud.invoke("EchoFunction", {"describe_table": TABLE, "endpoint_url": toy_cloud.endpoint_url})

    # Then the call is attributed to that function; the cloud's own calls are marked internal
    (call, _) = fresh.named("DescribeTable")[-1]
    assert call.caller is not None and call.caller.logical_id == "EchoFunction"
    assert all(c.internal for c, _ in fresh.calls if c.operation == "ReceiveMessage")


@pytest.mark.parametrize(
    ("service", "operation", "status", "code", "make"),
    [
        ("dynamodb", "GetItem", 400, "ProvisionedThroughputExceededException", "get_item"),
        ("sesv2", "SendEmail", 429, "TooManyRequestsException", "send_email"),
        ("sqs", "ListQueues", 400, "AWS.SimpleQueueService.NonExistentQueue", "list_queues"),
        ("sns", "ListTopics", 400, "Throttling", "list_topics"),
        ("s3", "ListBuckets", 403, "AccessDenied", "list_buckets"),
    ],
)
def test_a_refusal_is_the_error_boto3_would_get_from_aws(
    toy_cloud: EmbeddedCloud, fresh: Recorder, service: str, operation: str, status: int, code: str, make: str
) -> None:
    # Given an observer that refuses one operation with an AWS error
    fresh.refuse[(service, operation)] = (status, code)
    client = fresh_client(toy_cloud, service)
    arguments: dict[str, dict[str, Any]] = {
        "get_item": {"TableName": TABLE, "Key": {"PK": {"S": "a"}, "SK": {"S": "b"}}},
        "send_email": {
            "FromEmailAddress": "a@example.com",
            "Destination": {"ToAddresses": ["b@example.com"]},
            "Content": {"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}},
        },
    }

    # When the operation is called (without retries)
    client.meta.config.retries = {"total_max_attempts": 1}
    with pytest.raises(ClientError) as caught:
        getattr(client, make)(**arguments.get(make, {}))

    # Then boto3 raised that error, with its code, status and message
    error = caught.value.response
    assert error["Error"]["Code"] == code
    assert error["ResponseMetadata"]["HTTPStatusCode"] == status
    assert f"refused {operation}" in str(error["Error"].get("Message"))


def _authorization_sent(client: Any, call: Any, *, answer: bool = False) -> str:
    """The Authorization header `client` sent for `call(client)` (answered 200 {} before the
    network when `answer`)."""
    from botocore.awsrequest import AWSResponse, HTTPHeaders
    from moto.core.botocore_stubber import MockRawResponse

    seen: list[str] = []

    def capture(request: Any, **_kwargs: Any) -> Any:
        value = request.headers["Authorization"]
        seen.append(value.decode() if isinstance(value, bytes) else str(value))
        return AWSResponse(request.url, 200, HTTPHeaders(), MockRawResponse(b"{}")) if answer else None

    client.meta.events.register_first("before-send", capture)
    call(client)
    return seen[-1]


def test_an_in_process_request_carries_its_credential_scope_without_the_hmac(
    toy_cloud: EmbeddedCloud,
) -> None:
    # When a client of this process calls the cloud
    authorization = _authorization_sent(
        fresh_client(toy_cloud, "dynamodb"), lambda c: c.describe_table(TableName=TABLE)
    )

    # Then the header names the caller's key, region and service as SigV4 does, and no HMAC
    scope, signed, signature = authorization.split(", ")
    assert scope.startswith("AWS4-HMAC-SHA256 Credential=testing/")
    assert scope.endswith("/us-east-1/dynamodb/aws4_request")
    assert signed == "SignedHeaders=host;x-amz-date"
    assert signature == "Signature=" + "0" * 64


def test_a_request_for_anywhere_else_and_a_presigned_url_are_signed_in_full(toy_cloud: EmbeddedCloud) -> None:
    import boto3

    # When a client of this process calls an endpoint no cloud here serves
    elsewhere = boto3.session.Session().client(
        "dynamodb",
        endpoint_url="http://127.0.0.1:9",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    authorization = _authorization_sent(elsewhere, lambda c: c.list_tables(), answer=True)

    # Then botocore's own SigV4 computed the signature
    signature = authorization.rpartition("Signature=")[2]
    assert len(signature) == 64 and signature != "0" * 64

    # And a URL presigned for the cloud itself carries a real signature too (a browser takes it)
    from botocore.config import Config

    s3v4 = boto3.session.Session().client(
        "s3",
        endpoint_url=toy_cloud.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(signature_version="s3v4"),
    )
    url = s3v4.generate_presigned_url("get_object", Params={"Bucket": "toy-toy-uploads", "Key": "k"})
    signature = url.rpartition("X-Amz-Signature=")[2]
    assert len(signature) == 64 and signature != "0" * 64
