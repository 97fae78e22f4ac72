"""DynamoDB access for what delivery keeps about one address: its copies in campaigns' recipients
and its soft-bounce count (read for an export, deleted by an erasure).

Keys (owned by app/delivery/repository.py): recipient R = PK=CAMPAIGN#<owner>#<campaign>,
SK=RCPT#<email>; soft bounces B = PK=OWNER#<owner>#SOFTBOUNCE, SK=EMAIL#<email>.

| access pattern                          | key            | operation                     |
|-----------------------------------------|----------------|-------------------------------|
| an address's copies in these campaigns  | R x100         | BatchGetItem                  |
| forget them                             | R x25          | BatchWriteItem (deletes)      |
| its soft bounces / forget them          | B              | GetItem / DeleteItem          |
"""

from __future__ import annotations

from collections.abc import Sequence

from app.db import Repository
from app.delivery.repository import RecipientRecord, recipient_key


def soft_bounce_key(owner_id: str, email: str) -> tuple[str, str]:
    """Where delivery counts an address's soft bounces (RecipientRepository.count_soft_bounce)."""
    return f"OWNER#{owner_id}#SOFTBOUNCE", f"EMAIL#{email}"


class PersonalDataRepository(Repository):
    """One address's traces in delivery's items."""

    def messages(self, owner_id: str, campaign_ids: Sequence[str], email: str) -> list[RecipientRecord]:
        """The address's recipient copies among these campaigns."""
        items = self.table.batch_get(
            [recipient_key(owner_id, c, email) for c in campaign_ids], consistent=False
        )
        return [RecipientRecord.from_item(item) for item in items]

    def forget_messages(self, owner_id: str, campaign_ids: Sequence[str], email: str) -> int:
        """Delete the address's recipient copies among these campaigns; how many there were."""
        found = self.messages(owner_id, campaign_ids, email)
        self.table.batch_delete([recipient_key(owner_id, r.campaign_id, email) for r in found])
        return len(found)

    def soft_bounces(self, owner_id: str, email: str) -> int:
        """How many soft bounces are counted for the address."""
        item = self.table.get(*soft_bounce_key(owner_id, email))
        return int(item.get("bounces", 0)) if item else 0

    def forget_soft_bounces(self, owner_id: str, email: str) -> None:
        """Delete the address's soft-bounce count."""
        self.table.delete(*soft_bounce_key(owner_id, email))
