"""The delivery worker with SQS-shaped records: a failed attempt hides its message for the next delay
and is reported failed; a delivered one is not; the last failure is reported for the DLQ."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from app.webhooks import delivery
from app.webhooks.models import DeliveryTask
from workers import webhook_deliver

Patch = pytest.MonkeyPatch
TASK = DeliveryTask(
    owner_id="o1",
    endpoint_id="e1",
    delivery_sk="DELIVERY#x",
    delivery_id="d1",
    event_type="webhook.test",
    payload={},
)


class Queue:
    def __init__(self) -> None:
        self.hidden: list[tuple[str, int]] = []

    def retry_in(self, receipt_handle: str, seconds: int) -> None:
        self.hidden.append((receipt_handle, seconds))


def record(receive_count: int) -> SQSRecord:
    return SQSRecord(
        {
            "messageId": "m1",
            "receiptHandle": "r1",
            "body": TASK.model_dump_json(),
            "attributes": {"ApproximateReceiveCount": str(receive_count)},
            "messageAttributes": {},
            "eventSource": "aws:sqs",
        }
    )


def run(
    monkeypatch: pytest.MonkeyPatch, outcome: delivery.Outcome, receive_count: int
) -> tuple[Queue, list[int]]:
    numbers: list[int] = []

    def attempt(task: DeliveryTask, number: int, **_: Any) -> delivery.Outcome:
        assert task == TASK
        numbers.append(number)
        return outcome

    monkeypatch.setattr(delivery, "attempt", attempt)
    queue = Queue()
    kit: dict[str, Any] = {"store": SimpleNamespace(webhooks=None), "queue": queue, "settings": None}
    try:
        webhook_deliver.record_handler(record(receive_count), **kit)
    except webhook_deliver.NotDelivered:
        numbers.append(-1)  # reported failed
    return queue, numbers


def test_a_retry_hides_the_message_for_the_delay_and_reports_it_failed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queue, numbers = run(monkeypatch, delivery.Outcome("retrying", retry_in=300), receive_count=2)
    assert numbers == [2, -1]
    assert queue.hidden == [("r1", 300)]


def test_a_delivered_task_is_done_and_a_failed_one_goes_on_to_the_dlq(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queue, numbers = run(monkeypatch, delivery.Outcome("delivered"), receive_count=1)
    assert (numbers, queue.hidden) == ([1], [])
    queue, numbers = run(monkeypatch, delivery.Outcome("failed"), receive_count=10)
    assert (numbers, queue.hidden) == ([10, -1], [])
    queue, numbers = run(monkeypatch, delivery.Outcome(None), receive_count=1)  # endpoint removed
    assert (numbers, queue.hidden) == ([1], [])
