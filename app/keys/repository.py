"""DynamoDB access for API keys: the owner's items, and a lookup item by the key's digest.

Keys: key K = PK=OWNER#<owner>, SK=APIKEY#<id>; lookup L = PK=APIKEY#<sha256 of the key>,
SK=APIKEY (a copy of K: owner, id, scope); count C = PK=OWNER#<owner>, SK=APIKEYCOUNT.

| access pattern                       | key                             | operation                        |
|--------------------------------------|---------------------------------|----------------------------------|
| create a key (at most MAX per owner) | C, K, L                         | TransactWriteItems (C < max)     |
| the owner's keys                     | K's PK, SK begins_with APIKEY#  | Query (one page: they are capped)|
| verify a presented key               | L                               | GetItem, strongly consistent     |
| note its use (at most once a minute) | L, then K                       | UpdateItem if last_used is older |
| revoke                               | K (read), then K, L, C          | GetItem; TransactWriteItems      |

Verifying reads L strongly consistent, so the request after a revocation (which deletes L) is
refused wherever it lands. `last_used` is epoch seconds; the write is conditional on the stored
one being a minute old, so a busy key costs two writes a minute, whatever its request rate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from app.auth.principal import Scope
from app.db import Table, new_item, optional_int
from app.writes import Delete, Put, Update

ENTITY = "api_key"
LOOKUP_ENTITY = "api_key_lookup"
TOUCH_EVERY_SECONDS = 60


def key_item_key(owner_id: str, key_id: str) -> tuple[str, str]:
    """The key of an owner's key item."""
    return f"OWNER#{owner_id}", f"APIKEY#{key_id}"


def lookup_key(digest: str) -> tuple[str, str]:
    """The key of the item that finds a key by its digest."""
    return f"APIKEY#{digest}", "APIKEY"


def count_key(owner_id: str) -> tuple[str, str]:
    """The key of an owner's key count."""
    return f"OWNER#{owner_id}", "APIKEYCOUNT"


@dataclass(frozen=True)
class ApiKeyRecord:
    """A stored key: whose it is, what it may do, and its digest (never the key)."""

    owner_id: str
    key_id: str
    name: str
    scope: Scope
    digest: str
    created_at: datetime
    last_used: int | None = None  # epoch seconds

    @property
    def last_used_at(self) -> datetime | None:
        """When it was last used (to the minute)."""
        return datetime.fromtimestamp(self.last_used, UTC) if self.last_used is not None else None


def _to_record(item: Mapping[str, Any]) -> ApiKeyRecord:
    return ApiKeyRecord(
        owner_id=str(item["owner_id"]),
        key_id=str(item["key_id"]),
        name=str(item["name"]),
        scope=cast(Scope, str(item["scope"])),
        digest=str(item["digest"]),
        created_at=datetime.fromisoformat(str(item["created_at"])),
        last_used=optional_int(item.get("last_used")),
    )


class ApiKeyRepository:
    """API keys in the single table."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def create(self, record: ApiKeyRecord, *, max_keys: int) -> bool:
        """Write a new key and its lookup; False (nothing written) when the owner has `max_keys`."""
        attributes = {
            "owner_id": record.owner_id,
            "key_id": record.key_id,
            "name": record.name,
            "scope": record.scope,
            "digest": record.digest,
            "created_at": record.created_at.isoformat(),
        }
        absent = "attribute_not_exists(PK)"
        failed = self.table.transact(
            [
                Update(
                    *count_key(record.owner_id),
                    adds={"keys": 1},
                    sets={"type": "api_key_count"},
                    condition="attribute_not_exists(#keys) OR #keys < :max",
                    names={"#keys": "keys"},
                    values={":max": max_keys},
                ),
                Put(new_item(key_item_key(record.owner_id, record.key_id), ENTITY, **attributes), absent),
                Put(new_item(lookup_key(record.digest), LOOKUP_ENTITY, **attributes), absent),
            ]
        )
        if failed - {0}:
            raise RuntimeError("an API key's id or digest is already in use")  # random: a bug
        return not failed

    def owned(self, owner_id: str, *, limit: int) -> list[ApiKeyRecord]:
        """The owner's keys (up to `limit`: the cap, so one page holds them all)."""
        pk, _ = key_item_key(owner_id, "")
        items, _ = self.table.page(pk, "APIKEY#", limit=limit, start_sk=None)
        return [_to_record(i) for i in items]

    def get(self, owner_id: str, key_id: str) -> ApiKeyRecord | None:
        """One of the owner's keys."""
        item = self.table.get(*key_item_key(owner_id, key_id), consistent=True)
        return _to_record(item) if item else None

    def find(self, digest: str) -> ApiKeyRecord | None:
        """The live key with this digest (strongly consistent: a revoked key is gone at once)."""
        item = self.table.get(*lookup_key(digest), consistent=True)
        return _to_record(item) if item else None

    def revoke(self, record: ApiKeyRecord) -> bool:
        """Delete the key and its lookup; False when it was already gone."""
        exists = "attribute_exists(PK)"
        failed = self.table.transact(
            [
                Delete(*key_item_key(record.owner_id, record.key_id), exists),
                Delete(*lookup_key(record.digest)),
                Update(*count_key(record.owner_id), adds={"keys": -1}, condition=exists),
            ]
        )
        return not failed

    def touch(self, record: ApiKeyRecord, *, now: int) -> bool:
        """Note a use, unless one was noted in the last minute; True when this call wrote it."""
        if record.last_used is not None and now - record.last_used < TOUCH_EVERY_SECONDS:
            return False
        condition = "attribute_exists(PK) AND (attribute_not_exists(#used) OR #used < :cutoff)"
        names, values = {"#used": "last_used"}, {":cutoff": now - TOUCH_EVERY_SECONDS + 1}
        noted = self.table.update(
            *lookup_key(record.digest),
            sets={"last_used": now},
            condition=condition,
            names=names,
            values=values,
            returns="NONE",
        )
        if noted is None:
            return False  # another request noted it first, or the key was just revoked
        self.table.update(
            *key_item_key(record.owner_id, record.key_id),
            sets={"last_used": now},
            condition="attribute_exists(PK)",
            returns="NONE",
        )
        return True
