"""/api/webhooks: the owner's endpoints, their recent deliveries, a test event."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from app import aws
from app.api.deps import CurrentUser, ItemId, SettingsDep, StoreDep
from app.api.owned import OwnedRoutes
from app.errors import UpstreamUnavailable
from app.webhooks import service
from app.webhooks.models import (
    DeliveryList,
    EndpointCreate,
    EndpointList,
    EndpointWithSecret,
    TestQueued,
)
from app.webhooks.queue import SqsDeliveryQueue

router = APIRouter(tags=["webhooks"])
# GET and DELETE /api/webhooks/{endpoint_id}: the lines `endpoints.*` below.
endpoints = OwnedRoutes(router, "/api/webhooks/{endpoint_id}", ItemId, repo=lambda store: store.webhooks)


async def delivery_queue(settings: SettingsDep) -> SqsDeliveryQueue:
    """The delivery queue (503 when this stack has none)."""
    if not settings.webhook_queue_url:
        raise UpstreamUnavailable("Webhook delivery is not configured.", code="webhooks_unavailable")
    return SqsDeliveryQueue(aws.sqs(), settings.webhook_queue_url)


QueueDep = Annotated[SqsDeliveryQueue, Depends(delivery_queue)]


@router.post("/api/webhooks", status_code=status.HTTP_201_CREATED)
async def create_endpoint(
    body: EndpointCreate, user: CurrentUser, store: StoreDep, settings: SettingsDep
) -> EndpointWithSecret:
    """Register an HTTPS endpoint for some event types; the signing secret is shown in this answer only."""
    return service.create_endpoint(
        user.user_id,
        body,
        repo=store.webhooks,
        cap=settings.webhook_endpoints_per_owner,
        local=settings.stage == "local",
    )


@router.get("/api/webhooks")
async def list_endpoints(user: CurrentUser, store: StoreDep, settings: SettingsDep) -> EndpointList:
    """Your endpoints, oldest first."""
    return service.list_endpoints(user.user_id, repo=store.webhooks, cap=settings.webhook_endpoints_per_owner)


endpoints.one(service.get_endpoint, "One endpoint (never its secret).")


endpoints.deleted(service.delete_endpoint, "Remove an endpoint; deliveries still queued for it are dropped.")


@router.post("/api/webhooks/{endpoint_id}/secret")
async def rotate_secret(endpoint_id: ItemId, user: CurrentUser, store: StoreDep) -> EndpointWithSecret:
    """A new signing secret (shown this once); later deliveries are signed with it."""
    return service.rotate_secret(user.user_id, endpoint_id, repo=store.webhooks)


@router.get("/api/webhooks/{endpoint_id}/deliveries")
async def recent_deliveries(endpoint_id: ItemId, user: CurrentUser, store: StoreDep) -> DeliveryList:
    """The endpoint's latest deliveries, newest first: status, attempts, last status code and error."""
    return service.recent_deliveries(user.user_id, endpoint_id, repo=store.webhooks)


@router.post("/api/webhooks/{endpoint_id}/test", status_code=status.HTTP_202_ACCEPTED)
async def send_test(endpoint_id: ItemId, user: CurrentUser, store: StoreDep, queue: QueueDep) -> TestQueued:
    """Queue a signed `webhook.test` delivery to the endpoint."""
    task = service.send_test(user.user_id, endpoint_id, repo=store.webhooks, queue=queue)
    return TestQueued(delivery_id=task.delivery_id)
