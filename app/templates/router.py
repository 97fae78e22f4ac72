"""/api/templates: stored templates for transactional mail; thin, one service call each."""

from __future__ import annotations

from fastapi import APIRouter, status
from starlette.concurrency import run_in_threadpool

from app.api.deps import CurrentUser, NewId, StoreDep
from app.api.owned import OwnedRoutes
from app.campaigns.models import Preview
from app.templates import service
from app.templates.models import Template, TemplateBody, TemplatePreviewRequest

router = APIRouter(tags=["templates"])
# GET /api/templates, GET and DELETE /api/templates/{template_id}: the lines `templates.*` below.
templates = OwnedRoutes(
    router, "/api/templates/{template_id:template_id}", NewId, repo=lambda store: store.templates
)


@router.post("/api/templates", status_code=status.HTTP_201_CREATED)
async def create_template(body: TemplateBody, user: CurrentUser, store: StoreDep) -> Template:
    """A new template (checked on a sample message: 422 template_error with the field and line)."""
    return await run_in_threadpool(service.create_template, user.user_id, body, repo=store.templates)


templates.listed(service.reads, "Your templates, newest first.")
templates.one(service.reads, "One template with its bodies.")


@router.put("/api/templates/{template_id:template_id}")
async def replace_template(
    template_id: NewId, body: TemplateBody, user: CurrentUser, store: StoreDep
) -> Template:
    """Replace a template's name, subject and bodies."""
    return await run_in_threadpool(
        service.replace_template, user.user_id, template_id, body, repo=store.templates
    )


templates.deleted(service.delete_template, "Delete a template.")


@router.post("/api/templates/{template_id:template_id}/preview")
async def preview_template(
    template_id: NewId, user: CurrentUser, store: StoreDep, body: TemplatePreviewRequest | None = None
) -> Preview:
    """The template rendered with `data` for a sample recipient (422 template_error)."""
    return await run_in_threadpool(
        service.preview,
        user.user_id,
        template_id,
        (body or TemplatePreviewRequest()).data,
        repo=store.templates,
    )
