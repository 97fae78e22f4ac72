"""Lazily created, cached boto3 clients: nothing is imported or created at import time."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_sesv2 import SESV2Client


@cache
def _session() -> Any:
    import boto3

    from app.observability import get_tracer

    get_tracer()  # patches botocore so every AWS call is an X-Ray subsegment (no-op locally)
    return boto3.session.Session()


@cache
def _client(service: str) -> Any:
    from botocore.config import Config

    from app.config import get_settings

    config = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5)
    return _session().client(service, region_name=get_settings().aws_region, config=config)


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


def clear_clients() -> None:
    """Forget every cached client (tests, and the local runner after it sets the endpoint)."""
    _client.cache_clear()
    _session.cache_clear()
