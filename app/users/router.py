"""/api/me and /api/admin/users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app import secrets
from app.api.deps import AdminUser, CognitoDep, CorrelationId, CurrentUser, SettingsDep, StoreDep
from app.signing import SEALED_PATTERN
from app.users import service
from app.users.models import Me, ProfileUpdate, UserPage

router = APIRouter(tags=["users"])


@router.get("/api/me")
async def get_me(
    user: CurrentUser, store: StoreDep, cognito: CognitoDep, correlation_id: CorrelationId
) -> Me:
    """The caller's profile."""
    return service.get_me(user, repo=store.profiles, cognito=cognito, correlation_id=correlation_id)


@router.patch("/api/me")
async def update_me(
    body: ProfileUpdate,
    user: CurrentUser,
    store: StoreDep,
    cognito: CognitoDep,
    correlation_id: CorrelationId,
) -> Me:
    """Change the caller's display name."""
    return service.update_me(user, body, repo=store.profiles, cognito=cognito, correlation_id=correlation_id)


@router.get("/api/admin/users")
async def list_users(
    _: AdminUser,
    cognito: CognitoDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=60)] = 25,
    # Cognito's pagination tokens are long: its cursors get more room than the table's.
    cursor: Annotated[str | None, Query(max_length=4096, pattern=SEALED_PATTERN)] = None,
) -> UserPage:
    """Every account, a page at a time (group `admins` only)."""
    return service.list_users(
        limit=limit, cursor=cursor, cognito=cognito, settings=settings, key=secrets.signing_key
    )
