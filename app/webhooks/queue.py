"""The delivery queue in SQS: tasks in, and the visibility that spaces an endpoint's retries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.delivery.queue import send_fair
from app.webhooks.models import DeliveryTask

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class SqsDeliveryQueue:
    """WebhookDeliveryQueue, used as a fair queue (the owner is the MessageGroupId): one tenant's
    flood of events does not delay the others' deliveries."""

    def __init__(self, sqs: SQSClient, url: str) -> None:
        self.sqs = sqs
        self.url = url

    def send(self, tasks: Sequence[DeliveryTask]) -> None:
        """Queue tasks, 10 a call."""
        send_fair(self.sqs, self.url, [(task.model_dump_json(), task.owner_id) for task in tasks])

    def retry_in(self, receipt_handle: str, seconds: int) -> None:
        """Keep a received task hidden for `seconds` (at most 12 h): its next attempt comes then."""
        self.sqs.change_message_visibility(
            QueueUrl=self.url, ReceiptHandle=receipt_handle, VisibilityTimeout=min(seconds, 43200)
        )
