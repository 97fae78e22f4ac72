"""moto's SQS queue in one pass per call instead of two per stored message, and fair queues.

moto's queue asks the clock twice per stored message to list the visible ones (every receive,
and every send through the queue's attribute summary), and a delete walks the whole queue twice,
building a list of receipt handles per message: with a few thousand messages waiting (a
campaign's SES events) each call took tens of milliseconds and the queue fell further behind.
Here the clock is read once per call and a delete is a single pass; what is visible, delayed or
deleted is decided exactly as before.

Fair queues: in AWS a standard queue whose messages carry a `MessageGroupId` serves the groups
with few messages in flight first, so one tenant's backlog does not delay another's new
messages. moto hands them out in send order. Here a receive from a standard queue takes its
visible messages round-robin across groups, the group with the fewest in flight first (ties: the
group whose oldest waiting message is oldest); a queue whose messages carry no group, or one
group, is served in send order as before.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from operator import itemgetter
from typing import Any

from localcloud.patches.installing import install

# Set while moto's receive runs: the queue lists its visible messages in fair order for it.
_RECEIVING: ContextVar[bool] = ContextVar("localcloud_sqs_receiving", default=False)


def apply() -> None:
    """Install the patches (idempotent)."""
    from moto.core.utils import unix_time_millis
    from moto.sqs.exceptions import ReceiptHandleIsInvalid
    from moto.sqs.models import Queue, SQSBackend

    def messages(self: Any) -> list[Any] | FairOrder:
        now = unix_time_millis()
        if _RECEIVING.get() and not self.fifo_queue:
            return fair_order(self._messages, now)
        return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]

    def receive_message(self: Any, *args: Any, **kwargs: Any) -> Any:
        receiving = _RECEIVING.set(True)
        try:
            return receive_message.__wrapped__(self, *args, **kwargs)  # type: ignore[attr-defined]
        finally:
            _RECEIVING.reset(receiving)

    def delayed(self: Any) -> int:
        now = unix_time_millis()
        return sum(1 for m in self._messages if now < m.delayed_until)

    def not_visible(self: Any) -> int:
        now = unix_time_millis()
        return sum(1 for m in self._messages if not now > m.visible_at)

    def delete_message(self: Any, receipt_handle: str) -> None:
        if receipt_handle in self.deleted_messages:
            return  # already deleted: SQS accepts it again
        stored = self._messages
        index = next(
            (
                i
                for i, m in enumerate(stored)
                if m.receipt_handle == receipt_handle or receipt_handle in m._old_receipt_handles
            ),
            None,
        )
        if index is None:
            raise ReceiptHandleIsInvalid()
        message = stored[index]
        self.pending_messages.discard(message)
        self.deleted_messages.update(message.all_receipt_handles)
        self._messages = stored[:index] + stored[index + 1 :]  # a new list, as moto does

    install(Queue, "messages", property(messages))
    install(Queue, "approximate_number_of_messages_delayed", property(delayed))
    install(Queue, "approximate_number_of_messages_not_visible", property(not_visible))
    install(Queue, "delete_message", delete_message)
    install(Queue, "attributes", property(QueueAttributes))
    install(SQSBackend, "receive_message", receive_message)


def fair_order(stored: list[Any], now: float) -> list[Any] | FairOrder:
    """The visible messages of a standard queue, round-robin across message groups, fewest in flight first."""
    waiting: dict[Any, list[Any]] = {}
    in_flight: dict[Any, int] = {}
    for message in stored:
        if now < message.delayed_until:
            continue
        if now > message.visible_at:
            waiting.setdefault(message.group_id, []).append(message)
        else:
            in_flight[message.group_id] = in_flight.get(message.group_id, 0) + 1
    if len(waiting) <= 1:
        return next(iter(waiting.values()), [])
    return FairOrder(waiting, in_flight)


class FairOrder:
    """Waiting messages by group, put in fair order only as far as moto's receive reads them.

    The n-th waiting message of a group with f messages in flight comes at turn f + n; merging
    the groups by (turn, the group's age) is the round-robin, and a group with many messages in
    flight waits while the others catch up. A receive reads ten or so: the order of a long
    backlog is never worked out whole.
    """

    def __init__(self, waiting: dict[Any, list[Any]], in_flight: Mapping[Any, int]) -> None:
        self._waiting = waiting  # oldest group first (dicts keep insertion order)
        self._in_flight = in_flight
        self._count = sum(len(messages) for messages in waiting.values())

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Any]:
        runs = [
            _turns(messages, self._in_flight.get(group, 0), age)
            for age, (group, messages) in enumerate(self._waiting.items())
        ]
        return (message for _, message in heapq.merge(*runs, key=itemgetter(0)))


def _turns(messages: list[Any], in_flight: int, age: int) -> Iterator[tuple[tuple[int, int], Any]]:
    for turn, message in enumerate(messages):
        yield (in_flight + turn, age), message


class QueueAttributes(Mapping[str, Any]):
    """A queue's attribute table as moto's `Queue.attributes` builds it, entry by entry on demand."""

    def __init__(self, queue: Any) -> None:
        self._queue = queue
        names = list(queue.BASE_ATTRIBUTES)
        if queue.fifo_queue:
            names += queue.FIFO_ATTRIBUTES
        if queue.kms_master_key_id:
            names += queue.KMS_ATTRIBUTES
        self._names = list(dict.fromkeys(names))

    def __getitem__(self, name: str) -> Any:
        if name not in self._names:
            raise KeyError(name)
        from moto.core.utils import camelcase_to_underscores

        queue = self._queue
        if name == "RedrivePolicy" and queue.redrive_policy:
            value = json.dumps(queue.redrive_policy)
        else:
            value = getattr(queue, camelcase_to_underscores(name))
        return str(value).lower() if isinstance(value, bool) else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)
