"""DynamoDB access for transactional messages and their idempotency keys (the owner is in every key).

Keys: message M = PK=OWNER#<owner>#TX, SK=MSG#<id> (ids sort by time); idempotency key
K = the same PK, SK=KEY#<sha256 of the client's key> (the message it made, and the request's
fingerprint).

| access pattern                           | key                          | operation                      |
|------------------------------------------|------------------------------|--------------------------------|
| claim a send (a new message, its key)    | M + K                        | TransactWriteItems (if absent) |
| the message a key made                   | K                            | GetItem (consistent)           |
| read a message                           | M                            | GetItem                        |
| record the send, or an SES event         | M                            | UpdateItem (status IN ...)     |
| the owner's recent messages              | M's PK, SK begins_with MSG#  | Query (newest first)           |

Messages expire after MESSAGE_DAYS, keys after KEY_HOURS (`ttl`): a retry later than that is a
new message.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.db import new_item, now_iso, optional_str, stamps
from app.digests import hex_digest
from app.owned import OwnedItems
from app.transactional.models import TxMessage
from app.writes import Put, one_of

MESSAGE = "tx_message"
KEY = "tx_idempotency_key"
MESSAGE_DAYS = 30
KEY_HOURS = 24


def idempotency_key(owner_id: str, client_key: str) -> tuple[str, str]:
    """The key of an idempotency-key item (the client's key is stored as a digest)."""
    pk, _ = MessageRepository.key(owner_id, "")
    return pk, f"KEY#{hex_digest(client_key)}"


def to_message(item: Mapping[str, Any]) -> TxMessage:
    """A message item as the API shows it."""
    return TxMessage(
        id=str(item["message_id"]),
        to=str(item["to"]),
        template_id=optional_str(item.get("template_id")),
        subject=str(item["subject"]),
        status=item["status"],
        reason=optional_str(item.get("reason")),
        ses_message_id=optional_str(item.get("ses_message_id")),
        **stamps(item),
    )


@dataclass(frozen=True)
class KeyUse:
    """What an idempotency key was first used for."""

    message_id: str
    fingerprint: str


class MessageRepository(OwnedItems[TxMessage, TxMessage]):
    """Transactional messages in the single table (a page: newest first)."""

    entity = MESSAGE
    id_name = "message_id"
    partition = "#TX"
    prefix = "MSG#"
    newest_first = True
    record = listed = staticmethod(to_message)

    def claim(
        self,
        owner_id: str,
        message_id: str,
        *,
        to: str,
        subject: str,
        template_id: str | None,
        client_key: str | None,
        fingerprint: str,
        correlation_id: str | None,
    ) -> TxMessage | None:
        """Write a `queued` message, and its idempotency key in the same transaction; None (nothing
        written) when the key is already in use."""
        message = self._new(
            owner_id,
            message_id,
            to=to,
            subject=subject,
            template_id=template_id,
            status="queued",
            correlation_id=correlation_id,
            ttl=int(time.time()) + MESSAGE_DAYS * 86400,
        )
        actions = [Put(message, "attribute_not_exists(PK)")]
        if client_key is not None:
            key = new_item(
                idempotency_key(owner_id, client_key),
                KEY,
                owner_id=owner_id,
                message_id=message_id,
                created_at=message["created_at"],
                fingerprint=fingerprint,
                ttl=int(time.time()) + KEY_HOURS * 3600,
            )
            # A key past its time that TTL has not removed yet is free again.
            free = "attribute_not_exists(PK) OR #ttl < :now"
            actions.insert(0, Put(key, free, {"#ttl": "ttl"}, {":now": int(time.time())}))
        if self.table.transact(actions):
            return None
        return to_message(message)

    def key_use(self, owner_id: str, client_key: str) -> KeyUse | None:
        """What the key was first used for, if it was (and has not expired)."""
        item = self.table.get(*idempotency_key(owner_id, client_key), consistent=True)
        if item is None or int(item.get("ttl", 0)) < time.time():
            return None
        return KeyUse(message_id=str(item["message_id"]), fingerprint=str(item["fingerprint"]))

    def transition(
        self,
        owner_id: str,
        message_id: str,
        *,
        allowed: Iterable[str],
        to: str,
        reason: str | None = None,
        ses_message_id: str | None = None,
    ) -> TxMessage | None:
        """Move a message to `to` from one of `allowed` (its time as `<to>_at`); None when it was
        elsewhere, or is gone."""
        now = now_iso()
        in_allowed, values = one_of("#s", allowed)
        item = self.table.update(
            *self.key(owner_id, message_id),
            sets={
                "status": to,
                f"{to}_at": now,
                "updated_at": now,
                "reason": reason,
                "ses_message_id": ses_message_id,
            },
            condition=f"attribute_exists(PK) AND {in_allowed}",
            names={"#s": "status"},
            values=values,
        )
        return to_message(item) if item else None

    def forget_key(self, owner_id: str, client_key: str) -> None:
        """Free a key whose message was never sent (SES throttled it), so a retry may send."""
        self.table.delete(*idempotency_key(owner_id, client_key))
