"""Delivery messages: send-queue batches, the state machine's payloads, SES events (delivery
feedback, opens and clicks)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from app.campaigns.repository import CampaignRecord

BATCH_SIZE = 50  # recipients per send-queue message (their opt-outs are one BatchGetItem of 100 keys)
PAUSE_LIMIT_SECONDS = 7 * 24 * 3600  # how long a paused campaign waits to be resumed before it fails
DEFAULT_WAIT_SECONDS = 3600
# A recipient whose message went out, whatever SES reported since.
SENT_LIKE = frozenset({"sent", "delivered", "bounced", "complained", "unsubscribed"})

StateStatus = Literal["freezing", "started", "done", "pending", "paused", "failed", "finalizing"]


class CampaignRef(BaseModel):
    """Which campaign a step works on (the execution's input and every step's output)."""

    model_config = ConfigDict(extra="ignore")

    owner_id: str
    campaign_id: str
    correlation_id: str | None = None


class StepInput(BaseModel):
    """What StartDelivery and MarkFailed get: the execution's state, and the execution's name (the
    campaign remembers which execution delivers it; no other may)."""

    state: dict[str, Any]
    execution: str


class DeliveryState(CampaignRef):
    """What StartDelivery hands on, and what every resume carries (Choice looks at `status`:
    StartDelivery loops while `freezing`, Finalize while `finalizing`)."""

    status: StateStatus = "started"
    wait_timeout_seconds: int
    recipients: int = 0
    batches_total: int = 0
    batches_done: int = 0
    sent: int = 0
    failed: int = 0
    reason: str | None = None
    # Finalize goes through the recipients a page per invocation (status finalizing until done).
    finalize_cursor: str | None = None
    finalize_sent: int = 0
    finalize_failed: int = 0
    finalize_resendable: int = 0
    # A resend's round: its batches are numbered from round_first, and it ends as the campaign was.
    round_first: int = 0
    ends_as: Literal["sent", "failed"] = "sent"

    @classmethod
    def of(cls, record: CampaignRecord, status: StateStatus, timeout: int | None = None) -> DeliveryState:
        """The state a campaign is in (what a resume hands to the Choice)."""
        return cls(
            owner_id=record.owner_id,
            campaign_id=record.id,
            correlation_id=record.correlation_id,
            status=status,
            wait_timeout_seconds=timeout or record.wait_timeout_seconds or DEFAULT_WAIT_SECONDS,
            recipients=record.stats.recipients,
            batches_total=record.batches_total,
            batches_done=record.batches_done,
            sent=record.stats.sent,
            failed=record.stats.failed,
            round_first=record.round_first,
            ends_as="failed" if record.ended_as == "failed" else "sent",
        )


class WaitRequest(CampaignRef):
    """WaitForSender's payload: the token to store, and how the execution got here."""

    task_token: str
    wait_timeout_seconds: int
    status: str | None = None  # the previous step's: started (first wait), pending or paused


class StepError(BaseModel):
    """What a Catch puts at `$.error`."""

    model_config = ConfigDict(populate_by_name=True)

    error: str = Field(default="", alias="Error")
    cause: str = Field(default="", alias="Cause")


class FailedState(CampaignRef):
    """MarkFailed's input: the state that failed, with the Catch's error or the resume's reason."""

    execution: str | None = None
    status: str | None = None
    reason: str | None = None
    wait_timeout_seconds: int | None = None
    recipients: int = 0
    sent: int = 0
    error: StepError | None = None


class ExecutionEnded(BaseModel):
    """The `detail` of a "Step Functions Execution Status Change" event (the part read here)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    execution_arn: str = Field(alias="executionArn")
    status: str
    input: str | None = None
    error: str | None = None
    cause: str | None = None

    def campaign(self) -> CampaignRef | None:
        """The campaign the execution delivered (from its input; None when it names none)."""
        try:
            return CampaignRef.model_validate_json(self.input or "")
        except ValueError:
            return None


class SendBatch(BaseModel):
    """One send-queue message: up to BATCH_SIZE recipients of one campaign."""

    owner_id: str
    campaign_id: str
    batch: int
    emails: list[str]
    list_id: str | None = None  # the list whose opt-outs apply (None: the campaign's)
    correlation_id: str | None = None


class SesOpen(BaseModel):
    """An Open event's `open`: the pixel was fetched (by the reader's client, or a proxy for it)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    timestamp: datetime
    user_agent: str = Field(default="", alias="userAgent")
    ip_address: str = Field(default="", alias="ipAddress")


class SesClick(SesOpen):
    """A Click event's `click`: a tracked link was followed; `link` is the original URL."""

    link: str
    link_tags: dict[str, list[str]] = Field(default_factory=dict, alias="linkTags")


class SesEvent(BaseModel):
    """The part of an SES event-publishing record the feedback worker reads."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    event_type: str = Field(alias="eventType")
    mail: dict[str, Any]
    bounce: dict[str, Any] | None = None
    complaint: dict[str, Any] | None = None
    delivery: dict[str, Any] | None = None
    open: SesOpen | None = None
    click: SesClick | None = None

    @property
    def message_id(self) -> str:
        """SES's message id."""
        return str(self.mail.get("messageId", ""))

    def tag(self, name: str) -> str | None:
        """The first value of a message tag."""
        values = (self.mail.get("tags") or {}).get(name) or []
        return str(values[0]) if values else None

    def recipients(self) -> list[str]:
        """The addresses this event is about."""
        if self.bounce is not None:
            return [str(r.get("emailAddress")) for r in self.bounce.get("bouncedRecipients") or []]
        if self.complaint is not None:
            return [str(r.get("emailAddress")) for r in self.complaint.get("complainedRecipients") or []]
        if self.delivery is not None:
            return [str(r) for r in self.delivery.get("recipients") or []]
        return [str(r) for r in self.mail.get("destination") or []]
