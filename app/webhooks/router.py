"""/api/webhooks: the owner's endpoints, their recent deliveries, a test event."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from app import aws
from app.api.deps import Actions, ItemId, SettingsDep
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


class WebhookActions(Actions):
    """The caller's webhook use cases: each method calls the use case of its name
    (app/webhooks/service.py) on the caller's endpoints, within the endpoints an owner may have."""

    def create_endpoint(self, body: EndpointCreate) -> EndpointWithSecret:
        return service.create_endpoint(
            self.owner_id,
            body,
            repo=self.store.webhooks,
            cap=self.settings.webhook_endpoints_per_owner,
            local=self.settings.stage == "local",
        )

    def list_endpoints(self) -> EndpointList:
        return service.list_endpoints(
            self.owner_id, repo=self.store.webhooks, cap=self.settings.webhook_endpoints_per_owner
        )

    def rotate_secret(self, endpoint_id: str) -> EndpointWithSecret:
        return service.rotate_secret(self.owner_id, endpoint_id, repo=self.store.webhooks)

    def recent_deliveries(self, endpoint_id: str) -> DeliveryList:
        return service.recent_deliveries(self.owner_id, endpoint_id, repo=self.store.webhooks)

    def send_test(self, endpoint_id: str, queue: SqsDeliveryQueue) -> TestQueued:
        task = service.send_test(self.owner_id, endpoint_id, repo=self.store.webhooks, queue=queue)
        return TestQueued(delivery_id=task.delivery_id)


WebhooksDep = Annotated[WebhookActions, Depends(WebhookActions.of_request)]


@router.post("/api/webhooks", status_code=status.HTTP_201_CREATED)
async def create_endpoint(body: EndpointCreate, actions: WebhooksDep) -> EndpointWithSecret:
    """Register an HTTPS endpoint for some event types; the signing secret is shown in this answer only."""
    return actions.create_endpoint(body)


@router.get("/api/webhooks")
async def list_endpoints(actions: WebhooksDep) -> EndpointList:
    """Your endpoints, oldest first."""
    return actions.list_endpoints()


endpoints.one(service.get_endpoint, "One endpoint (never its secret).")


endpoints.deleted(service.delete_endpoint, "Remove an endpoint; deliveries still queued for it are dropped.")


@router.post("/api/webhooks/{endpoint_id}/secret")
async def rotate_secret(endpoint_id: ItemId, actions: WebhooksDep) -> EndpointWithSecret:
    """A new signing secret (shown this once); later deliveries are signed with it."""
    return actions.rotate_secret(endpoint_id)


@router.get("/api/webhooks/{endpoint_id}/deliveries")
async def recent_deliveries(endpoint_id: ItemId, actions: WebhooksDep) -> DeliveryList:
    """The endpoint's latest deliveries, newest first: status, attempts, last status code and error."""
    return actions.recent_deliveries(endpoint_id)


@router.post("/api/webhooks/{endpoint_id}/test", status_code=status.HTTP_202_ACCEPTED)
async def send_test(endpoint_id: ItemId, actions: WebhooksDep, queue: QueueDep) -> TestQueued:
    """Queue a signed `webhook.test` delivery to the endpoint."""
    return actions.send_test(endpoint_id, queue)
