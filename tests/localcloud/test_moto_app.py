"""In-process calls reach moto's handlers without Flask and get Flask's answers, byte for byte."""

from __future__ import annotations

import io
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localcloud.cloud import EmbeddedCloud
from localcloud.moto_app import MotoApp
from localcloud.server import WsgiResponse, complete
from tests.localcloud.helpers import fresh_client, resource

TABLE = "toy-toy"
# What differs between two answers to the same request: request ids, and flask-cors' headers
# (left out of the in-process answer: no browser reads it).
_REQUEST_ID = re.compile(
    rb"[0-9a-zA-Z]{8}-[0-9a-zA-Z]{4}-[0-9a-zA-Z]{4}-[0-9a-zA-Z]{4}-[0-9a-zA-Z]{12}|(?<=<RequestId>)\w+"
)
_PER_ANSWER = ("x-amzn-requestid", "x-amz-request-id", "x-amz-id-2", "x-amz-crc32", "date")


def _comparable(response: WsgiResponse) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = [
        (name.lower(), _REQUEST_ID.sub(b"<id>", value.encode()).decode())
        for name, value in response.headers
        if name.lower() not in _PER_ANSWER and not name.lower().startswith("access-control-")
    ]
    return response.status, sorted(headers), _REQUEST_ID.sub(b"<id>", response.body)


@pytest.fixture
def both_ways(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, WsgiResponse, WsgiResponse]]]:
    """Each in-process request of the test's thread (not the pollers') answered directly (what
    the caller gets) and through Flask."""
    answered: list[tuple[str, WsgiResponse, WsgiResponse]] = []
    direct = MotoApp.answer
    test_thread = threading.current_thread()

    def answer(self: MotoApp, environ: dict[str, Any]) -> WsgiResponse:
        if threading.current_thread() is not test_thread:
            return direct(self, environ)
        body = environ["wsgi.input"].read()
        via_flask = dict(environ, **{"wsgi.input": io.BytesIO(body)})
        environ["wsgi.input"] = io.BytesIO(body)
        response = direct(self, environ)
        answered.append((environ["PATH_INFO"], response, complete(self, via_flask)))
        return response

    monkeypatch.setattr(MotoApp, "answer", answer)
    yield answered


def _calls(cloud: EmbeddedCloud, tag: str) -> list[Callable[[], Any]]:
    """Requests of every protocol the cloud serves that give the same answer when repeated."""
    dynamodb, sqs, s3, sesv2 = (fresh_client(cloud, name) for name in ("dynamodb", "sqs", "s3", "sesv2"))
    key = {"PK": {"S": f"direct-{tag}"}, "SK": {"S": "x"}}
    sns = fresh_client(cloud, "sns")
    bucket = str(resource(cloud, "Bucket")["physical_id"])
    return [
        # JSON
        lambda: dynamodb.put_item(TableName=TABLE, Item={**key, "n": {"N": "1"}}),
        lambda: dynamodb.get_item(TableName=TABLE, Key=key),
        lambda: dynamodb.update_item(
            TableName=TABLE,
            Key=key,
            UpdateExpression="SET n = :n",
            ConditionExpression="n = :other",
            ExpressionAttributeValues={":n": {"N": "2"}, ":other": {"N": "7"}},
        ),
        lambda: dynamodb.describe_table(TableName="no-such-table"),
        # JSON (SQS) and its query-compatible errors
        lambda: sqs.list_queues(QueueNamePrefix="toy"),
        lambda: sqs.get_queue_url(QueueName=f"no-such-queue-{tag}"),
        # the query protocol, answered in XML
        lambda: sns.list_topics(),
        # REST-XML, HEAD included
        lambda: s3.put_object(Bucket=bucket, Key=f"direct/{tag}.txt", Body=b"hello"),
        lambda: s3.get_object(Bucket=bucket, Key=f"direct/{tag}.txt"),
        lambda: s3.head_object(Bucket=bucket, Key=f"direct/{tag}.txt"),
        lambda: s3.head_object(Bucket=bucket, Key=f"direct/missing-{tag}.txt"),
        # REST-JSON
        lambda: sesv2.get_account(),
        lambda: sesv2.get_email_identity(EmailIdentity=f"nobody-{tag}.example"),
    ]


def test_each_protocol_answers_as_through_flask(
    toy_cloud: EmbeddedCloud, both_ways: list[tuple[str, WsgiResponse, WsgiResponse]]
) -> None:
    # Given requests of each protocol, successes and errors
    for call in _calls(toy_cloud, uuid.uuid4().hex[:8]):
        try:
            call()
        except ClientError:
            pass

    # Then each was answered without Flask exactly as Flask answers it
    assert len(both_ways) >= 13
    statuses = set()
    for path, direct, via_flask in both_ways:
        assert _comparable(direct) == _comparable(via_flask), path
        statuses.add(direct.status)
    assert {200, 400, 404} <= statuses


def test_only_flask_adds_cors_headers(
    toy_cloud: EmbeddedCloud, both_ways: list[tuple[str, WsgiResponse, WsgiResponse]]
) -> None:
    # Given an in-process call
    fresh_client(toy_cloud, "sqs").list_queues(QueueNamePrefix="toy")

    # Then its answer is Flask's without flask-cors' headers
    [(_, direct, via_flask)] = both_ways
    assert not direct.header("Access-Control-Allow-Origin")
    assert via_flask.header("Access-Control-Allow-Origin") == "*"


def test_an_unrouted_request_gets_flasks_answer(toy_cloud: EmbeddedCloud) -> None:
    # Given a path no route of the service's URL map matches
    import botocore.session

    client: Any = botocore.session.get_session().create_client(
        "sesv2",
        endpoint_url=toy_cloud.endpoint_url + "/no-such-prefix",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )

    # Then Flask answers it (its 404), as it would over the loopback port
    with pytest.raises(ClientError) as caught:
        client.get_account()
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_a_kept_route_answers_as_a_fresh_match(
    toy_cloud: EmbeddedCloud,
    both_ways: list[tuple[str, WsgiResponse, WsgiResponse]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the same requests twice (the second time routed by what the first matched), and
    # room for one more route only
    import localcloud.moto_app as moto_app

    dispatcher = toy_cloud._dispatcher
    assert dispatcher is not None
    kept = dispatcher._moto._endpoints
    tag = uuid.uuid4().hex[:8]
    for _ in range(2):
        for call in _calls(toy_cloud, tag):
            try:
                call()
            except ClientError:
                pass
    monkeypatch.setattr(moto_app, "ENDPOINTS_KEPT", len(kept) + 1)
    s3 = fresh_client(toy_cloud, "s3")
    bucket = str(resource(toy_cloud, "Bucket")["physical_id"])
    for n in range(3):
        s3.put_object(Bucket=bucket, Key=f"kept/{tag}-{n}.txt", Body=str(n).encode())

    # Then every answer is Flask's, the routes were kept up to the limit, and past it still routed
    assert len(both_ways) >= 29
    for path, direct, via_flask in both_ways:
        assert _comparable(direct) == _comparable(via_flask), path
    assert len(kept) == moto_app.ENDPOINTS_KEPT
    assert s3.get_object(Bucket=bucket, Key=f"kept/{tag}-2.txt")["Body"].read() == b"2"
