"""Template use cases: create, read, replace, delete, preview; and the render every message uses.

Templates are compiled and rendered by the campaigns' sandbox (app/campaigns/rendering.py), with
the same bounds per message; what they see differs: `to` (the recipient's address) and `data`
(the message's own merge data, any JSON object).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.campaigns import rendering
from app.campaigns.models import Preview
from app.contacts.models import new_id
from app.errors import InvalidInput, found
from app.observability import logger
from app.owned import OwnedReads
from app.templates.models import Template, TemplateBody, TemplatePage
from app.templates.repository import TemplateRepository

SAMPLE_TO = rendering.SAMPLE_EMAIL


# One of the owner's templates and a page of them (newest first): GET /api/templates[/{template_id}].
reads = OwnedReads("template", Template, TemplatePage)
_not_found = reads.missing


def render(content: TemplateBody, *, to: str, data: Mapping[str, Any]) -> rendering.Rendered:
    """One message from a template's content; InvalidInput (`template_error`) with the renderer's
    message when a template is wrong or misbehaves on this data."""
    compiled = rendering.CompiledCampaign(
        subject=content.subject, html_body=content.html_body, text_body=content.text_body
    )
    try:
        return compiled.render({"to": to, "data": dict(data)})
    except rendering.RenderFailed as exc:
        field = str(exc).split(":", 1)[0]
        raise InvalidInput(
            f"The message cannot be rendered: {exc}",
            code="template_error",
            details=[{"field": field, "line": None, "message": str(exc)}],
        ) from exc


def _checked(body: TemplateBody) -> TemplateBody:
    """The content, once it compiles and renders for a sample message with no data (422 otherwise)."""
    render(body, to=SAMPLE_TO, data={})
    return body


def create_template(owner_id: str, body: TemplateBody, *, repo: TemplateRepository) -> Template:
    """A new template (checked: 422 template_error with the field and line)."""
    created = repo.create(owner_id, new_id(), _checked(body))
    logger.info("template created", extra={"template_id": created.id})
    return created


def replace_template(
    owner_id: str, template_id: str, body: TemplateBody, *, repo: TemplateRepository
) -> Template:
    """Replace a template's content (messages sent from it keep what they were sent with)."""
    return found(repo.replace(owner_id, template_id, _checked(body)), _not_found)


def delete_template(owner_id: str, template_id: str, *, repo: TemplateRepository) -> None:
    """Delete a template (messages sent from it keep their record)."""
    if not repo.delete(owner_id, template_id):
        raise _not_found()


def preview(owner_id: str, template_id: str, data: Mapping[str, Any], *, repo: TemplateRepository) -> Preview:
    """A template rendered with this data for a sample recipient."""
    template = reads.one(owner_id, template_id, repo=repo)
    rendered = render(template, to=SAMPLE_TO, data=data)
    return Preview(email=SAMPLE_TO, subject=rendered.subject, html=rendered.html, text=rendered.text)
