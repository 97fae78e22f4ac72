"""/api/forms: the owner's sign-up forms (the public pages are in public.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from app import secrets
from app.api.deps import CurrentUser, ItemId, Page, SettingsDep, StoreDep
from app.api.owned import OwnedRoutes
from app.forms import service
from app.forms.models import FormCreate, FormEmbed, FormPage, FormUpdate, SignupForm

Origin = Annotated[str | None, Query(max_length=300, pattern=r"^https?://[^/\s?#]+$")]

router = APIRouter(tags=["forms"])
# GET and DELETE /api/forms/{form_id}: the lines `forms.*` below.
forms = OwnedRoutes(router, "/api/forms/{form_id}", ItemId, repo=lambda store: store.forms)


@router.post("/api/forms", status_code=status.HTTP_201_CREATED)
async def create_form(body: FormCreate, user: CurrentUser, store: StoreDep) -> SignupForm:
    """A sign-up form for one or more of your lists (404 list_not_found names the missing ones)."""
    return service.create_form(user.user_id, body, repo=store.forms, lists=store.lists)


@router.get("/api/forms")
async def list_forms(
    user: CurrentUser,
    store: StoreDep,
    page: Page,
    list_id: Annotated[str | None, Query(max_length=64)] = None,
) -> FormPage:
    """Your forms, oldest first; `list_id` keeps those that offer that list."""
    return service.list_forms(user.user_id, page, list_id=list_id, repo=store.forms, key=secrets.signing_key)


forms.one(service.get_form, "One form.")


@router.patch("/api/forms/{form_id}")
async def update_form(form_id: ItemId, body: FormUpdate, user: CurrentUser, store: StoreDep) -> SignupForm:
    """Change a form."""
    return service.update_form(user.user_id, form_id, body, repo=store.forms, lists=store.lists)


forms.deleted(service.delete_form, "Delete a form (its page and embedded copies stop accepting sign-ups).")


@router.get("/api/forms/{form_id}/embed")
async def embed_form(
    form_id: ItemId,
    request: Request,
    user: CurrentUser,
    store: StoreDep,
    settings: SettingsDep,
    origin: Origin = None,
) -> FormEmbed:
    """The hosted page's address and an HTML snippet to paste into another site. URLs are built on
    the site's address (APP_URL), else on `origin` (the SPA sends its own), else on this request's."""
    base_url = settings.app_url or origin or str(request.base_url)
    return service.embed(user.user_id, form_id, base_url=base_url, repo=store.forms, lists=store.lists)
