"""Lazily created, cached boto3 clients: nothing is imported or created at import time."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

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

C = TypeVar("C")


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


# Botocore settings beyond the defaults (standard retries, 5 attempts, 5 s to connect), by client.
_OVERRIDES: dict[str, dict[str, Any]] = {
    # SigV4 for presigned POSTs and GETs (the default would sign POST policies with SigV2).
    "s3": {"signature_version": "s3v4"},
    # A push is best effort: a slow or unreachable endpoint must not hold up the stream worker.
    "apigatewaymanagementapi": {
        "retries": {"mode": "standard", "max_attempts": 2},
        "connect_timeout": 2,
        "read_timeout": 5,
    },
    # Two attempts: a throttled send surfaces quickly and its batch is redelivered by SQS. A send
    # answers in well under a second; 10 s bounds a stuck one (a sender keeps 30 s in reserve).
    "campaign-ses": {"retries": {"mode": "standard", "max_attempts": 2}, "read_timeout": 10},
}
# Clients that are another service's client with their own settings.
_SERVICES = {"campaign-ses": "sesv2"}


@cache
def _client(name: str, endpoint_url: str | None = None) -> Any:
    from botocore.config import Config

    from app.config import get_settings

    config = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5)
    if name in _OVERRIDES:
        config = config.merge(Config(**_OVERRIDES[name]))
    return _session().client(
        _SERVICES.get(name, name),
        region_name=get_settings().aws_region,
        config=config,
        endpoint_url=endpoint_url,
    )


class Client(Generic[C]):
    """The typed accessor of one cached client: `aws.sqs()` is the SQS client."""

    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.__doc__ = doc

    def __call__(self) -> C:
        return cast(C, _client(self.name))


dynamodb: Client[DynamoDBClient] = Client("dynamodb", "The DynamoDB client.")
cognito: Client[CognitoIdentityProviderClient] = Client("cognito-idp", "The Cognito user pools client.")
events: Client[EventBridgeClient] = Client("events", "The EventBridge client.")
sesv2: Client[SESV2Client] = Client("sesv2", "The SES v2 client.")
s3: Client[S3Client] = Client(
    "s3", "The S3 client (SigV4, so presigned POSTs and URLs work in every region)."
)
campaign_ses: Client[SESV2Client] = Client(
    "campaign-ses", "The SES v2 client campaign senders use (few retries: SQS redelivers throttled batches)."
)
stepfunctions: Client[SFNClient] = Client("stepfunctions", "The Step Functions client.")
scheduler: Client[EventBridgeSchedulerClient] = Client("scheduler", "The EventBridge Scheduler client.")
sqs: Client[SQSClient] = Client("sqs", "The SQS client.")


def apigateway_management(endpoint_url: str) -> ApiGatewayManagementApiClient:
    """The WebSocket management API client for one API stage (it always needs its endpoint)."""
    client: ApiGatewayManagementApiClient = _client("apigatewaymanagementapi", endpoint_url)
    return client


def clear_clients() -> None:
    """Forget every cached client (tests, and the local runner after it sets the endpoint)."""
    _client.cache_clear()
    _session.cache_clear()
