"""Stored templates: the API shapes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator

from app.campaigns.models import MAX_BODY, MAX_CONTENT_BYTES, Text
from app.pagination import Page

TemplateKind = Literal["transactional"]
MAX_DATA_BYTES = 32 * 1024  # a message's merge data, as compact JSON


def _bounded_data(value: dict[str, Any]) -> dict[str, Any]:
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_DATA_BYTES:
        raise ValueError(f"the data takes {size:,} bytes as JSON; at most {MAX_DATA_BYTES:,}")
    return value


# What a message's merge tags read as `{{ data.<name> }}` (any JSON object, bounded in size).
MergeData = Annotated[dict[str, Any], AfterValidator(_bounded_data)]


class TemplateBody(BaseModel):
    """A template's content: subject and bodies may use merge tags (`{{ data.order_id }}`, `{{ to }}`)."""

    name: Annotated[Text, Field(min_length=1, max_length=200)]
    kind: TemplateKind = "transactional"
    subject: Annotated[Text, Field(min_length=1, max_length=500)]
    html_body: Annotated[str, Field(max_length=MAX_BODY)] = ""
    text_body: Annotated[str, Field(max_length=MAX_BODY)] = ""

    @model_validator(mode="after")
    def _fits_one_item(self) -> TemplateBody:
        # The subject and bodies share one item with their bookkeeping (DynamoDB's 400 KB).
        size = sum(len(part.encode()) for part in (self.name, self.subject, self.html_body, self.text_body))
        if size > MAX_CONTENT_BYTES:
            raise ValueError(
                f"the subject and bodies take {size // 1024} KB; at most {MAX_CONTENT_BYTES // 1024} KB"
            )
        return self


class Template(TemplateBody):
    """A stored template."""

    id: str
    created_at: datetime
    updated_at: datetime


class TemplateSummary(BaseModel):
    """A template in a list (without its bodies)."""

    id: str
    name: str
    kind: TemplateKind
    subject: str
    updated_at: datetime


class TemplatePage(Page[TemplateSummary]):
    """A page of templates, newest first."""


class TemplatePreviewRequest(BaseModel):
    """Data to render a template with (as a transactional send's `data`)."""

    data: MergeData = Field(default_factory=dict)
