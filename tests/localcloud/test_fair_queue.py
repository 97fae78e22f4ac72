"""Standard queues serve message groups fairly, as SQS fair queues do: no tenant waits behind another."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from localcloud.cloud import EmbeddedCloud
from tests.localcloud.helpers import aws


def _queue(cloud: EmbeddedCloud, *, fifo: bool = False) -> tuple[Any, str]:
    sqs = aws(cloud, "sqs")
    name = f"fair-{uuid.uuid4().hex[:10]}" + (".fifo" if fifo else "")
    attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true"} if fifo else {}
    return sqs, sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]


def _send(sqs: Any, url: str, group: str | None, count: int, *, start: int = 0) -> None:
    for first in range(start, start + count, 10):
        entries = [
            {
                "Id": str(n),
                "MessageBody": f"{group}-{n}",
                **({"MessageGroupId": group} if group is not None else {}),
            }
            for n in range(first, min(first + 10, start + count))
        ]
        assert not sqs.send_message_batch(QueueUrl=url, Entries=entries).get("Failed")


def _receive(sqs: Any, url: str) -> list[str]:
    """One receive of up to 10, left in flight (a busy consumer that has not deleted them yet)."""
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300).get(
        "Messages", []
    )
    return [message["Body"] for message in messages]


def _tenant(body: str) -> str:
    return body.split("-", 1)[0]


def test_a_small_campaign_is_not_stuck_behind_another_tenants_backlog(toy_cloud: EmbeddedCloud) -> None:
    # Given tenant A's 200 messages, then tenant B's 5, on one standard queue
    sqs, url = _queue(toy_cloud)
    _send(sqs, url, "A", 200)
    _send(sqs, url, "B", 5)

    # When a consumer receives twice
    first, second = _receive(sqs, url), _receive(sqs, url)

    # Then B's five came in those two receives (in send order: after 200 of A's)
    assert Counter(map(_tenant, first + second))["B"] == 5
    assert len(first) == len(second) == 10
    assert [body for body in first + second if body.startswith("B")] == [f"B-{n}" for n in range(5)]
    # And each tenant's own messages keep their order
    assert [body for body in first + second if body.startswith("A")] == [f"A-{n}" for n in range(15)]


def test_the_group_with_fewest_messages_in_flight_is_served_first(toy_cloud: EmbeddedCloud) -> None:
    # Given tenant A with 10 messages in flight and 40 waiting
    sqs, url = _queue(toy_cloud)
    _send(sqs, url, "A", 50)
    assert Counter(map(_tenant, _receive(sqs, url))) == {"A": 10}

    # When tenant B sends 3 and a consumer receives
    _send(sqs, url, "B", 3)
    received = _receive(sqs, url)

    # Then B's 3 come first (none in flight), and A's backlog gets the rest
    assert received[:3] == ["B-0", "B-1", "B-2"]
    assert Counter(map(_tenant, received)) == {"B": 3, "A": 7}


def test_groups_take_turns_while_both_have_a_backlog(toy_cloud: EmbeddedCloud) -> None:
    # Given three tenants with a backlog each, sent one tenant after the other
    sqs, url = _queue(toy_cloud)
    for tenant in ("A", "B", "C"):
        _send(sqs, url, tenant, 30)

    # When a consumer receives three times (nothing deleted)
    counts = Counter(map(_tenant, _receive(sqs, url) + _receive(sqs, url) + _receive(sqs, url)))

    # Then each tenant got a third
    assert counts == {"A": 10, "B": 10, "C": 10}


def test_messages_without_a_group_keep_moto_s_send_order(toy_cloud: EmbeddedCloud) -> None:
    sqs, url = _queue(toy_cloud)
    _send(sqs, url, None, 15)

    assert _receive(sqs, url) + _receive(sqs, url) == [f"None-{n}" for n in range(15)]


def test_a_fifo_queue_still_locks_a_group_while_it_is_in_flight(toy_cloud: EmbeddedCloud) -> None:
    # Given a FIFO queue with two groups and one group's messages in flight
    sqs, url = _queue(toy_cloud, fifo=True)
    _send(sqs, url, "A", 5)
    _send(sqs, url, "B", 2)
    first = _receive(sqs, url)

    # Then the next receive gets only the other group (FIFO keeps its own rules)
    second = _receive(sqs, url)
    assert set(map(_tenant, first)).isdisjoint(map(_tenant, second))
    assert sorted(first + second) == sorted([f"A-{n}" for n in range(5)] + ["B-0", "B-1"])
