"""Lazily created, cached boto3 clients: nothing is imported or created at import time."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_apigatewaymanagementapi import ApiGatewayManagementApiClient
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_stepfunctions import SFNClient


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError ('' for any other exception)."""
    response: Any = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


@cache
def _session() -> Any:
    import boto3

    from app.observability import get_tracer

    get_tracer()  # patches botocore so every AWS call is an X-Ray subsegment (no-op locally)
    return boto3.session.Session()


@cache
def _client(service: str, endpoint_url: str | None = None) -> Any:
    from botocore.config import Config

    from app.config import get_settings

    config = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5)
    if service == "s3":
        # SigV4 for presigned POSTs and GETs (the default would sign POST policies with SigV2).
        config = config.merge(Config(signature_version="s3v4"))
    if service == "apigatewaymanagementapi":
        # A push is best effort: a slow or unreachable endpoint must not hold up the stream worker.
        config = config.merge(
            Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=2, read_timeout=5)
        )
    return _session().client(
        service, region_name=get_settings().aws_region, config=config, endpoint_url=endpoint_url
    )


def dynamodb() -> DynamoDBClient:
    """The DynamoDB client."""
    client: DynamoDBClient = _client("dynamodb")
    return client


def cognito() -> CognitoIdentityProviderClient:
    """The Cognito user pools client."""
    client: CognitoIdentityProviderClient = _client("cognito-idp")
    return client


def events() -> EventBridgeClient:
    """The EventBridge client."""
    client: EventBridgeClient = _client("events")
    return client


def sesv2() -> SESV2Client:
    """The SES v2 client."""
    client: SESV2Client = _client("sesv2")
    return client


def s3() -> S3Client:
    """The S3 client (SigV4, so presigned POSTs and URLs work in every region)."""
    client: S3Client = _client("s3")
    return client


@cache
def _campaign_ses() -> Any:
    from botocore.config import Config

    from app.config import get_settings

    # Two attempts: a throttled send surfaces quickly and its batch is redelivered by SQS. A send
    # answers in well under a second; 10 s bounds a stuck one (a sender keeps 30 s in reserve).
    config = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=5, read_timeout=10)
    return _session().client("sesv2", region_name=get_settings().aws_region, config=config)


def campaign_ses() -> SESV2Client:
    """The SES v2 client campaign senders use (few retries: SQS redelivers throttled batches)."""
    client: SESV2Client = _campaign_ses()
    return client


def stepfunctions() -> SFNClient:
    """The Step Functions client."""
    client: SFNClient = _client("stepfunctions")
    return client


def scheduler() -> EventBridgeSchedulerClient:
    """The EventBridge Scheduler client."""
    client: EventBridgeSchedulerClient = _client("scheduler")
    return client


def sqs() -> SQSClient:
    """The SQS client."""
    client: SQSClient = _client("sqs")
    return client


def apigateway_management(endpoint_url: str) -> ApiGatewayManagementApiClient:
    """The WebSocket management API client for one API stage (it always needs its endpoint)."""
    client: ApiGatewayManagementApiClient = _client("apigatewaymanagementapi", endpoint_url)
    return client


def clear_clients() -> None:
    """Forget every cached client (tests, and the local runner after it sets the endpoint)."""
    _client.cache_clear()
    _campaign_ses.cache_clear()
    _session.cache_clear()
