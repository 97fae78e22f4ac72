"""Dev console data: peeking and redriving DLQs, executions, the trail of a correlation id."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from localcloud.cloud import EmbeddedCloud
from localcloud.services.stepfunctions import enable_interpreter
from tests.factories import confirm, new_email, sign_up
from tests.helpers import LogCapture, local_console
from tests.localcloud import web_toys
from tests.localcloud.helpers import aws, drain, eventually

WORK = "webtoy-web-work"
WORK_DLQ = "webtoy-web-work-dlq"
EVENT_DLQ = "webtoy-web-event-dlq"
PARKED = "webtoy-web-parked"


@pytest.fixture(scope="module")
def console(web_cloud: EmbeddedCloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The local runner's routes over the web stack, with a built SPA to fall back to."""
    with local_console(web_cloud, tmp_path_factory.mktemp("dist")) as client:
        yield client


def _url(cloud: EmbeddedCloud, name: str) -> str:
    return str(aws(cloud, "sqs").get_queue_url(QueueName=name)["QueueUrl"])


def _ids(console: TestClient, queue: str) -> list[str]:
    return [m["id"] for m in console.get(f"/_local/queues/{queue}/messages").json()["messages"]]


def test_messages_are_read_without_being_received(web_cloud: EmbeddedCloud, console: TestClient) -> None:
    sqs = aws(web_cloud, "sqs")
    sent = sqs.send_message(QueueUrl=_url(web_cloud, PARKED), MessageBody="look, don't touch")["MessageId"]

    first = console.get(f"/_local/queues/{PARKED}/messages").json()
    again = console.get(f"/_local/queues/{PARKED}/messages").json()

    message = next(m for m in again["messages"] if m["id"] == sent)
    assert [m["id"] for m in first["messages"]] == [m["id"] for m in again["messages"]]
    assert (message["body"], message["receive_count"], message["visible"]) == ("look, don't touch", 0, True)
    assert message["kind"] == "message" and message["sent_at"].endswith("Z")
    assert again["queue"] == PARKED and again["sources"] == [] and again["count"] >= 1
    # Still there, still visible: a consumer gets it now.
    assert sent in [m["MessageId"] for m in drain(web_cloud, _url(web_cloud, PARKED))]


def test_a_message_sqs_parked_goes_back_to_its_source_queue(
    web_cloud: EmbeddedCloud, console: TestClient
) -> None:
    body = f"fail-{uuid.uuid4()}"
    aws(web_cloud, "sqs").send_message(QueueUrl=_url(web_cloud, WORK), MessageBody=body)
    parked = eventually(lambda: console.get(f"/_local/queues/{WORK_DLQ}/messages").json()["messages"])
    assert [m["body"] for m in parked] == [body]
    assert console.get(f"/_local/queues/{WORK_DLQ}/messages").json()["sources"] == [WORK]

    web_toys.heal(body)
    redriven = console.post(f"/_local/queues/{WORK_DLQ}/redrive")

    assert redriven.status_code == 200, redriven.text
    assert {k: redriven.json()[k] for k in ("moved", "requeued", "reinvoked", "to_queue")} == {
        "moved": 1,
        "requeued": 1,
        "reinvoked": 0,
        "to_queue": WORK,
    }
    assert eventually(lambda: body in web_toys.received("work"))
    assert _ids(console, WORK_DLQ) == []


def test_a_lambda_failure_record_is_redriven_by_invoking_the_function_again(
    web_cloud: EmbeddedCloud, console: TestClient
) -> None:
    marker = str(uuid.uuid4())
    aws(web_cloud, "events").put_events(
        Entries=[
            {
                "Source": "webtoy.app",
                "DetailType": "Happened",
                "Detail": json.dumps({"id": marker, "fail": 1}),
            }
        ]
    )
    records = eventually(lambda: console.get(f"/_local/queues/{EVENT_DLQ}/messages").json()["messages"])
    (record,) = records
    assert record["kind"] == "lambda-async-failure"
    assert record["function_arn"].endswith(":function:HappenedFunction:$LATEST")
    assert record["error"] == f"refusing {marker}" and record["condition"] == "RetriesExhausted"

    web_toys.heal(marker)
    redriven = console.post(f"/_local/queues/{EVENT_DLQ}/redrive").json()

    assert (redriven["moved"], redriven["reinvoked"], redriven["functions"]) == (1, 1, ["HappenedFunction"])
    handled = eventually(lambda: [e for e in web_toys.received("happened") if e["detail"]["id"] == marker])
    assert handled[0]["detail-type"] == "Happened"  # the original event, not the failure record
    assert _ids(console, EVENT_DLQ) == []


def test_records_without_the_event_are_refused_and_left_in_place(
    web_cloud: EmbeddedCloud, console: TestClient
) -> None:
    sqs = aws(web_cloud, "sqs")
    stream_record = {
        "requestContext": {
            "functionArn": "arn:aws:lambda:us-east-1:444444444444:function:X",
            "condition": "x",
        },
        "DDBStreamBatchInfo": {"shardId": "shard-1", "startSequenceNumber": "1", "endSequenceNumber": "2"},
    }
    sqs.send_message(QueueUrl=_url(web_cloud, PARKED), MessageBody=json.dumps(stream_record))
    sqs.send_message(QueueUrl=_url(web_cloud, PARKED), MessageBody="parked by hand")

    refused = console.post(f"/_local/queues/{PARKED}/redrive")

    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "not_redrivable" and "nothing was moved" in error["message"]
    assert sorted(d["kind"] for d in error["details"]) == ["message", "stream-failure"]
    assert "shard-1" in next(d["reason"] for d in error["details"] if d["kind"] == "stream-failure")
    left = console.get(f"/_local/queues/{PARKED}/messages").json()["messages"]
    assert len(left) == 2 and all(m["visible"] for m in left)
    drain(web_cloud, _url(web_cloud, PARKED))


def test_unknown_queues_and_executions_are_404s_in_the_apis_error_shape(console: TestClient) -> None:
    for response in (
        console.get("/_local/queues/nope/messages"),
        console.post("/_local/queues/nope/redrive"),
        console.get("/_local/executions/arn:aws:states:us-east-1:444444444444:execution:m:x/history"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] in ("queue_not_found", "execution_not_found")


def test_executions_newest_first_with_their_history(web_cloud: EmbeddedCloud, console: TestClient) -> None:
    assert console.get("/_local/executions").json() == []  # no state machine in this stack yet
    enable_interpreter()
    sfn = aws(web_cloud, "stepfunctions")
    machine = sfn.create_state_machine(
        name="console-pass",
        definition=json.dumps({"StartAt": "Only", "States": {"Only": {"Type": "Pass", "End": True}}}),
        roleArn="arn:aws:iam::444444444444:role/x",
    )["stateMachineArn"]
    for name in ("first", "second"):
        sfn.start_execution(
            stateMachineArn=machine, name=name, input=json.dumps({"correlation_id": f"c-{name}"})
        )

    def finished() -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = console.get("/_local/executions").json()
        return rows if rows and all(r["status"] == "SUCCEEDED" for r in rows) else []

    listed = eventually(finished)
    history = console.get(f"/_local/executions/{listed[0]['execution_arn']}/history").json()
    one = console.get(f"/_local/executions/{listed[0]['execution_arn']}").json()

    assert [r["name"] for r in listed] == ["second", "first"]
    assert listed[0]["state_machine"] == "console-pass" and listed[0]["correlation_id"] == "c-second"
    assert listed[0]["started_at"] <= listed[0]["stopped_at"] and listed[0]["duration_ms"] >= 0
    assert history[0]["type"] == "ExecutionStarted" and history[-1]["type"] == "ExecutionSucceeded"
    assert history[0]["details"]["input"] == {"correlation_id": "c-second"}
    assert one["status"] == "SUCCEEDED" and one["history"] == history


def test_the_trail_follows_a_correlation_id_through_functions_events_and_pushes(
    web_cloud: EmbeddedCloud, console: TestClient
) -> None:
    correlation_id = f"trail-{uuid.uuid4()}"
    web_toys.logger.info("request", extra={"correlation_id": correlation_id, "path": "/x"})
    detail = {"id": correlation_id, "correlation_id": correlation_id}
    aws(web_cloud, "events").put_events(
        Entries=[{"Source": "webtoy.app", "DetailType": "Happened", "Detail": json.dumps(detail)}]
    )
    assert eventually(
        lambda: [e for e in web_toys.received("happened") if e["detail"]["id"] == correlation_id]
    )
    assert web_cloud.wait_idle(10)
    with console.websocket_connect("/ws?token=good-trail") as socket:
        connection_id = next(
            e["requestContext"]["connectionId"]
            for e in reversed(web_toys.received("connect"))
            if e["queryStringParameters"]["token"] == "good-trail"
        )
        push = json.dumps({"type": "thing.done", "correlation_id": correlation_id}).encode()
        aws(web_cloud, "apigatewaymanagementapi").post_to_connection(ConnectionId=connection_id, Data=push)
        socket.receive_text()

    trail = console.get(f"/_local/trail/{correlation_id}").json()

    by_source = {entry["source"]: entry for entry in trail}
    assert sorted(by_source) == ["api", "delivery", "event", "push", "worker"]
    assert [entry["time"] for entry in trail] == sorted(entry["time"] for entry in trail)
    assert trail[0]["source"] == "api" and trail[-1]["source"] == "push"
    assert by_source["api"]["message"] == "request" and by_source["api"]["details"]["path"] == "/x"
    assert by_source["worker"]["function_name"] == "HappenedFunction"
    assert by_source["worker"]["message"] == "happened handled"
    assert by_source["worker"]["details"]["happening"] == correlation_id
    assert by_source["event"]["kind"] == "Happened" and by_source["event"]["details"]["detail"] == detail
    assert by_source["push"]["details"]["connection_id"] == connection_id
    delivery = by_source["delivery"]
    assert (delivery["kind"], delivery["details"]["function"]) == ("eventbridge-event", "HappenedFunction")
    assert delivery["replayable"] and delivery["id"]
    assert console.get("/_local/trail/nothing-here").json() == []


def test_the_console_page_is_the_spa_and_its_data_stays_json(console: TestClient) -> None:
    assert console.get("/_local").text == "<html>console</html>"
    assert console.get("/_local/").text == "<html>console</html>"
    missing = console.get("/_local/no-such-endpoint")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/json")
    assert console.get("/_local/queues").headers["content-type"].startswith("application/json")


def test_the_trail_of_a_sign_up_across_api_event_worker_and_mail(
    cloud: EmbeddedCloud, client: TestClient, herald_logs: LogCapture
) -> None:
    # Given a sign-up confirmed under one correlation id
    email = new_email("trail")
    correlation_id = f"trail-{uuid.uuid4()}"
    sign_up(client, email, name="Grace")
    confirm(client, email, correlation_id=correlation_id)

    # When the welcome email has gone out
    assert eventually(lambda: [m for m in cloud.console.outbox() if email in m["to"]], timeout=10)
    assert cloud.wait_idle(10)
    trail: list[dict[str, Any]] = cloud.console.trail(correlation_id)

    # Then the trail holds the API request, the event, the worker's line and the mail, in time order
    assert {"api", "event", "worker", "email"} <= {entry["source"] for entry in trail}, trail
    assert [entry["time"] for entry in trail] == sorted(entry["time"] for entry in trail)
    request = next(i for i, e in enumerate(trail) if e["details"].get("path") == "/api/auth/confirm")
    event = next(i for i, e in enumerate(trail) if e["source"] == "event" and e["kind"] == "UserSignedUp")
    welcome = next(i for i, e in enumerate(trail) if e["message"] == "welcome email sent")
    assert trail[request]["source"] == "api" and request < event < welcome, trail
    worker = trail[welcome]
    function = next(r for r in cloud.console.resources() if r["logical_id"] == "SendWelcomeEmailFunction")
    assert (worker["source"], worker["function_name"]) == ("worker", function["physical_id"])
    mail = next(e for e in trail if e["source"] == "email")
    assert mail["details"]["to"] == [email] and mail["details"]["id"] == worker["details"]["message_id"]
    # And the worker's entry is the line Herald printed (the same Powertools JSON)
    (printed,) = [
        line
        for line in herald_logs.with_message("welcome email sent")
        if line.get("correlation_id") == correlation_id
    ]
    assert printed["message_id"] == worker["details"]["message_id"]
    assert printed["location"] == worker["details"]["location"]
