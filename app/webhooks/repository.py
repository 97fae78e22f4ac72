"""DynamoDB access for webhook endpoints and their recent deliveries.

Keys: endpoint E = PK=OWNER#<owner>, SK=WEBHOOK#<id>; the owner's count C = PK=OWNER#<owner>,
SK=WEBHOOKS; delivery D = PK=WEBHOOK#<owner>#<endpoint>, SK=DELIVERY#<created at>#<id> (ttl).

| access pattern                          | key                           | operation                      |
|-----------------------------------------|-------------------------------|--------------------------------|
| register an endpoint (at most the cap)  | E, C (C's count < cap)        | TransactWriteItems             |
| read, rotate the secret                 | E                             | GetItem / UpdateItem           |
| does the owner have endpoints (outbox)  | C                             | GetItem                        |
| remove                                  | E, C                          | TransactWriteItems             |
| the owner's endpoints (fan-out, list,   | E's PK, SK begins_with WEBHOOK# | Query (at most the cap)      |
|   the event types they want: feedback)  |                               |                                |
| record a delivery, then each attempt    | D                             | PutItem, UpdateItem            |
| an endpoint's recent deliveries         | D's PK, newest first          | Query (Limit)                  |

The endpoint's secret is kept in its item, encrypted at rest by the table's encryption (SSE), and
never leaves the repository except to the signer and once to the owner (creation, rotation).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.db import Item, Repository, now_iso, optional_int, stamps
from app.webhooks.models import Delivery, DeliveryStatus, Endpoint
from app.writes import Delete, Put, Update

ENDPOINT = "webhook_endpoint"
DELIVERY = "webhook_delivery"
# Recent deliveries are kept a week (the retries of one take about 28 h).
DELIVERY_TTL_SECONDS = 7 * 24 * 3600


def endpoint_key(owner_id: str, endpoint_id: str) -> tuple[str, str]:
    """The key of an endpoint item."""
    return f"OWNER#{owner_id}", f"WEBHOOK#{endpoint_id}"


def _count_key(owner_id: str) -> tuple[str, str]:
    return f"OWNER#{owner_id}", "WEBHOOKS"


def deliveries_pk(owner_id: str, endpoint_id: str) -> str:
    """The partition holding an endpoint's deliveries."""
    return f"WEBHOOK#{owner_id}#{endpoint_id}"


def to_endpoint(item: Mapping[str, Any]) -> Endpoint:
    """An endpoint item as the owner sees it."""
    return Endpoint(
        id=str(item["endpoint_id"]),
        url=str(item["url"]),
        event_types=list(item.get("event_types") or ()),
        description=str(item.get("description", "")),
        **stamps(item),
    )


@dataclass(frozen=True)
class EndpointRecord:
    """An endpoint with what delivering to it needs: its secret."""

    endpoint: Endpoint
    secret: str


def to_record(item: Mapping[str, Any]) -> EndpointRecord:
    """An endpoint item with its secret."""
    return EndpointRecord(endpoint=to_endpoint(item), secret=str(item["secret"]))


def to_delivery(item: Mapping[str, Any]) -> Delivery:
    """A delivery item as the owner sees it."""
    return Delivery(
        id=str(item["delivery_id"]),
        event_type=str(item["event_type"]),
        status=item["status"],
        attempts=int(item.get("attempts", 0)),
        status_code=optional_int(item.get("status_code")),
        last_error=str(item.get("last_error", "")),
        **stamps(item),
    )


class WebhookRepository(Repository):
    """Webhook endpoints and deliveries in the single table."""

    def create(
        self, owner_id: str, endpoint_id: str, content: Mapping[str, Any], *, cap: int
    ) -> Endpoint | None:
        """Register an endpoint; None (nothing written) when the owner already has `cap` of them."""
        now = now_iso()
        pk, sk = endpoint_key(owner_id, endpoint_id)
        item = {
            "PK": pk,
            "SK": sk,
            "type": ENDPOINT,
            "owner_id": owner_id,
            "endpoint_id": endpoint_id,
            **content,
            "created_at": now,
            "updated_at": now,
        }
        count = Update(
            *_count_key(owner_id),
            adds={"endpoints": 1},
            condition="attribute_not_exists(endpoints) OR endpoints < :cap",
            values={":cap": cap},
        )
        failed = self.table.transact([Put(item, "attribute_not_exists(PK)"), count])
        return None if failed else to_endpoint(item)

    def has_endpoints(self, owner_id: str) -> bool:
        """Whether the owner has any endpoint (one GetItem of the count)."""
        item = self.table.get(*_count_key(owner_id))
        return bool(item and int(item.get("endpoints", 0)) > 0)

    def get(self, owner_id: str, endpoint_id: str) -> EndpointRecord | None:
        """One of the owner's endpoints, with its secret."""
        return self._read(endpoint_key(owner_id, endpoint_id), to_record, consistent=True)

    def all(self, owner_id: str, *, cap: int) -> list[EndpointRecord]:
        """The owner's endpoints, oldest first (at most `cap`: no more can be registered)."""
        pk, _ = endpoint_key(owner_id, "")
        items, _ = self.table.page(pk, "WEBHOOK#", limit=cap, start_sk=None)
        return [to_record(i) for i in items]

    def subscribed(self, owner_id: str, *, cap: int) -> frozenset[str]:
        """The event types any of the owner's endpoints asked for (one Query of at most `cap` items)."""
        return frozenset(t for record in self.all(owner_id, cap=cap) for t in record.endpoint.event_types)

    def set_secret(self, owner_id: str, endpoint_id: str, secret: str) -> Endpoint | None:
        """Replace an endpoint's secret; None when there is no such endpoint."""
        item = self.table.update(
            *endpoint_key(owner_id, endpoint_id),
            sets={"secret": secret, "updated_at": now_iso()},
            condition="attribute_exists(PK)",
        )
        return to_endpoint(item) if item else None

    def delete(self, owner_id: str, endpoint_id: str) -> bool:
        """Remove an endpoint (deliveries under way stop at their next attempt); False when absent."""
        remove = Delete(*endpoint_key(owner_id, endpoint_id), "attribute_exists(PK)")
        count = Update(*_count_key(owner_id), adds={"endpoints": -1})
        return not self.table.transact([remove, count])

    def add_delivery(self, owner_id: str, endpoint_id: str, delivery_id: str, event_type: str) -> str:
        """Record a pending delivery; returns its sort key (the queue message carries it)."""
        now = now_iso()
        sk = f"DELIVERY#{now}#{delivery_id}"
        self.table.put(
            {
                "PK": deliveries_pk(owner_id, endpoint_id),
                "SK": sk,
                "type": DELIVERY,
                "delivery_id": delivery_id,
                "event_type": event_type,
                "status": "pending",
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
                "ttl": int(time.time()) + DELIVERY_TTL_SECONDS,
            }
        )
        return sk

    def delivery(self, owner_id: str, endpoint_id: str, sk: str) -> Delivery | None:
        """One delivery (consistent: the worker reads what it wrote last)."""
        return self._read((deliveries_pk(owner_id, endpoint_id), sk), to_delivery, consistent=True)

    def record_attempt(
        self,
        owner_id: str,
        endpoint_id: str,
        sk: str,
        *,
        status: DeliveryStatus,
        status_code: int | None,
        error: str,
    ) -> Delivery | None:
        """Count an attempt and what it got; None when the delivery has expired."""
        sets: dict[str, Any] = {"status": status, "last_error": error[:300], "updated_at": now_iso()}
        if status_code is not None:
            sets["status_code"] = status_code
        item: Item | None = self.table.update(
            deliveries_pk(owner_id, endpoint_id),
            sk,
            sets=sets,
            adds={"attempts": 1},
            removes=() if status_code is not None else ("status_code",),  # no answer this time
            condition="attribute_exists(PK)",
        )
        return to_delivery(item) if item else None

    def recent(self, owner_id: str, endpoint_id: str, *, limit: int) -> list[Delivery]:
        """An endpoint's latest deliveries, newest first."""
        items, _ = self.table.page(
            deliveries_pk(owner_id, endpoint_id), "DELIVERY#", limit=limit, start_sk=None, forward=False
        )
        return [to_delivery(i) for i in items]
