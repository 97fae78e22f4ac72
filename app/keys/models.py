"""API key shapes: what the owner creates, sees in the list, and the secret shown once."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.auth.principal import Scope


class ApiKeyCreate(BaseModel):
    """A new key: a name to recognise it by, and what it may do."""

    name: str = Field(min_length=1, max_length=100)
    scope: Scope = Field(
        description=(
            "read_only: GET routes only; send_only: GET routes plus transactional send and campaign "
            "send/schedule; read_write: everything a signed-in owner may do, except managing keys "
            "and the account"
        )
    )


class ApiKey(BaseModel):
    """A key as its owner sees it (never its secret)."""

    id: str
    name: str
    scope: Scope
    prefix: str = Field(description="The key's first characters: how logs and this list name it")
    created_at: datetime
    last_used_at: datetime | None = Field(description="To the minute: written at most once a minute")


class ApiKeyCreated(ApiKey):
    """A key just created, with its secret: shown this once, stored only as a hash."""

    key: str = Field(description="Send as `Authorization: Bearer <key>`; it cannot be shown again")


class ApiKeyList(BaseModel):
    """Every key of the caller, newest first: the shape of every list route, always one page (an
    owner holds at most 20 keys)."""

    items: list[ApiKey]
    next_cursor: None = None
