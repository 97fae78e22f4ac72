"""Campaign entities, commands and API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, computed_field

from app.contacts.models import Email
from app.pagination import Page

CampaignStatus = Literal["draft", "scheduled", "queued", "sending", "paused", "sent", "failed"]
# The lifecycle (every transition is a conditional write):
#   draft -> scheduled -> draft (cancel);  draft|scheduled -> queued -> sending -> sent | failed
#   sending -> paused -> sending (pause, resume; a pause longer than PAUSE_LIMIT fails the campaign)
#   sent|failed -> queued -> sending -> sent|failed (a resend to the failed recipients: the campaign
#   ends as it was, sent or failed, unless the resend itself fails; app/delivery/resend.py)
EDITABLE: frozenset[str] = frozenset({"draft"})
SENDABLE: frozenset[str] = frozenset({"draft", "scheduled"})
DELETABLE: frozenset[str] = frozenset({"draft", "sent", "failed"})
FINISHED: frozenset[str] = frozenset({"sent", "failed"})

RecipientStatus = Literal[
    "pending", "claimed", "sent", "delivered", "bounced", "complained", "unsubscribed", "failed"
]
MAX_BODY = 256 * 1024
# The subject, bodies and names together, in UTF-8 bytes: the campaign item also holds its
# bookkeeping (timeline, counters, task token), and DynamoDB refuses an item over 400 KB.
MAX_CONTENT_BYTES = 350 * 1024

Text = Annotated[str, AfterValidator(str.strip)]
# The display name of the From header: no line breaks or other control characters (header
# injection: "...\r\nBcc: ..."), and none of < > @, so a name cannot pose as an address
# ("PayPal Security <security@paypal.com>"); quotes are fine (formataddr quotes the name).
FROM_NAME_PATTERN = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029<>@]*$"
FromName = Annotated[str, Field(max_length=100, pattern=FROM_NAME_PATTERN), AfterValidator(str.strip)]


class CampaignCreate(BaseModel):
    """A new draft; bodies and subject may use merge tags (`{{ subscriber.name }}`, ...)."""

    name: Annotated[Text, Field(min_length=1, max_length=200)]
    subject: Annotated[Text, Field(min_length=1, max_length=500)]
    from_name: FromName = ""
    reply_to: Email | None = None
    list_id: Annotated[str, Field(min_length=1, max_length=64)]
    # Send to a segment instead of the whole list (one over this list, or over all lists).
    segment_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    html_body: Annotated[str, Field(max_length=MAX_BODY)] = ""
    text_body: Annotated[str, Field(max_length=MAX_BODY)] = ""
    # Open and click tracking (SES's pixel and link rewriting); off for privacy. A link with the
    # attribute `ses:no-track` is never rewritten, whatever this says.
    track: bool = True


class CampaignUpdate(BaseModel):
    """Fields of a draft that may change (omitted fields stay as they are)."""

    name: Annotated[Text, Field(min_length=1, max_length=200)] | None = None
    subject: Annotated[Text, Field(min_length=1, max_length=500)] | None = None
    from_name: FromName | None = None
    reply_to: Email | None = None
    list_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    segment_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None  # null: the whole list
    html_body: Annotated[str, Field(max_length=MAX_BODY)] | None = None
    text_body: Annotated[str, Field(max_length=MAX_BODY)] | None = None
    track: bool | None = None


class CampaignStats(BaseModel):
    """How a campaign's delivery went (counters grow while it sends and as SES reports back), and
    how its readers engaged: opens (machine opens apart, see app/delivery/engagement.py) and clicks;
    the unique ones count recipients, the rates are unique ones over delivered."""

    recipients: int = 0
    suppressed: int = 0
    sent: int = 0
    delivered: int = 0
    bounced: int = 0
    complained: int = 0
    unsubscribed: int = 0
    failed: int = 0
    # Failed recipients a resend would mail again (not opted out, never resent): app/delivery/resend.py
    resendable: int = 0
    resends: int = 0  # resends to the failed recipients so far
    opens: int = 0
    unique_opens: int = 0
    machine_opens: int = 0
    clicks: int = 0
    unique_clicks: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def open_rate(self) -> float:
        """Unique opens over delivered (0 before anything is delivered)."""
        return _rate(self.unique_opens, self.delivered)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def click_rate(self) -> float:
        """Unique clicks over delivered."""
        return _rate(self.unique_clicks, self.delivered)


def _rate(part: int, whole: int) -> float:
    return round(min(part / whole, 1.0), 4) if whole > 0 else 0.0


class Failure(BaseModel):
    """Why a campaign failed: a stable `code` and a sentence for people."""

    code: str
    message: str


class StatusChange(BaseModel):
    """One step of the campaign's lifecycle."""

    status: CampaignStatus
    at: datetime


class Campaign(BaseModel):
    """A campaign and where it is in its lifecycle."""

    id: str
    name: str
    subject: str
    from_name: str
    reply_to: str | None
    list_id: str
    segment_id: str | None = None
    html_body: str
    text_body: str
    track: bool = True
    status: CampaignStatus
    scheduled_at: datetime | None
    stats: CampaignStats
    failure: Failure | None
    timeline: list[StatusChange]
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None


class CampaignSummary(BaseModel):
    """A campaign in a list (no bodies)."""

    id: str
    name: str
    subject: str
    list_id: str
    segment_id: str | None = None
    status: CampaignStatus
    scheduled_at: datetime | None
    stats: CampaignStats
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None


class CampaignPage(Page[CampaignSummary]):
    """A page of campaigns, newest first."""


class PreviewRequest(BaseModel):
    """Render for one subscriber of the list (by address), or for a made-up sample subscriber."""

    email: Email | None = None


class Preview(BaseModel):
    """A campaign rendered for one subscriber."""

    email: str
    subject: str
    html: str
    text: str


class TestSent(BaseModel):
    """A test copy went to the owner."""

    to: str
    message_id: str


class ScheduleRequest(BaseModel):
    """When to send (a future instant; a time zone is required)."""

    send_at: datetime


class Recipient(BaseModel):
    """One address of a campaign's frozen audience and how its message fared."""

    email: str
    status: RecipientStatus
    message_id: str | None
    reason: str | None
    updated_at: datetime
    resent_at: datetime | None = None  # when a resend to the failed recipients took it again


# What the recipients table can show: one status, or those who opened or clicked (SES events).
RecipientFilter = RecipientStatus | Literal["opened", "clicked"]


class RecipientPage(Page[Recipient]):
    """A page of recipients in email order."""


def stats_of(item: dict[str, Any]) -> CampaignStats:
    """The counters stored on a campaign item."""
    return CampaignStats(**{k: max(int(item.get(k, 0)), 0) for k in CampaignStats.model_fields})
