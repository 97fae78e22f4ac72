"""What the preference centre shows, takes and hands out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.contacts.models import Name, Subscriber, Suppression
from app.engagement.models import CampaignActivity


class PreferenceList(BaseModel):
    """One of the owner's public lists, and whether the reader gets it."""

    id: str
    name: str
    description: str
    subscribed: bool


class Preferences(BaseModel):
    """The reader's page: their address and name, the public lists, whether they were erased."""

    email: str
    name: str
    lists: list[PreferenceList]
    other_lists: int  # lists the reader is on that are not public (see the export)
    erased: bool


class PreferencesUpdate(BaseModel):
    """A new name (on every list) and/or which public lists to get (list id -> get it)."""

    name: Name | None = None
    lists: Annotated[dict[str, bool], Field(max_length=100)] = Field(default_factory=dict)


class Message(BaseModel):
    """A campaign sent to the reader, and what became of it."""

    campaign_id: str
    campaign_name: str
    subject: str
    status: str
    sent_at: datetime | None
    delivered_at: datetime | None


class PersonalData(BaseModel):
    """Everything the owner holds about one address (the export)."""

    exported_at: datetime
    email: str
    subscriptions: list[Subscriber]
    list_names: dict[str, str]
    suppression: Suppression | None
    messages: list[Message]
    # Each campaign mailed to the address with what the reader did (opens, clicks and their links).
    activity: list[CampaignActivity]
    soft_bounces: int
    pending_confirmations: int


class Erased(BaseModel):
    """What an erasure removed (the address stays blocked as a hash)."""

    email: str
    subscriptions: int
    messages: int
