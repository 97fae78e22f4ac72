"""Public preference-centre routes (no bearer token: the signed link is the credential); the SPA's
/preferences/<token> page calls them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from app import secrets
from app.api.deps import StoreDep
from app.preferences import service
from app.preferences.models import Erased, PersonalData, Preferences, PreferencesUpdate
from app.preferences.service import PreferenceKit

Token = Annotated[str, Path(max_length=1024)]

router = APIRouter(tags=["preferences"])


@router.get("/api/public/preferences/{token}")
async def preferences(token: Token, store: StoreDep) -> Preferences:
    """The reader's address, name and the owner's public lists (whether they get each)."""
    return service.show(token, key=secrets.signing_key(), kit=PreferenceKit.of(store))


@router.put("/api/public/preferences/{token}")
async def change_preferences(token: Token, body: PreferencesUpdate, store: StoreDep) -> Preferences:
    """Rename the reader and/or join and leave public lists (409 address_erased after an erasure)."""
    return service.update(token, body, key=secrets.signing_key(), kit=PreferenceKit.of(store))


@router.post("/api/public/preferences/{token}/unsubscribe")
async def unsubscribe_everywhere(token: Token, store: StoreDep) -> Preferences:
    """Leave every list of this sender; the address is suppressed."""
    return service.unsubscribe_all(token, key=secrets.signing_key(), kit=PreferenceKit.of(store))


@router.get("/api/public/preferences/{token}/export", response_model=PersonalData)
async def export(token: Token, store: StoreDep) -> Response:
    """Everything this sender holds about the reader, as a JSON file."""
    data = service.export(token, key=secrets.signing_key(), kit=PreferenceKit.of(store))
    return Response(
        data.model_dump_json(indent=2),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-data.json"', "Cache-Control": "no-store"},
    )


@router.post("/api/public/preferences/{token}/erase")
async def erase(token: Token, store: StoreDep) -> Erased:
    """Delete everything held about the reader; the address is never mailed again."""
    return service.erase(token, key=secrets.signing_key(), kit=PreferenceKit.of(store))
