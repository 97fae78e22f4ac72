"""/api/lists (with their subscribers) and /api/suppression."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from app import secrets
from app.api.deps import Actions, EmailInPath, ItemId, Page
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
from app.pagination import PageRequest

EmailPrefix = Annotated[str, Query(max_length=320)]


class ContactActions(Actions):
    """The caller's list, subscriber and suppression use cases: each method calls the use case of its
    name (app/contacts/service.py) with the repositories it works with."""

    def create_list(self, body: ListCreate) -> ContactList:
        return service.create_list(
            self.owner_id, body, repo=self.store.lists, correlation_id=self.correlation_id
        )

    def update_list(self, list_id: str, body: ListUpdate) -> ContactList:
        return service.update_list(
            self.owner_id, list_id, body, repo=self.store.lists, correlation_id=self.correlation_id
        )

    def add_subscriber(self, list_id: str, body: SubscriberCreate) -> Subscriber:
        return service.add_subscriber(
            self.owner_id, list_id, body, repo=self.store.subscribers, correlation_id=self.correlation_id
        )

    def list_subscribers(self, list_id: str, page: PageRequest, email_prefix: str) -> SubscriberPage:
        return service.list_subscribers(
            self.owner_id,
            list_id,
            page,
            email_prefix=email_prefix,
            lists=self.store.lists,
            repo=self.store.subscribers,
            key=secrets.signing_key,
        )

    def get_subscriber(self, list_id: str, email: str) -> Subscriber:
        return service.get_subscriber(
            self.owner_id, list_id, email, lists=self.store.lists, repo=self.store.subscribers
        )

    def update_subscriber(self, list_id: str, email: str, body: SubscriberUpdate) -> Subscriber:
        return service.update_subscriber(
            self.owner_id,
            list_id,
            email,
            body,
            lists=self.store.lists,
            repo=self.store.subscribers,
            correlation_id=self.correlation_id,
        )

    def remove_subscriber(self, list_id: str, email: str) -> None:
        service.remove_subscriber(self.owner_id, list_id, email, repo=self.store.subscribers)

    def list_suppressions(self, page: PageRequest, email_prefix: str) -> SuppressionPage:
        return service.list_suppressions(
            self.owner_id,
            page,
            email_prefix=email_prefix,
            repo=self.store.suppressions,
            key=secrets.signing_key,
        )

    def suppress(self, body: SuppressionCreate) -> Suppression:
        return service.suppress(
            self.owner_id, body, repo=self.store.suppressions, correlation_id=self.correlation_id
        )


ContactsDep = Annotated[ContactActions, Depends(ContactActions.of_request)]

router = APIRouter(tags=["contacts"])
# GET /api/lists, GET and DELETE /api/lists/{list_id}, DELETE /api/suppression/{email}: the lines
# `lists.*` and `suppressions.deleted` below.
lists = OwnedRoutes(router, "/api/lists/{list_id}", ItemId, repo=lambda store: store.lists)
suppressions = OwnedRoutes(
    router, "/api/suppression/{email:path}", EmailInPath, repo=lambda store: store.suppressions
)


@router.post("/api/lists", status_code=status.HTTP_201_CREATED)
async def create_list(body: ListCreate, actions: ContactsDep) -> ContactList:
    """Create an empty list."""
    return actions.create_list(body)


lists.listed(service.list_reads, "The caller's lists, oldest first, a page at a time.")


lists.one(service.list_reads, "One list with its subscriber count.")


@router.patch("/api/lists/{list_id}")
async def update_list(list_id: ItemId, body: ListUpdate, actions: ContactsDep) -> ContactList:
    """Rename or re-describe a list."""
    return actions.update_list(list_id, body)


lists.deleted(service.delete_list, "Delete a list and (in the background) its subscribers.")


@router.post("/api/lists/{list_id}/subscribers", status_code=status.HTTP_201_CREATED)
async def add_subscriber(list_id: ItemId, body: SubscriberCreate, actions: ContactsDep) -> Subscriber:
    """Add one address to a list."""
    return actions.add_subscriber(list_id, body)


@router.get("/api/lists/{list_id}/subscribers")
async def list_subscribers(
    list_id: ItemId, actions: ContactsDep, page: Page, email_prefix: EmailPrefix = ""
) -> SubscriberPage:
    """A list's subscribers in email order; `email_prefix` narrows to addresses starting with it."""
    return actions.list_subscribers(list_id, page, email_prefix)


@router.get("/api/lists/{list_id}/subscribers/{email:path}")
async def get_subscriber(list_id: ItemId, email: EmailInPath, actions: ContactsDep) -> Subscriber:
    """One subscriber, by address."""
    return actions.get_subscriber(list_id, email)


@router.patch("/api/lists/{list_id}/subscribers/{email:path}")
async def update_subscriber(
    list_id: ItemId, email: EmailInPath, body: SubscriberUpdate, actions: ContactsDep
) -> Subscriber:
    """Change name, status or attributes (attributes are replaced whole)."""
    return actions.update_subscriber(list_id, email, body)


@router.delete("/api/lists/{list_id}/subscribers/{email:path}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_subscriber(list_id: ItemId, email: EmailInPath, actions: ContactsDep) -> None:
    """Take an address off a list."""
    actions.remove_subscriber(list_id, email)


@router.get("/api/suppression")
async def list_suppressions(
    actions: ContactsDep, page: Page, email_prefix: EmailPrefix = ""
) -> SuppressionPage:
    """Addresses no campaign of this account will send to, in email order."""
    return actions.list_suppressions(page, email_prefix)


@router.post("/api/suppression", status_code=status.HTTP_201_CREATED)
async def suppress(body: SuppressionCreate, actions: ContactsDep) -> Suppression:
    """Suppress an address account-wide (idempotent)."""
    return actions.suppress(body)


suppressions.deleted(service.lift_suppression, "Allow sending to an address again.")
