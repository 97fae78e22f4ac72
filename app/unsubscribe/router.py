"""Public unsubscribe routes (no bearer token: the opaque link is the credential)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from app import secrets
from app.api.deps import StoreDep
from app.unsubscribe import service
from app.unsubscribe.service import UnsubscribeKit, UnsubscribeStatus

Token = Annotated[str, Path(max_length=1024)]  # any wrong link, short or not, is a 404

router = APIRouter(tags=["unsubscribe"])


@router.get("/api/public/unsubscribe/{token}")
async def unsubscribe_page(token: Token, store: StoreDep) -> UnsubscribeStatus:
    """Whom the link is for (the SPA's /unsubscribe/{token} page shows it and a confirm button)."""
    return service.show(token, key=secrets.signing_keys, kit=UnsubscribeKit.of(store))


@router.post("/api/public/unsubscribe/{token}")
async def unsubscribe(token: Token, store: StoreDep) -> UnsubscribeStatus:
    """Unsubscribe (the page's confirm, and RFC 8058 one-click: body `List-Unsubscribe=One-Click`)."""
    return service.unsubscribe(token, key=secrets.signing_keys, kit=UnsubscribeKit.of(store))
