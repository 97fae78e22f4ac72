"""User profile entities and API shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.pagination import Page


class Profile(BaseModel):
    """A person's Herald profile (written when their account is confirmed)."""

    id: str
    email: str
    name: str
    created_at: datetime


class Me(Profile):
    """The caller's profile plus what their token says about them."""

    groups: list[str]


class ProfileUpdate(BaseModel):
    """Fields a person may change about themselves."""

    name: str = Field(min_length=1, max_length=120)


class UserSummary(BaseModel):
    """One account as an administrator sees it."""

    id: str
    email: str
    name: str
    status: str
    enabled: bool
    created_at: datetime | None


class UserPage(Page[UserSummary]):
    """A page of accounts; pass `next_cursor` back to get the next one."""
