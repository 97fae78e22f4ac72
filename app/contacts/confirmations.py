"""DynamoDB access for confirmation requests: writing one makes the stream send its email.

Keys: request C = PK=OWNER#<owner>#CONFIRMATION, SK=EMAIL#<email>#<request id> (ttl: a day).

| access pattern                         | key                                   | operation                |
|----------------------------------------|---------------------------------------|--------------------------|
| ask for a confirmation email           | C (or with a new subscriber)          | PutItem / TransactWrite  |
| an address's requests                  | C's PK, SK begins_with EMAIL#<email># | Query                    |
| forget an address's requests (erasure) | C's PK, SK begins_with EMAIL#<email># | Query + BatchWriteItem   |

The item is the outbox of one email: its INSERT reaches the stream worker, which publishes
`ConfirmationRequested`; the confirmation worker renders and sends the email. One request may
cover several lists (a form offering a choice): one email confirms them all.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.db import Repository, new_item, now_iso, optional_str
from app.writes import Put

ENTITY = "confirmation"
KEEP_SECONDS = 24 * 3600  # the email goes out within seconds; the item only has to outlive retries


def confirmations_pk(owner_id: str) -> str:
    """The partition of an owner's confirmation requests."""
    return f"OWNER#{owner_id}#CONFIRMATION"


@dataclass(frozen=True)
class ConfirmationRequest:
    """One confirmation email to send: to whom, for which lists (each with the id its link must
    carry), from which form (empty: the owner's API call)."""

    id: str
    owner_id: str
    email: str
    lists: tuple[tuple[str, str], ...]  # (list id, confirm id)
    form_id: str = ""
    correlation_id: str | None = None

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> ConfirmationRequest:
        """Build from a stored item (or the stream's image of one)."""
        return cls(
            id=str(item["request_id"]),
            owner_id=str(item["owner_id"]),
            email=str(item["email"]),
            lists=tuple((str(pair[0]), str(pair[1])) for pair in item.get("lists") or ()),
            form_id=str(item.get("form_id", "")),
            correlation_id=optional_str(item.get("correlation_id")),
        )


def confirmation_put(request: ConfirmationRequest) -> Put:
    """The write of a request (alone, or in the transaction that creates its subscriber)."""
    item = new_item(
        (confirmations_pk(request.owner_id), f"EMAIL#{request.email}#{request.id}"),
        ENTITY,
        request_id=request.id,
        owner_id=request.owner_id,
        email=request.email,
        lists=[list(pair) for pair in request.lists],
        form_id=request.form_id,
        correlation_id=request.correlation_id,
        created_at=now_iso(),
        ttl=int(time.time()) + KEEP_SECONDS,
    )
    return Put(item, condition="attribute_not_exists(PK)")


class ConfirmationRepository(Repository):
    """Confirmation requests in the single table."""

    def add(self, request: ConfirmationRequest) -> None:
        """Ask for the email (ids are random: the condition only guards against a collision)."""
        put = confirmation_put(request)
        self.table.insert(put.item)

    def for_address(self, owner_id: str, email: str) -> list[ConfirmationRequest]:
        """The requests about an address that are still kept (a day), oldest first."""
        return [
            ConfirmationRequest.from_item(item)
            for item in self.table.query_all(
                "PK = :pk AND begins_with(SK, :e)",
                {":pk": confirmations_pk(owner_id), ":e": f"EMAIL#{email}#"},
            )
        ]

    def forget(self, owner_id: str, email: str) -> int:
        """Delete every request about an address (erasure); how many there were."""
        keys = [
            (str(item["PK"]), str(item["SK"]))
            for item in self.table.query_all(
                "PK = :pk AND begins_with(SK, :e)",
                {":pk": confirmations_pk(owner_id), ":e": f"EMAIL#{email}#"},
            )
        ]
        self.table.batch_delete(keys)
        return len(keys)
