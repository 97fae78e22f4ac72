"""/api/lists (with their subscribers) and /api/suppression."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from app import secrets
from app.api.deps import CorrelationId, CurrentUser, EmailInPath, ItemId, Page, StoreDep
from app.api.owned import OwnedRoutes
from app.contacts import service
from app.contacts.models import (
    ContactList,
    ListCreate,
    ListUpdate,
    Subscriber,
    SubscriberCreate,
    SubscriberPage,
    SubscriberUpdate,
    Suppression,
    SuppressionCreate,
    SuppressionPage,
)

EmailPrefix = Annotated[str, Query(max_length=320)]

router = APIRouter(tags=["contacts"])
# GET /api/lists, GET and DELETE /api/lists/{list_id}, DELETE /api/suppression/{email}: the lines
# `lists.*` and `suppressions.deleted` below.
lists = OwnedRoutes(router, "/api/lists/{list_id}", ItemId, repo=lambda store: store.lists)
suppressions = OwnedRoutes(
    router, "/api/suppression/{email:path}", EmailInPath, repo=lambda store: store.suppressions
)


@router.post("/api/lists", status_code=status.HTTP_201_CREATED)
async def create_list(
    body: ListCreate, user: CurrentUser, store: StoreDep, correlation_id: CorrelationId
) -> ContactList:
    """Create an empty list."""
    return service.create_list(user.user_id, body, repo=store.lists, correlation_id=correlation_id)


lists.listed(service.list_lists, "The caller's lists, oldest first, a page at a time.")


lists.one(service.get_list, "One list with its subscriber count.")


@router.patch("/api/lists/{list_id}")
async def update_list(
    list_id: ItemId, body: ListUpdate, user: CurrentUser, store: StoreDep, correlation_id: CorrelationId
) -> ContactList:
    """Rename or re-describe a list."""
    return service.update_list(user.user_id, list_id, body, repo=store.lists, correlation_id=correlation_id)


lists.deleted(service.delete_list, "Delete a list and (in the background) its subscribers.")


@router.post("/api/lists/{list_id}/subscribers", status_code=status.HTTP_201_CREATED)
async def add_subscriber(
    list_id: ItemId,
    body: SubscriberCreate,
    user: CurrentUser,
    store: StoreDep,
    correlation_id: CorrelationId,
) -> Subscriber:
    """Add one address to a list."""
    return service.add_subscriber(
        user.user_id, list_id, body, repo=store.subscribers, correlation_id=correlation_id
    )


@router.get("/api/lists/{list_id}/subscribers")
async def list_subscribers(
    list_id: ItemId,
    user: CurrentUser,
    store: StoreDep,
    page: Page,
    email_prefix: EmailPrefix = "",
) -> SubscriberPage:
    """A list's subscribers in email order; `email_prefix` narrows to addresses starting with it."""
    return service.list_subscribers(
        user.user_id,
        list_id,
        page,
        email_prefix=email_prefix,
        lists=store.lists,
        repo=store.subscribers,
        key=secrets.signing_key,
    )


@router.get("/api/lists/{list_id}/subscribers/{email:path}")
async def get_subscriber(
    list_id: ItemId, email: EmailInPath, user: CurrentUser, store: StoreDep
) -> Subscriber:
    """One subscriber, by address."""
    return service.get_subscriber(user.user_id, list_id, email, lists=store.lists, repo=store.subscribers)


@router.patch("/api/lists/{list_id}/subscribers/{email:path}")
async def update_subscriber(
    list_id: ItemId,
    email: EmailInPath,
    body: SubscriberUpdate,
    user: CurrentUser,
    store: StoreDep,
    correlation_id: CorrelationId,
) -> Subscriber:
    """Change name, status or attributes (attributes are replaced whole)."""
    return service.update_subscriber(
        user.user_id,
        list_id,
        email,
        body,
        lists=store.lists,
        repo=store.subscribers,
        correlation_id=correlation_id,
    )


@router.delete("/api/lists/{list_id}/subscribers/{email:path}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_subscriber(list_id: ItemId, email: EmailInPath, user: CurrentUser, store: StoreDep) -> None:
    """Take an address off a list."""
    service.remove_subscriber(user.user_id, list_id, email, repo=store.subscribers)


@router.get("/api/suppression")
async def list_suppressions(
    user: CurrentUser,
    store: StoreDep,
    page: Page,
    email_prefix: EmailPrefix = "",
) -> SuppressionPage:
    """Addresses no campaign of this account will send to, in email order."""
    return service.list_suppressions(
        user.user_id,
        page,
        email_prefix=email_prefix,
        repo=store.suppressions,
        key=secrets.signing_key,
    )


@router.post("/api/suppression", status_code=status.HTTP_201_CREATED)
async def suppress(
    body: SuppressionCreate, user: CurrentUser, store: StoreDep, correlation_id: CorrelationId
) -> Suppression:
    """Suppress an address account-wide (idempotent)."""
    return service.suppress(user.user_id, body, repo=store.suppressions, correlation_id=correlation_id)


suppressions.deleted(service.lift_suppression, "Allow sending to an address again.")
