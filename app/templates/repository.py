"""DynamoDB access for stored templates (the owner is in every key).

Keys: template T = PK=OWNER#<owner>#TEMPLATE, SK=TEMPLATE#<id> (ids sort by creation time).

| access pattern                   | key                              | operation                     |
|----------------------------------|----------------------------------|-------------------------------|
| create a template                | T                                | PutItem (if absent)           |
| read / replace / delete          | T                                | GetItem/UpdateItem/DeleteItem |
| the owner's templates            | T's PK, SK begins_with TEMPLATE# | Query (newest first)          |
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.db import stamps
from app.owned import OwnedItems
from app.templates.models import Template, TemplateBody, TemplateSummary

CONTENT = ("name", "kind", "subject", "html_body", "text_body")


def to_template(item: Mapping[str, Any]) -> Template:
    """A template item as the API shows it."""
    return Template(
        id=str(item["template_id"]),
        name=str(item["name"]),
        kind=item.get("kind", "transactional"),
        subject=str(item["subject"]),
        html_body=str(item.get("html_body", "")),
        text_body=str(item.get("text_body", "")),
        **stamps(item),
    )


def to_summary(item: Mapping[str, Any]) -> TemplateSummary:
    """A template item as a list shows it (without its bodies)."""
    return TemplateSummary.model_validate(
        to_template(item).model_dump(include=set(TemplateSummary.model_fields))
    )


class TemplateRepository(OwnedItems[Template, TemplateSummary]):
    """Stored templates in the single table (a page: their summaries, newest first)."""

    entity = "template"
    id_name = "template_id"
    partition = "#TEMPLATE"
    prefix = "TEMPLATE#"
    newest_first = True
    record = staticmethod(to_template)
    listed = staticmethod(to_summary)

    def create(self, owner_id: str, template_id: str, body: TemplateBody) -> Template:
        """Write a new template."""
        return self._add(owner_id, template_id, **body.model_dump(include=set(CONTENT)))

    def replace(self, owner_id: str, template_id: str, body: TemplateBody) -> Template | None:
        """Replace a template's content; None when there is no such template."""
        return self._change(owner_id, template_id, body.model_dump(include=set(CONTENT)))
