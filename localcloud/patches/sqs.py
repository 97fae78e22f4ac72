"""moto's SQS queue in one pass per call instead of two per stored message.

moto's queue asks the clock twice per stored message to list the visible ones (every receive,
and every send through the queue's attribute summary), and a delete walks the whole queue twice,
building a list of receipt handles per message: with a few thousand messages waiting (a
campaign's SES events) each call took tens of milliseconds and the queue fell further behind.
Here the clock is read once per call and a delete is a single pass; what is visible, delayed or
deleted is decided exactly as before.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from localcloud.patches.installing import install


def apply() -> None:
    """Install the patches (idempotent)."""
    from moto.core.utils import unix_time_millis
    from moto.sqs.exceptions import ReceiptHandleIsInvalid
    from moto.sqs.models import Queue

    def messages(self: Any) -> list[Any]:
        now = unix_time_millis()
        return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]

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
