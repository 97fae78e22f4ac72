"""The event shapes Lambda hands to functions, and the records it writes when it gives up."""

from __future__ import annotations

import base64
import datetime as dt
import traceback
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

LAMBDA_VERSION = "$LATEST"


def now_iso() -> str:
    """The current time as Lambda writes it in failure records (ms precision, Z)."""
    now = dt.datetime.now(dt.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def lambda_error(exc: BaseException, *, error_type: str | None = None) -> dict[str, Any]:
    """The payload of a function error, as the Python runtime reports it."""
    frames = traceback.format_tb(exc.__traceback__)
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": "",
        "stackTrace": frames,
    }


# ---------------------------------------------------------------------- DynamoDB Streams


def _base64(value: bytes | str) -> str:
    # boto3 hands binaries back as bytes; moto keeps them as the base64 text of the request.
    return value if isinstance(value, str) else base64.b64encode(value).decode()


def _plain_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    """One AttributeValue as JSON (Lambda gives binaries as base64)."""
    plain: dict[str, Any] = {}
    for kind, item in value.items():
        if kind == "B":
            plain[kind] = _base64(item)
        elif kind == "BS":
            plain[kind] = [_base64(entry) for entry in item]
        elif kind == "M":
            plain[kind] = _plain_image(item)
        elif kind == "L":
            plain[kind] = [_plain_attribute(entry) for entry in item]
        elif isinstance(item, list):  # SS, NS: a copy, never moto's own list
            plain[kind] = list(item)
        else:
            plain[kind] = item
    return plain


def _plain_image(image: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _plain_attribute(value) for name, value in image.items()}


def stream_record(
    record: Mapping[str, Any], *, stream_arn: str, region: str, from_moto: bool = False
) -> dict[str, Any]:
    """A DynamoDB Streams record (from boto3, or moto's own with `from_moto`) in Lambda's shape."""
    source = record.get("dynamodb", {})
    dynamodb: dict[str, Any] = {}
    created = source.get("ApproximateCreationDateTime")
    if from_moto and isinstance(created, dt.datetime) and created.tzinfo is None:
        created = created.replace(tzinfo=dt.UTC)  # moto's utcnow(); boto3 parses it aware
    if isinstance(created, dt.datetime):
        dynamodb["ApproximateCreationDateTime"] = float(int(created.timestamp()))
    elif created is not None:
        dynamodb["ApproximateCreationDateTime"] = float(created)
    for image in ("Keys", "NewImage", "OldImage"):
        if image in source:
            dynamodb[image] = _plain_image(source[image])
    for name in ("SequenceNumber", "SizeBytes", "StreamViewType"):
        if name in source:
            dynamodb[name] = source[name]
    shaped: dict[str, Any] = {
        "eventID": record.get("eventID") or uuid.uuid4().hex,
        "eventName": record["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }
    identity = record.get("userIdentity")
    if identity:  # the Streams API says {Type, PrincipalId}; Lambda's event {type, principalId}
        shaped["userIdentity"] = {"type": identity.get("Type"), "principalId": identity.get("PrincipalId")}
    return shaped


def stream_failure_record(
    *,
    function_arn: str,
    stream_arn: str,
    shard_id: str,
    records: Sequence[Mapping[str, Any]],
    invoke_count: int,
    function_error: str | None,
) -> dict[str, Any]:
    """What a stream event source mapping sends to its on-failure destination."""
    first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
    response: dict[str, Any] = {"statusCode": 200, "executedVersion": LAMBDA_VERSION}
    if function_error:
        response["functionError"] = function_error
    return {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": invoke_count,
        },
        "responseContext": response,
        "version": "1.0",
        "timestamp": now_iso(),
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": first["SequenceNumber"],
            "endSequenceNumber": last["SequenceNumber"],
            "approximateArrivalOfFirstRecord": _arrival(first),
            "approximateArrivalOfLastRecord": _arrival(last),
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }


def _arrival(dynamodb: Mapping[str, Any]) -> str:
    created = dynamodb.get("ApproximateCreationDateTime")
    moment = (
        dt.datetime.fromtimestamp(float(created), dt.UTC) if created is not None else dt.datetime.now(dt.UTC)
    )
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------- SQS


def _message_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    """An SQS message attribute in Lambda's lower-camel shape."""
    shaped: dict[str, Any] = {
        "stringListValues": list(value.get("StringListValues", [])),
        "binaryListValues": [base64.b64encode(item).decode() for item in value.get("BinaryListValues", [])],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        shaped["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        shaped["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return shaped


def sqs_record(message: Mapping[str, Any], *, queue_arn: str, region: str) -> dict[str, Any]:
    """An SQS message (from boto3's receive_message) in the shape Lambda delivers it."""
    attributes = message.get("Attributes", {})
    shaped_attributes = {
        "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
        "SentTimestamp": attributes.get("SentTimestamp", ""),
        "SenderId": attributes.get("SenderId", ""),
        "ApproximateFirstReceiveTimestamp": attributes.get("ApproximateFirstReceiveTimestamp", ""),
    }
    for fifo in ("SequenceNumber", "MessageGroupId", "MessageDeduplicationId"):
        if fifo in attributes:
            shaped_attributes[fifo] = attributes[fifo]
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": shaped_attributes,
        "messageAttributes": {
            name: _message_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


# ---------------------------------------------------------------------- async invocations


def eventbridge_envelope(event: Mapping[str, Any]) -> dict[str, Any]:
    """The envelope as Lambda receives it (moto adds an `ingestion-time` AWS does not send)."""
    return {key: value for key, value in event.items() if key != "ingestion-time"}


def async_failure_record(
    *,
    function_arn: str,
    payload: Any,
    invoke_count: int,
    error: Mapping[str, Any],
) -> dict[str, Any]:
    """What an asynchronous invocation sends to its on-failure destination."""
    return {
        "version": "1.0",
        "timestamp": now_iso(),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": f"{function_arn}:{LAMBDA_VERSION}",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": invoke_count,
        },
        "requestPayload": payload,
        "responseContext": {
            "statusCode": 200,
            "executedVersion": LAMBDA_VERSION,
            "functionError": "Unhandled",
        },
        "responsePayload": dict(error),
    }


# ---------------------------------------------------------------------- Cognito

ADMIN_CLIENT_ID = "CLIENT_ID_NOT_APPLICABLE"


def cognito_trigger_event(
    *,
    trigger_source: str,
    region: str,
    user_pool_id: str,
    user_name: str,
    client_id: str,
    request: Mapping[str, Any],
    response: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A Cognito user pool trigger event (the common envelope of every trigger)."""
    return {
        "version": "1",
        "region": region,
        "userPoolId": user_pool_id,
        "userName": user_name,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id},
        "triggerSource": trigger_source,
        "request": dict(request),
        "response": dict(response or {}),
    }
