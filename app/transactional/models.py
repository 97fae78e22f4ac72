"""Transactional messages: the send command and the record of what happened to each message."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from app.campaigns.models import MAX_BODY, FromName, Text
from app.contacts.models import Email
from app.templates.models import MergeData

# queued (claimed, not handed to SES yet) -> sent -> delivered -> opened -> clicked; sent or
# delivered -> bounced; any sent state -> complained; queued -> failed (SES refused it).
TxStatus = Literal["queued", "sent", "failed", "delivered", "opened", "clicked", "bounced", "complained"]
TemplateId = Annotated[str, Field(pattern="^[0-9a-f]{28}$")]
# An Idempotency-Key: what clients generate (a UUID, a hash), printable ASCII.
IDEMPOTENCY_KEY = r"^[\x21-\x7e]{1,255}$"


class TxSend(BaseModel):
    """One message to one address: a stored template (`template_id`) or inline content (`subject`
    and bodies), with `data` for its merge tags (`{{ data.<name> }}`, and `{{ to }}`)."""

    to: Email
    template_id: TemplateId | None = None
    subject: Annotated[Text, Field(min_length=1, max_length=500)] | None = None
    html_body: Annotated[str, Field(max_length=MAX_BODY)] = ""
    text_body: Annotated[str, Field(max_length=MAX_BODY)] = ""
    data: MergeData = Field(default_factory=dict)
    from_name: FromName = ""
    reply_to: Email | None = None

    @model_validator(mode="after")
    def _one_source(self) -> TxSend:
        if (self.template_id is None) == (self.subject is None):
            raise ValueError("give either template_id or an inline subject (with html_body or text_body)")
        if self.template_id is not None and (self.html_body or self.text_body):
            raise ValueError("bodies come from the template: leave html_body and text_body out")
        return self


class TxMessage(BaseModel):
    """A transactional message and what became of it (SES events update `status`)."""

    id: str
    to: str
    template_id: str | None
    subject: str
    status: TxStatus
    reason: str | None = None
    ses_message_id: str | None = None
    created_at: datetime
    updated_at: datetime


class TxMessagePage(BaseModel):
    """A page of messages, newest first."""

    items: list[TxMessage]
    next_cursor: str | None
