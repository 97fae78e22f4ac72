"""Form entities, commands and API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StrictBool, field_validator

from app.contacts.models import MAX_ATTRIBUTE_KEY, MAX_CONSENT_TEXT
from app.pagination import Page

MAX_LISTS = 10
MAX_FIELDS = 10
RESERVED_KEYS = frozenset({"email", "name"})
DEFAULT_CONSENT = "I agree to receive these emails. I can unsubscribe at any time with the link in each one."

# Stripped before its length is checked: a blank required text is a 422 the schema cannot state
# (tests/api/test_openapi_conformance.py waives it by its message).
Text = Annotated[str, AfterValidator(str.strip)]


class FormField(BaseModel):
    """An attribute the form asks for: stored under `key`, shown with `label`."""

    key: Annotated[Text, Field(min_length=1, max_length=MAX_ATTRIBUTE_KEY)]
    label: Annotated[Text, Field(min_length=1, max_length=120)]
    required: StrictBool = False

    @field_validator("key")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value.lower() in RESERVED_KEYS:
            raise ValueError("email and name are asked for by the form itself")
        return value


def _distinct(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("each list may appear once")
    return values


def _distinct_keys(fields: list[FormField]) -> list[FormField]:
    if len({f.key for f in fields}) != len(fields):
        raise ValueError("each attribute may be asked for once")
    return fields


ListIds = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=64)]],
    Field(min_length=1, max_length=MAX_LISTS, json_schema_extra={"uniqueItems": True}),
    AfterValidator(_distinct),
]
Fields = Annotated[list[FormField], Field(max_length=MAX_FIELDS), AfterValidator(_distinct_keys)]


class FormCreate(BaseModel):
    """A new sign-up form: the lists it subscribes to (a reader picks among several), what it asks."""

    name: Annotated[Text, Field(min_length=1, max_length=120)]
    list_ids: ListIds
    title: Annotated[Text, Field(max_length=200)] = ""
    intro: Annotated[Text, Field(max_length=2000)] = ""
    ask_name: StrictBool = True
    name_required: StrictBool = False
    fields: Fields = Field(default_factory=list)
    consent_text: Annotated[Text, Field(max_length=MAX_CONSENT_TEXT)] = DEFAULT_CONSENT
    button_label: Annotated[Text, Field(min_length=1, max_length=60)] = "Subscribe"
    success_message: Annotated[Text, Field(max_length=1000)] = ""


class FormUpdate(BaseModel):
    """Fields of a form that may change (omitted fields stay as they are)."""

    name: Annotated[Text, Field(min_length=1, max_length=120)] | None = None
    list_ids: ListIds | None = None
    title: Annotated[Text, Field(max_length=200)] | None = None
    intro: Annotated[Text, Field(max_length=2000)] | None = None
    ask_name: StrictBool | None = None
    name_required: StrictBool | None = None
    fields: Fields | None = None
    consent_text: Annotated[Text, Field(max_length=MAX_CONSENT_TEXT)] | None = None
    button_label: Annotated[Text, Field(min_length=1, max_length=60)] | None = None
    success_message: Annotated[Text, Field(max_length=1000)] | None = None


class SignupForm(BaseModel):
    """A sign-up form and where readers find it (`hosted_path`, under the site's address)."""

    id: str
    name: str
    list_ids: list[str]
    title: str
    intro: str
    ask_name: bool
    name_required: bool
    fields: list[FormField]
    consent_text: str
    button_label: str
    success_message: str
    hosted_path: str
    created_at: datetime
    updated_at: datetime


class FormPage(Page[SignupForm]):
    """A page of forms, oldest first."""


class FormEmbed(BaseModel):
    """Where the form lives, and the HTML to paste into another site (a plain POST, no script)."""

    hosted_url: str
    action_url: str
    snippet: str
