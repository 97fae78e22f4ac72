"""DynamoDB access for user profiles.

| access pattern          | key                               | operation            |
|-------------------------|-----------------------------------|----------------------|
| write a new profile     | PK=USER#<id>, SK=PROFILE          | PutItem (if absent)  |
| read a profile          | PK=USER#<id>, SK=PROFILE          | GetItem              |
| rename                  | PK=USER#<id>, SK=PROFILE          | UpdateItem (exists)  |
"""

from __future__ import annotations

from datetime import datetime

from app.db import Item, Repository, new_item, now_iso
from app.users.models import Profile

ENTITY = "user"


def profile_key(user_id: str) -> tuple[str, str]:
    """The key of a user's profile item."""
    return f"USER#{user_id}", "PROFILE"


def _to_profile(item: Item) -> Profile:
    return Profile(
        id=str(item["user_id"]),
        email=str(item["email"]),
        name=str(item.get("name", "")),
        created_at=datetime.fromisoformat(str(item["created_at"])),
    )


class ProfileRepository(Repository):
    """Profiles in the single table."""

    def create(self, profile: Profile, *, correlation_id: str | None) -> bool:
        """Write a new profile; False (and no change) when it already exists."""
        item = new_item(
            profile_key(profile.id),
            ENTITY,
            user_id=profile.id,
            email=profile.email,
            name=profile.name,
            created_at=profile.created_at.isoformat(),
            correlation_id=correlation_id,
        )
        return self.table.put(item, condition="attribute_not_exists(PK)")

    def get(self, user_id: str, *, consistent: bool = False) -> Profile | None:
        """The profile, if written."""
        return self._read(profile_key(user_id), _to_profile, consistent=consistent)

    def rename(self, user_id: str, name: str) -> Profile | None:
        """Change the display name; None when there is no profile."""
        item = self.table.update(
            *profile_key(user_id),
            sets={"name": name, "updated_at": now_iso()},
            condition="attribute_exists(PK)",
        )
        return _to_profile(item) if item else None
