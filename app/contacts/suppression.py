"""DynamoDB access for the account-wide suppression list (the owner is in every key).

Keys: suppression X = PK=OWNER#<owner>#SUPPRESSION, SK=EMAIL#<email>; an erased address
H = the same PK, SK=HASH#<sha256(owner, email)> (the address itself is gone, its hash still blocks it).

| access pattern                       | key                              | operation                  |
|--------------------------------------|----------------------------------|----------------------------|
| suppress (the first entry is kept)   | X                                | UpdateItem (if_not_exists) |
| suppress with a subscriber's status  | X + the subscriber               | TransactWriteItems         |
| read / lift a suppression            | X                                | GetItem / DeleteItem       |
| a page of suppressed addresses       | X's PK, SK begins_with EMAIL#<p> | Query                      |
| which addresses are suppressed       | X + H x50                        | BatchGetItem               |
| erase an address (keep it blocked)   | H, then X                        | PutItem, DeleteItem        |
| lift an unsubscribe (it re-confirmed)| X (reason unsubscribed)          | DeleteItem (conditional)   |
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from app.contacts.models import Suppression, SuppressionEntry
from app.db import Repository, now_iso
from app.digests import hex_digest
from app.writes import IfAbsent, Update

ENTITY = "suppression"


def suppression_key(owner_id: str, email: str) -> tuple[str, str]:
    """The key of one suppressed address."""
    return f"OWNER#{owner_id}#SUPPRESSION", f"EMAIL#{email}"


def erased_key(owner_id: str, email: str) -> tuple[str, str]:
    """The key that keeps an erased address blocked: a hash of it, salted with the owner's id."""
    salted = f"{owner_id}\0{email}"
    return f"OWNER#{owner_id}#SUPPRESSION", f"HASH#{hex_digest(salted)}"


def suppression_update(owner_id: str, email: str, entry: SuppressionEntry) -> Update:
    """The write that suppresses an address, keeping the first reason if it already was."""
    return Update(
        *suppression_key(owner_id, email),
        sets={
            "type": ENTITY,
            "owner_id": owner_id,
            "email": email,
            "reason": IfAbsent(entry.reason),
            "source": IfAbsent(entry.source),
            "created_at": IfAbsent(now_iso()),
            "correlation_id": entry.correlation_id or "",
        },
    )


def to_suppression(item: Mapping[str, Any]) -> Suppression:
    """A suppression item as the API shows it."""
    return Suppression(
        email=str(item["email"]),
        reason=item["reason"],
        source=str(item.get("source", "")),
        created_at=datetime.fromisoformat(str(item["created_at"])),
    )


class SuppressionRepository(Repository):
    """The account-wide suppression list in the single table."""

    def add(self, owner_id: str, email: str, entry: SuppressionEntry) -> Suppression:
        """Suppress an address (an existing entry keeps its first reason and date)."""
        item = self.table.apply(suppression_update(owner_id, email, entry))
        assert item is not None  # unconditional
        return to_suppression(item)

    def get(self, owner_id: str, email: str) -> Suppression | None:
        """The entry for an address, if suppressed."""
        return self._read(suppression_key(owner_id, email), to_suppression)

    def remove(self, owner_id: str, email: str) -> bool:
        """Lift a suppression; False when the address was not suppressed."""
        return self.table.delete(*suppression_key(owner_id, email), condition="attribute_exists(PK)")

    def page(
        self, owner_id: str, *, prefix: str, limit: int, start_sk: str | None
    ) -> tuple[list[Suppression], str | None]:
        """A page of suppressed addresses starting with `prefix`, in email order."""
        pk, _ = suppression_key(owner_id, "")
        items, last = self.table.page(pk, f"EMAIL#{prefix}", limit=limit, start_sk=start_sk)
        return [to_suppression(i) for i in items], last

    def suppressed_among(self, owner_id: str, emails: Sequence[str]) -> set[str]:
        """Which of these (normalised) addresses are suppressed, by entry or as erased (their hash)."""
        by_key = {suppression_key(owner_id, e): e for e in emails}
        by_key |= {erased_key(owner_id, e): e for e in emails}
        found = self.table.batch_get(list(by_key))
        return {by_key[(str(item["PK"]), str(item["SK"]))] for item in found}

    def is_erased(self, owner_id: str, email: str) -> bool:
        """True when the address was erased (only its hash is kept)."""
        return self.table.get(*erased_key(owner_id, email), consistent=True) is not None

    def erase(self, owner_id: str, email: str, *, correlation_id: str | None) -> None:
        """Replace the address's entry (if any) by its hash: it stays blocked, unreadable.

        The hash is written first, so an erasure that stops half way leaves the address blocked.
        """
        pk, sk = erased_key(owner_id, email)
        self.table.put(
            {
                "PK": pk,
                "SK": sk,
                "type": "erased_address",
                "owner_id": owner_id,
                "created_at": now_iso(),
                "correlation_id": correlation_id,
            }
        )
        self.table.delete(*suppression_key(owner_id, email))

    def lift_unsubscribe(self, owner_id: str, email: str) -> bool:
        """Remove the address's entry if an unsubscribe made it (the person confirmed again); a
        bounce, a complaint or an owner's entry stays. True when one was removed."""
        return self.table.delete(
            *suppression_key(owner_id, email), condition="reason = :r", values={":r": "unsubscribed"}
        )
