"""/api/keys: the owner's API keys (a signed-in owner only: no key may manage keys)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from app.api.deps import CurrentUser, StoreDep
from app.api.owned import OwnedRoutes
from app.keys import service
from app.keys.models import ApiKeyCreate, ApiKeyCreated, ApiKeyList

KeyId = Annotated[str, Path(pattern=r"^[0-9a-f]{12}$")]

router = APIRouter(tags=["keys"])
# DELETE /api/keys/{key_id}: the line `keys.deleted` below.
keys = OwnedRoutes(router, "/api/keys/{key_id}", KeyId, repo=lambda store: store.api_keys)


@router.post("/api/keys", status_code=status.HTTP_201_CREATED)
async def create_key(body: ApiKeyCreate, user: CurrentUser, store: StoreDep) -> ApiKeyCreated:
    """A new API key; `key` is in this answer only (409 too_many_keys past 20)."""
    return service.create_key(user.user_id, body, repo=store.api_keys)


@router.get("/api/keys")
async def list_keys(user: CurrentUser, store: StoreDep) -> ApiKeyList:
    """Your API keys, newest first, with when each was last used."""
    return service.list_keys(user.user_id, repo=store.api_keys)


keys.deleted(service.revoke_key, "Revoke a key: the next request that presents it gets a 401.")
