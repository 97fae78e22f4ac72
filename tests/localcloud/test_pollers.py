"""Feeders: stream, SQS, EventBridge and S3 events reach the toy handlers as Lambda would."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from typing import Any

from localcloud.calls import Call
from localcloud.cloud import EmbeddedCloud
from localcloud.server import WsgiResponse
from localcloud.shapes import stream_record
from tests.localcloud.helpers import aws, drain, eventually, resource
from tests.localcloud.toys import received


def _put(cloud: EmbeddedCloud, *items: dict[str, str]) -> None:
    """Write items in one request, so the stream hands them over as one batch."""
    requests = [
        {"PutRequest": {"Item": {name: {"S": value} for name, value in item.items()}}} for item in items
    ]
    aws(cloud, "dynamodb").batch_write_item(RequestItems={"toy-toy": requests})


def _stream_invocations(tag: str) -> list[list[dict[str, Any]]]:
    """The records of `tag` in each batch the stream handler got (a batch may hold other tests' too)."""
    batches = [
        [record for record in event["Records"] if record["dynamodb"]["Keys"]["PK"]["S"].startswith(tag)]
        for event in received("stream")
    ]
    return [batch for batch in batches if batch]


def _keys(records: list[dict[str, Any]]) -> list[str]:
    return [record["dynamodb"]["Keys"]["SK"]["S"] for record in records]


def test_stream_records_arrive_in_lambdas_shape(toy_cloud: EmbeddedCloud) -> None:
    tag = f"shape-{uuid.uuid4()}"
    _put(toy_cloud, {"PK": tag, "SK": "1", "name": "Ada"})

    assert toy_cloud.wait_idle(10)

    (batch,) = _stream_invocations(tag)
    (record,) = batch
    stream_arn = aws(toy_cloud, "dynamodb").describe_table(TableName="toy-toy")["Table"]["LatestStreamArn"]
    assert record["eventSourceARN"] == stream_arn
    assert (record["eventVersion"], record["eventSource"], record["eventName"]) == (
        "1.1",
        "aws:dynamodb",
        "INSERT",
    )
    assert record["awsRegion"] == "us-east-1"
    assert record["dynamodb"]["NewImage"]["name"] == {"S": "Ada"}
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], float)
    assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"


def test_a_partial_batch_failure_is_retried_from_the_failed_record(toy_cloud: EmbeddedCloud) -> None:
    tag = f"partial-{uuid.uuid4()}"
    _put(
        toy_cloud,
        {"PK": tag, "SK": "a"},
        {"PK": tag, "SK": "b", "mode": "flaky"},
        {"PK": tag, "SK": "c"},
    )

    assert toy_cloud.wait_idle(10)

    batches = [_keys(records) for records in _stream_invocations(tag)]
    assert batches == [["a", "b", "c"], ["b", "c"]]


def test_a_poison_record_is_isolated_and_sent_to_the_on_failure_queue(toy_cloud: EmbeddedCloud) -> None:
    tag = f"poison-{uuid.uuid4()}"
    _put(
        toy_cloud,
        {"PK": tag, "SK": "ok-1"},
        {"PK": tag, "SK": "bad", "mode": "poison"},
        {"PK": tag, "SK": "ok-2"},
    )

    assert toy_cloud.wait_idle(15)

    batches = [_keys(records) for records in _stream_invocations(tag)]
    # Bisected, then the poison record alone: first try + MaximumRetryAttempts (2).
    assert batches[0] == ["ok-1", "bad", "ok-2"]
    assert batches.count(["bad"]) == 3
    assert ["ok-1"] in batches and ["ok-2"] in batches
    poison_seq = next(
        record["dynamodb"]["SequenceNumber"]
        for records in _stream_invocations(tag)
        for record in records
        if record["dynamodb"]["Keys"]["SK"]["S"] == "bad"
    )
    dlq = resource(toy_cloud, "StreamDLQ")["physical_id"]
    failures = [json.loads(message["Body"]) for message in drain(toy_cloud, dlq)]
    (failure,) = [f for f in failures if f["DDBStreamBatchInfo"]["startSequenceNumber"] == poison_seq]
    info = failure["DDBStreamBatchInfo"]
    assert (info["endSequenceNumber"], info["batchSize"]) == (poison_seq, 1)
    assert info["streamArn"].startswith("arn:aws:dynamodb:us-east-1:111111111111:table/toy-toy/stream/")
    assert info["shardId"].startswith("shardId-")
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 3
    assert failure["requestContext"]["functionArn"].endswith(":function:StreamFunction")
    assert failure["responseContext"]["functionError"] == "Unhandled"


def test_sqs_batches_delete_successes_and_redrive_failures(toy_cloud: EmbeddedCloud) -> None:
    sqs = aws(toy_cloud, "sqs")
    queue = resource(toy_cloud, "WorkQueue")["physical_id"]
    tag = str(uuid.uuid4())
    sqs.send_message(
        QueueUrl=queue,
        MessageBody="fail",
        MessageAttributes={"tag": {"DataType": "String", "StringValue": tag}},
    )
    sqs.send_message(
        QueueUrl=queue,
        MessageBody=f"ok {tag}",
        MessageAttributes={"tag": {"DataType": "String", "StringValue": tag}},
    )

    # Failed messages come back after 1 s locally; after maxReceiveCount (2) SQS moves them.
    dlq = resource(toy_cloud, "WorkDLQ")["physical_id"]
    parked = eventually(lambda: drain(toy_cloud, dlq), timeout=15)

    assert [message["Body"] for message in parked] == ["fail"]
    records = [
        record
        for event in received("queue")
        for record in event["Records"]
        if record["messageAttributes"].get("tag", {}).get("stringValue") == tag
    ]
    assert sorted(record["body"] for record in records) == ["fail", "fail", f"ok {tag}"]
    failed = [record for record in records if record["body"] == "fail"]
    assert [r["attributes"]["ApproximateReceiveCount"] for r in failed] == ["1", "2"]
    record = failed[0]
    assert set(record["attributes"]) == {
        "ApproximateReceiveCount",
        "SentTimestamp",
        "SenderId",
        "ApproximateFirstReceiveTimestamp",
    }
    assert record["messageAttributes"]["tag"] == {
        "stringValue": tag,
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == "arn:aws:sqs:us-east-1:111111111111:toy-toy-work"
    assert record["md5OfBody"] and record["receiptHandle"] and record["awsRegion"] == "us-east-1"
    assert (
        sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])[
            "Attributes"
        ]["ApproximateNumberOfMessages"]
        == "0"
    )


def _put_event(cloud: EmbeddedCloud, detail_type: str, detail: dict[str, Any]) -> None:
    aws(cloud, "events").put_events(
        Entries=[
            {
                "EventBusName": "toy-toy",
                "Source": "toy.app",
                "DetailType": detail_type,
                "Detail": json.dumps(detail),
            }
        ]
    )


def _rule_events(event_id: str) -> list[dict[str, Any]]:
    return [event for event in received("rule") if event["detail"].get("id") == event_id]


def test_eventbridge_rules_invoke_with_one_full_envelope(toy_cloud: EmbeddedCloud) -> None:
    event_id = str(uuid.uuid4())
    _put_event(toy_cloud, "Happened", {"id": event_id})

    assert toy_cloud.wait_idle(10)

    (envelope,) = _rule_events(event_id)
    assert envelope["account"] == "111111111111"
    assert (envelope["source"], envelope["detail-type"], envelope["region"]) == (
        "toy.app",
        "Happened",
        "us-east-1",
    )
    assert set(envelope) == {
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    }
    seen = [e for e in toy_cloud.console.recent_events() if e.get("detail", {}).get("id") == event_id]
    assert len(seen) == 1 and seen[0]["account"] == "111111111111"


def test_a_failing_async_handler_ends_in_its_on_failure_destination(toy_cloud: EmbeddedCloud) -> None:
    event_id = str(uuid.uuid4())
    _put_event(toy_cloud, "Happened", {"id": event_id, "fail": True})

    dlq = resource(toy_cloud, "EventDLQ")["physical_id"]
    parked = eventually(lambda: drain(toy_cloud, dlq), timeout=15)

    # EventInvokeConfig: MaximumRetryAttempts 1 -> two attempts, then Lambda's failure record.
    assert len(_rule_events(event_id)) == 2
    (record,) = [json.loads(message["Body"]) for message in parked]
    assert record["requestPayload"]["detail"]["id"] == event_id
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["responsePayload"]["errorType"] == "RuntimeError"
    assert record["responseContext"]["functionError"] == "Unhandled"


def test_without_a_destination_the_rule_dead_letter_queue_gets_the_event(
    toy_cloud: EmbeddedCloud,
) -> None:
    event_id = str(uuid.uuid4())
    _put_event(toy_cloud, "Parked", {"id": event_id, "fail": True})

    dlq = resource(toy_cloud, "RuleDLQ")["physical_id"]
    parked = eventually(lambda: drain(toy_cloud, dlq), timeout=15)

    # MaximumRetryAttempts 0: one attempt, then the local queue's RedrivePolicy parks it.
    assert len(_rule_events(event_id)) == 1
    (envelope,) = [json.loads(message["Body"]) for message in parked]
    assert envelope["detail"]["id"] == event_id and envelope["account"] == "111111111111"


def test_s3_notifications_reach_the_handler_with_the_key_encoded_as_s3_does(
    toy_cloud: EmbeddedCloud,
) -> None:
    s3 = aws(toy_cloud, "s3")
    folder = str(uuid.uuid4())
    s3.put_object(Bucket="toy-toy-uploads", Key=f"uploads/{folder}/my list.csv", Body=b"a,b\n")
    s3.put_object(Bucket="toy-toy-uploads", Key=f"elsewhere/{folder}.csv", Body=b"x")

    assert toy_cloud.wait_idle(10)

    records = [
        record
        for event in received("upload")
        for record in event["Records"]
        if folder in record["s3"]["object"]["key"]
    ]
    (record,) = records
    assert record["s3"]["object"]["key"] == f"uploads/{folder}/my+list.csv"
    assert record["s3"]["bucket"]["name"] == "toy-toy-uploads"
    assert record["eventName"].startswith("ObjectCreated:")
    assert all("Event" not in event for event in received("upload"))  # s3:TestEvent skipped


def test_queues_report_depths_and_dead_letter_queues(toy_cloud: EmbeddedCloud) -> None:
    queues = {queue["name"]: queue for queue in toy_cloud.console.queues()}

    assert queues["toy-toy-work"]["dlq"] == "toy-toy-work-dlq"
    assert queues["toy-toy-work"]["dlq_depth"] is not None
    local = queues["localcloud-RuleFunction-Happened"]
    assert local["local"] and local["dlq"] == "toy-toy-event-dlq"
    assert queues["toy-toy-stream-dlq"]["dlq"] is None


def test_a_stream_record_read_from_moto_is_the_one_get_records_would_give(toy_cloud: EmbeddedCloud) -> None:
    # Given an item with every attribute type (binaries, sets, nested maps and lists)
    tag = f"direct-{uuid.uuid4()}"
    item = {
        "PK": {"S": tag},
        "SK": {"S": "1"},
        "n": {"N": "12.50"},
        "b": {"B": b"\x00\xffbinary"},
        "ss": {"SS": ["a", "b"]},
        "ns": {"NS": ["1", "2"]},
        "bs": {"BS": [b"\x01", b"\x02"]},
        "m": {"M": {"inner": {"L": [{"S": "x"}, {"BOOL": True}, {"NULL": True}, {"B": b"\x03"}]}}},
    }
    aws(toy_cloud, "dynamodb").put_item(TableName="toy-toy", Item=item)
    assert toy_cloud.wait_idle(10)
    (batch,) = _stream_invocations(tag)
    (delivered,) = batch

    # When the same record is read through the Streams API, as the poller once did
    streams = aws(toy_cloud, "dynamodbstreams")
    arn = delivered["eventSourceARN"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn,
        ShardId=shard,
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=delivered["dynamodb"]["SequenceNumber"],
    )["ShardIterator"]
    raw = streams.get_records(ShardIterator=iterator, Limit=1)["Records"][0]

    # Then the event the function got is that record in Lambda's shape, byte for byte
    expected = stream_record(raw, stream_arn=arn, region="us-east-1")
    assert json.dumps(delivered, sort_keys=True) == json.dumps(expected, sort_keys=True)
    assert delivered["dynamodb"]["NewImage"]["b"] == {"B": base64.b64encode(b"\x00\xffbinary").decode()}


class _OwnSqsReads:
    """The cloud's own SQS receives and attribute reads, each with whether it returned messages."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: list[tuple[str, bool]] = []

    def before(self, call: Call) -> None:
        del call  # refuses nothing

    def after(self, call: Call, response: WsgiResponse) -> None:
        reads = ("ReceiveMessage", "GetQueueAttributes")
        if call.internal and call.service == "sqs" and call.operation in reads:
            with self._lock:
                self.calls.append((call.operation, bool((response.json_body() or {}).get("Messages"))))


def test_queue_pollers_ask_for_messages_only_when_one_is_visible(toy_cloud: EmbeddedCloud) -> None:
    # Given every queue poller drained, with an observer of the cloud's own SQS reads
    reads = _OwnSqsReads()
    toy_cloud.add_observer(reads)
    assert toy_cloud.wait_idle(15)
    reads.calls.clear()

    # When every poller polls again with nothing waiting
    assert toy_cloud.wait_idle(15)

    # Then none sent a request (an empty receive: moto's queue was read instead)
    assert reads.calls == []

    # And a message sent now is received with one request that returns it
    tag = str(uuid.uuid4())
    aws(toy_cloud, "sqs").send_message(
        QueueUrl=resource(toy_cloud, "WorkQueue")["physical_id"], MessageBody=f"ok {tag}"
    )
    eventually(lambda: [e for e in received("queue") for r in e["Records"] if r["body"] == f"ok {tag}"])
    assert toy_cloud.wait_idle(15)
    assert reads.calls == [("ReceiveMessage", True)]
