"""Adapters the delivery steps talk through: the send queue and the execution's task token."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from app.aws import error_code
from app.delivery.models import SendBatch
from app.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_stepfunctions import SFNClient

# A token that was already used, or whose wait timed out: nothing to resume (another party did).
STALE_TOKEN = frozenset({"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"})


class BatchQueue(Protocol):
    """Where recipient batches wait for the senders."""

    def enqueue(self, batches: Sequence[SendBatch]) -> None:
        """Put batches on the queue."""
        ...


class Resumer(Protocol):
    """Resumes an execution waiting on a task token, or tells it the senders are progressing."""

    def resume(self, token: str, output: Mapping[str, Any]) -> bool:
        """SendTaskSuccess; False when the token is stale (used or timed out)."""
        ...

    def heartbeat(self, token: str) -> bool:
        """SendTaskHeartbeat (the wait restarts its count); False when the token is stale."""
        ...


@dataclass(frozen=True)
class DeliveryControl:
    """What pausing and resuming a delivery talk to."""

    resumer: Resumer
    queue: BatchQueue


class SqsBatchQueue:
    """The send queue (SQS, 10 messages per call): a standard queue used as a fair queue.

    Every message carries its tenant as MessageGroupId. On a standard queue SQS then keeps each
    tenant's share fair: when one tenant's backlog grows (a large campaign), it delivers the other
    tenants' messages first, so their dwell time stays low, without FIFO's ordering limits.
    """

    def __init__(self, sqs: SQSClient, url: str) -> None:
        self.sqs = sqs
        self.url = url

    def enqueue(self, batches: Sequence[SendBatch]) -> None:
        """SendMessageBatch, failing loudly when any entry was refused (the step is retried)."""
        send_fair(self.sqs, self.url, [(batch.model_dump_json(), batch.owner_id) for batch in batches])


def send_fair(sqs: SQSClient, url: str, messages: Sequence[tuple[str, str]]) -> None:
    """(body, tenant) messages to a fair queue, 10 a call; RuntimeError when any was refused."""
    for offset in range(0, len(messages), 10):
        chunk = messages[offset : offset + 10]
        response = sqs.send_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "MessageBody": body, "MessageGroupId": group}
                for i, (body, group) in enumerate(chunk)
            ],
        )
        if response.get("Failed"):
            raise RuntimeError(f"{url} refused {len(response['Failed'])} messages")


class StepFunctionsResumer:
    """Task tokens through Step Functions."""

    def __init__(self, sfn: SFNClient) -> None:
        self.sfn = sfn

    def resume(self, token: str, output: Mapping[str, Any]) -> bool:
        """SendTaskSuccess with `output`; a stale token is not an error."""
        try:
            self.sfn.send_task_success(taskToken=token, output=json.dumps(output, default=str))
        except Exception as exc:
            if error_code(exc) in STALE_TOKEN:
                logger.info("task token already used or timed out", extra={"error": error_code(exc)})
                return False
            raise
        return True

    def heartbeat(self, token: str) -> bool:
        """SendTaskHeartbeat; a stale token is not an error."""
        try:
            self.sfn.send_task_heartbeat(taskToken=token)
        except Exception as exc:
            if error_code(exc) in STALE_TOKEN:
                return False
            raise
        return True
