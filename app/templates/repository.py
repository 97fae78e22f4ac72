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
from datetime import datetime
from typing import Any

from app.db import Table, new_item, now_iso
from app.templates.models import Template, TemplateBody, TemplateSummary

ENTITY = "template"
CONTENT = ("name", "kind", "subject", "html_body", "text_body")


def template_key(owner_id: str, template_id: str) -> tuple[str, str]:
    """The key of a template item."""
    return f"OWNER#{owner_id}#TEMPLATE", f"TEMPLATE#{template_id}"


def to_template(item: Mapping[str, Any]) -> Template:
    """A template item as the API shows it."""
    return Template(
        id=str(item["template_id"]),
        name=str(item["name"]),
        kind=item.get("kind", "transactional"),
        subject=str(item["subject"]),
        html_body=str(item.get("html_body", "")),
        text_body=str(item.get("text_body", "")),
        created_at=datetime.fromisoformat(str(item["created_at"])),
        updated_at=datetime.fromisoformat(str(item["updated_at"])),
    )


def to_summary(item: Mapping[str, Any]) -> TemplateSummary:
    """A template item as a list shows it (without its bodies)."""
    return TemplateSummary.model_validate(
        to_template(item).model_dump(include=set(TemplateSummary.model_fields))
    )


class TemplateRepository:
    """Stored templates in the single table."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def create(self, owner_id: str, template_id: str, body: TemplateBody) -> Template:
        """Write a new template."""
        now = now_iso()
        item = new_item(
            template_key(owner_id, template_id),
            ENTITY,
            owner_id=owner_id,
            template_id=template_id,
            **body.model_dump(include=set(CONTENT)),
            created_at=now,
            updated_at=now,
        )
        self.table.insert(item)
        return to_template(item)

    def get(self, owner_id: str, template_id: str) -> Template | None:
        """One template, if it exists."""
        item = self.table.get(*template_key(owner_id, template_id))
        return to_template(item) if item else None

    def page(
        self, owner_id: str, *, limit: int, start_sk: str | None
    ) -> tuple[list[TemplateSummary], str | None]:
        """A page of the owner's templates, newest first."""
        pk, _ = template_key(owner_id, "")
        items, last = self.table.page(pk, "TEMPLATE#", limit=limit, start_sk=start_sk, forward=False)
        return [to_summary(i) for i in items], last

    def replace(self, owner_id: str, template_id: str, body: TemplateBody) -> Template | None:
        """Replace a template's content; None when there is no such template."""
        item = self.table.update(
            *template_key(owner_id, template_id),
            sets={**body.model_dump(include=set(CONTENT)), "updated_at": now_iso()},
            condition="attribute_exists(PK)",
        )
        return to_template(item) if item else None

    def delete(self, owner_id: str, template_id: str) -> bool:
        """Delete a template; False when there was none."""
        return self.table.delete(*template_key(owner_id, template_id), condition="attribute_exists(PK)")
