"""/api/me and /api/admin/users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app import secrets
from app.api.deps import AdminUser, CognitoDep, CurrentUser, SettingsDep
from app.db import table
from app.users import service
from app.users.models import Me, ProfileUpdate, UserPage
from app.users.repository import ProfileRepository


async def get_profiles() -> ProfileRepository:
    """The profile repository over the configured table."""
    return ProfileRepository(table())


Profiles = Annotated[ProfileRepository, Depends(get_profiles)]

router = APIRouter(tags=["users"])


@router.get("/api/me")
async def get_me(user: CurrentUser, repo: Profiles) -> Me:
    """The caller's profile."""
    return service.get_me(user, repo=repo)


@router.patch("/api/me")
async def update_me(body: ProfileUpdate, user: CurrentUser, repo: Profiles) -> Me:
    """Change the caller's display name."""
    return service.update_me(user, body, repo=repo)


@router.get("/api/admin/users")
async def list_users(
    _: AdminUser,
    cognito: CognitoDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=60)] = 25,
    cursor: Annotated[str | None, Query(max_length=4096)] = None,
) -> UserPage:
    """Every account, a page at a time (group `admins` only)."""
    return service.list_users(
        limit=limit, cursor=cursor, cognito=cognito, settings=settings, key=secrets.signing_key
    )
