"""Transactional messages: the send command and the record of what happened to each message."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.campaigns.models import MAX_BODY, FromName, Text
from app.contacts.models import Email
from app.pagination import Page
from app.templates.models import MergeData

# queued (claimed, not handed to SES yet) -> sent -> delivered -> opened -> clicked; sent or
# delivered -> bounced; any sent state -> complained; queued -> failed (SES refused it).
TxStatus = Literal["queued", "sent", "failed", "delivered", "opened", "clicked", "bounced", "complained"]
TemplateId = Annotated[str, Field(pattern="^[0-9a-f]{28}$")]
# An Idempotency-Key: what clients generate (a UUID, a hash), printable ASCII.
IDEMPOTENCY_KEY = r"^[\x21-\x7e]{1,255}$"


class _TxCommon(BaseModel):
    """What every send names: the address, the data for its merge tags, the sender's name."""

    # Unknown fields are refused: they are what tells a template send from an inline one.
    model_config = ConfigDict(extra="forbid")

    to: Email
    data: MergeData = Field(default_factory=dict)
    from_name: FromName = ""
    reply_to: Email | None = None


class TxFromTemplate(_TxCommon):
    """One message from a stored template (`{{ data.<name> }}` and `{{ to }}` in it)."""

    template_id: TemplateId


class TxInline(_TxCommon):
    """One message from inline content (merge tags as in templates)."""

    subject: Annotated[Text, Field(min_length=1, max_length=500)]
    html_body: Annotated[str, Field(max_length=MAX_BODY)] = ""
    text_body: Annotated[str, Field(max_length=MAX_BODY)] = ""


# One message to one address: a stored template (`template_id`) or inline content (`subject` and
# bodies), never both; `data` fills the merge tags.
TxSend = TxFromTemplate | TxInline


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


class TxMessagePage(Page[TxMessage]):
    """A page of messages, newest first."""
