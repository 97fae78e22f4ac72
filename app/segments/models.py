"""Segment rules, segments and the API shapes.

A rule is a list of conditions joined by `all` (AND) or `any` (OR). Each condition names what it
looks at in `field`: a subscriber attribute, the status, the subscription date, or engagement
(`opened`, `clicked`: the latest open and click that SES tracking stored on the subscriber).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator

from app.contacts.models import MAX_ATTRIBUTE_KEY, Subscriber, SubscriberStatus
from app.pagination import Page

MAX_CONDITIONS = 20

AttributeOp = Literal[
    "equals",
    "not_equals",
    "contains",
    "not_contains",
    "exists",
    "not_exists",
    "greater_than",
    "at_least",
    "less_than",
    "at_most",
    "before",
    "after",
    "on",
]
VALUELESS = frozenset({"exists", "not_exists"})
NUMERIC = frozenset({"greater_than", "at_least", "less_than", "at_most"})
DATED = frozenset({"before", "after", "on"})
Scalar = str | int | float | bool


def _number(value: Scalar | None) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _day(value: Scalar | None) -> date | None:
    try:
        return date.fromisoformat(str(value)) if isinstance(value, str) else None
    except ValueError:
        return None


class AttributeCondition(BaseModel):
    """An attribute compared with a value: text case-insensitively, numbers (and numeric text) as
    numbers, dates (YYYY-MM-DD) against ISO-8601 text."""

    field: Literal["attribute"]
    key: Annotated[str, Field(min_length=1, max_length=MAX_ATTRIBUTE_KEY)]
    op: AttributeOp
    value: Annotated[Scalar, Field(union_mode="left_to_right")] | None = None

    @model_validator(mode="after")
    def _value_fits(self) -> AttributeCondition:
        if self.op in VALUELESS:
            return self
        if self.value is None or self.value == "":
            raise ValueError(f"`{self.op}` needs a value")
        if self.op in NUMERIC and _number(self.value) is None:
            raise ValueError(f"`{self.op}` compares numbers: the value must be a number")
        if self.op in DATED and _day(self.value) is None:
            raise ValueError(f"`{self.op}` compares dates: the value must be a date (YYYY-MM-DD)")
        return self


class StatusCondition(BaseModel):
    """The subscriber's status is (or is not) one value."""

    field: Literal["status"]
    op: Literal["is", "is_not"]
    value: SubscriberStatus


class SubscribedCondition(BaseModel):
    """When the address was added to the list: before, after or on a date, or in the last N days."""

    field: Literal["subscribed_at"]
    op: Literal["before", "after", "on", "within_last_days"]
    value: Annotated[int | str, Field(union_mode="left_to_right")]

    @model_validator(mode="after")
    def _value_fits(self) -> SubscribedCondition:
        if self.op == "within_last_days":
            if not isinstance(self.value, int) or not 1 <= self.value <= 36500:
                raise ValueError("`within_last_days` needs a number of days (1-36500)")
        elif _day(self.value) is None:
            raise ValueError(f"`{self.op}` needs a date (YYYY-MM-DD)")
        return self


MAX_LAST_CAMPAIGNS = 50


class EngagementCondition(BaseModel):
    """The subscriber opened (clicked) any of your last N campaigns, or in the last N days, or never.

    Needs open and click tracking; Apple Mail Privacy Protection opens every message it receives,
    so opens overstate readers (clicks are the surer sign)."""

    field: Literal["opened", "clicked"]
    op: Literal["in_last_campaigns", "within_last_days", "never"]
    value: Annotated[int, Field(ge=1, le=36500)] | None = None

    @model_validator(mode="after")
    def _value_fits(self) -> EngagementCondition:
        if self.op == "never":
            if self.value is not None:
                raise ValueError("`never` takes no value")
        elif self.op == "in_last_campaigns":
            if self.value is None or self.value > MAX_LAST_CAMPAIGNS:
                raise ValueError(f"`in_last_campaigns` needs a number of campaigns (1-{MAX_LAST_CAMPAIGNS})")
        elif self.value is None:
            raise ValueError("`within_last_days` needs a number of days (1-36500)")
        return self


Condition = Annotated[
    AttributeCondition | StatusCondition | SubscribedCondition | EngagementCondition,
    Field(discriminator="field"),
]


class Rule(BaseModel):
    """Conditions a subscriber must meet: every one (`all`) or at least one (`any`); none: everyone."""

    match: Literal["all", "any"] = "all"
    conditions: Annotated[list[Condition], Field(max_length=MAX_CONDITIONS)] = Field(default_factory=list)


Name = Annotated[str, Field(min_length=1, max_length=120), AfterValidator(str.strip)]
ListScope = Annotated[str, Field(min_length=1, max_length=64)] | None


class SegmentCreate(BaseModel):
    """A saved rule over one list (`list_id`) or over all of your lists (`list_id` null)."""

    name: Name
    list_id: ListScope = None
    rule: Rule


class SegmentUpdate(BaseModel):
    """Fields of a segment that may change (omitted fields stay; `list_id: null` means all lists)."""

    name: Name | None = None
    list_id: ListScope = None
    rule: Rule | None = None


class Segment(BaseModel):
    """A saved segment."""

    id: str
    name: str
    list_id: str | None
    rule: Rule
    created_at: datetime
    updated_at: datetime


class SegmentPage(Page[Segment]):
    """A page of segments, oldest first."""


class SegmentPreviewRequest(BaseModel):
    """A rule to try (saved or not), and where the previous call stopped (`cursor`)."""

    list_id: ListScope = None
    rule: Rule
    cursor: Annotated[str, Field(max_length=2048)] | None = None


class SegmentPreview(BaseModel):
    """One bounded step of counting: the matches among the subscribers read in this call (add them
    up over the calls), a sample of them, and where to go on (`next_cursor` null: done).

    On all lists, an address on two lists counts twice here; a campaign mails it once."""

    matched: int
    subscribed: int  # of the matches, those a campaign would mail (status subscribed)
    sample: list[Subscriber]
    next_cursor: str | None
