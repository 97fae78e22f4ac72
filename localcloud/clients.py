"""boto3 clients for the embedded cloud's own endpoint, created lazily and shared by its threads."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from localcloud.calls import INTERNAL_AGENT

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_ssm import SSMClient

FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

# One session for every cloud in the process: botocore caches the service models per session,
# which makes every client after the first ~10x cheaper to create.
_SESSION_LOCK = threading.Lock()
_SESSION: boto3.session.Session | None = None


def _session() -> boto3.session.Session:
    global _SESSION
    if _SESSION is None:
        _SESSION = boto3.session.Session()
    return _SESSION


def existing_session() -> boto3.session.Session | None:
    """The clouds' shared session, if any client was made yet."""
    return _SESSION


class Clients:
    """One client per service for `endpoint_url`; created on first use, closed together."""

    def __init__(self, endpoint_url: str, region: str) -> None:
        self.endpoint_url = endpoint_url
        self.region = region
        self._clients: dict[str, Any] = {}
        # No retries: a failure talking to ourselves is a bug to surface, not to hide. The agent
        # marks the cloud's own requests for the seam's observers (localcloud.calls).
        self._config = Config(
            retries={"total_max_attempts": 1}, read_timeout=70, user_agent_extra=INTERNAL_AGENT
        )

    def get(self, service: str) -> Any:
        """The client for `service` (a boto3 service name)."""
        with _SESSION_LOCK:
            client = self._clients.get(service)
            if client is None:
                client = _session().client(
                    service,  # type: ignore[call-overload]
                    endpoint_url=self.endpoint_url,
                    region_name=self.region,
                    config=self._config,
                    **FAKE_CREDENTIALS,
                )
                self._clients[service] = client
            return client

    def close(self) -> None:
        """Close every connection pool."""
        with _SESSION_LOCK:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()

    def dynamodb(self) -> DynamoDBClient:
        """DynamoDB."""
        client: DynamoDBClient = self.get("dynamodb")
        return client

    def streams(self) -> DynamoDBStreamsClient:
        """DynamoDB Streams."""
        client: DynamoDBStreamsClient = self.get("dynamodbstreams")
        return client

    def sqs(self) -> SQSClient:
        """SQS."""
        client: SQSClient = self.get("sqs")
        return client

    def events(self) -> EventBridgeClient:
        """EventBridge."""
        client: EventBridgeClient = self.get("events")
        return client

    def cognito(self) -> CognitoIdentityProviderClient:
        """Cognito user pools."""
        client: CognitoIdentityProviderClient = self.get("cognito-idp")
        return client

    def sesv2(self) -> SESV2Client:
        """SES v2."""
        client: SESV2Client = self.get("sesv2")
        return client

    def sns(self) -> SNSClient:
        """SNS."""
        client: SNSClient = self.get("sns")
        return client

    def s3(self) -> S3Client:
        """S3."""
        client: S3Client = self.get("s3")
        return client

    def ssm(self) -> SSMClient:
        """SSM Parameter Store."""
        client: SSMClient = self.get("ssm")
        return client


def queue_name_from_arn(arn: str) -> str:
    """`arn:aws:sqs:region:account:name` -> name."""
    return arn.rsplit(":", 1)[-1]


def queue_url(clients: Clients, arn: str) -> str:
    """The URL of the queue with ARN `arn`."""
    account = arn.split(":")[4]
    response = clients.sqs().get_queue_url(QueueName=queue_name_from_arn(arn), QueueOwnerAWSAccountId=account)
    return response["QueueUrl"]


def send_to_destination(clients: Clients, arn: str, payload: str) -> None:
    """Deliver `payload` to an SQS queue or SNS topic ARN (a Lambda destination)."""
    service = arn.split(":")[2] if arn.count(":") >= 5 else ""
    if service == "sqs":
        clients.sqs().send_message(QueueUrl=queue_url(clients, arn), MessageBody=payload)
    elif service == "sns":
        clients.sns().publish(TopicArn=arn, Message=payload)
    else:
        raise ValueError(f"unsupported destination {arn} (only SQS queues and SNS topics)")
