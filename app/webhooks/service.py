"""Webhook use cases: endpoints for their owner, and the fan-out of an owner's events to them."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from app.contacts.models import new_id
from app.errors import TooManyRequests, found, no_such
from app.events import DomainEvent, OwnerActivity
from app.observability import logger
from app.webhooks.models import (
    TEST_EVENT,
    DeliveryList,
    DeliveryTask,
    Endpoint,
    EndpointCreate,
    EndpointList,
    EndpointWithSecret,
)
from app.webhooks.repository import EndpointRecord, WebhookRepository
from app.webhooks.targets import check_url

RECENT_DELIVERIES = 25


class DeliveryQueue(Protocol):
    """Where delivery tasks wait for the delivery worker."""

    def send(self, tasks: Sequence[DeliveryTask]) -> None: ...  # pragma: no cover


_not_found = no_such("webhook endpoint", "webhook_not_found")


def new_secret() -> str:
    """A signing secret: 32 random bytes, URL-safe."""
    return "whsec_" + secrets.token_urlsafe(32)


def create_endpoint(
    owner_id: str, cmd: EndpointCreate, *, repo: WebhookRepository, cap: int, local: bool
) -> EndpointWithSecret:
    """Register an endpoint; its secret is in this answer only (429 when the owner has `cap`)."""
    url = check_url(cmd.url, local=local)
    secret = new_secret()
    content = {
        "url": url,
        "event_types": list(cmd.event_types),
        "description": cmd.description,
        "secret": secret,
    }
    created = repo.create(owner_id, new_id(), content, cap=cap)
    if created is None:
        raise TooManyRequests(
            f"An account may have {cap} webhook endpoints; remove one first.",
            code="webhook_limit",
            retry_after=3600,
        )
    logger.info("webhook endpoint created", extra={"endpoint_id": created.id})
    return EndpointWithSecret(**created.model_dump(), secret=secret)


def list_endpoints(owner_id: str, *, repo: WebhookRepository, cap: int) -> EndpointList:
    """The owner's endpoints, oldest first."""
    return EndpointList(items=[record.endpoint for record in repo.all(owner_id, cap=cap)])


def get_endpoint(owner_id: str, endpoint_id: str, *, repo: WebhookRepository) -> Endpoint:
    """One of the owner's endpoints."""
    return found(repo.get(owner_id, endpoint_id), _not_found).endpoint


def rotate_secret(owner_id: str, endpoint_id: str, *, repo: WebhookRepository) -> EndpointWithSecret:
    """A new secret for an endpoint (shown this once); deliveries are signed with it from now on."""
    secret = new_secret()
    endpoint = found(repo.set_secret(owner_id, endpoint_id, secret), _not_found)
    return EndpointWithSecret(**endpoint.model_dump(), secret=secret)


def delete_endpoint(owner_id: str, endpoint_id: str, *, repo: WebhookRepository) -> None:
    """Remove an endpoint; deliveries still queued for it are dropped."""
    if not repo.delete(owner_id, endpoint_id):
        raise _not_found()


def recent_deliveries(owner_id: str, endpoint_id: str, *, repo: WebhookRepository) -> DeliveryList:
    """An endpoint's latest deliveries, newest first, with the status code of their last attempt."""
    get_endpoint(owner_id, endpoint_id, repo=repo)
    return DeliveryList(items=repo.recent(owner_id, endpoint_id, limit=RECENT_DELIVERIES))


def _enqueue(
    owner_id: str,
    endpoints: Sequence[EndpointRecord],
    *,
    event_id: str,
    event_type: str,
    data: dict[str, object],
    repo: WebhookRepository,
    queue: DeliveryQueue,
) -> list[DeliveryTask]:
    """A pending delivery and a queued task per endpoint (the delivery id is stable for one event and
    endpoint, so a receiver can drop a duplicate)."""
    created_at = datetime.now(UTC).isoformat()
    tasks = []
    for record in endpoints:
        endpoint_id = record.endpoint.id
        delivery_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"herald:{event_id}:{endpoint_id}"))
        sk = repo.add_delivery(owner_id, endpoint_id, delivery_id, event_type)
        payload = {"id": event_id, "type": event_type, "created_at": created_at, "data": data}
        tasks.append(
            DeliveryTask(
                owner_id=owner_id,
                endpoint_id=endpoint_id,
                delivery_sk=sk,
                delivery_id=delivery_id,
                event_type=event_type,
                payload=payload,
            )
        )
    queue.send(tasks)
    return tasks


def worth_publishing(
    events: Sequence[DomainEvent], *, repo: WebhookRepository, owners: dict[str, bool]
) -> list[DomainEvent]:
    """The events to put on the bus: owner activity only for owners with an endpoint (an import of
    100,000 subscribers publishes nothing for an owner without webhooks). `owners` caches each
    owner's answer for one stream batch."""
    kept: list[DomainEvent] = []
    for event in events:
        if isinstance(event, OwnerActivity):
            if event.owner_id not in owners:
                owners[event.owner_id] = repo.has_endpoints(event.owner_id)
            if not owners[event.owner_id]:
                continue
        kept.append(event)
    return kept


def fan_out(
    event: OwnerActivity, event_id: str, *, repo: WebhookRepository, queue: DeliveryQueue, cap: int
) -> list[DeliveryTask]:
    """Queue one delivery of an owner's event to each of that owner's endpoints that asked for it."""
    kind = event.webhook_type()
    wanted = [r for r in repo.all(event.owner_id, cap=cap) if kind in r.endpoint.event_types]
    data = event.model_dump(mode="json", exclude={"owner_id", "correlation_id", "kind"})
    key = event.delivery_key(event_id)
    return _enqueue(event.owner_id, wanted, event_id=key, event_type=kind, data=data, repo=repo, queue=queue)


def send_test(
    owner_id: str, endpoint_id: str, *, repo: WebhookRepository, queue: DeliveryQueue
) -> DeliveryTask:
    """Queue a `webhook.test` delivery to one endpoint (signed and retried like any other)."""
    record = found(repo.get(owner_id, endpoint_id), _not_found)
    data: dict[str, object] = {"endpoint_id": endpoint_id, "message": "A test event from Herald."}
    return _enqueue(
        owner_id, [record], event_id=new_id(), event_type=TEST_EVENT, data=data, repo=repo, queue=queue
    )[0]
