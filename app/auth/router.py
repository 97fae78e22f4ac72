"""/api/auth: sign-up, confirm, log-in, refresh, log-out (no authorizer in front)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Cookie, Response, status

from app.api.deps import (
    ClientAddress,
    CognitoDep,
    CorrelationId,
    OptionalBearer,
    SettingsDep,
    SocketsDep,
    StoreDep,
)
from app.auth import service
from app.auth.models import (
    ConfirmRequest,
    ConfirmResponse,
    LoginRequest,
    SignUpRequest,
    SignUpResponse,
    TokenResponse,
    Tokens,
)
from app.errors import NotAuthenticated

if TYPE_CHECKING:
    from app.config import Settings

router = APIRouter(prefix="/api/auth", tags=["auth"])

COOKIE_PATH = "/api/auth"
# The parameter names below (`herald_refresh`) must match this cookie name.
REFRESH_COOKIE = "herald_refresh"


def _issue(response: Response, tokens: Tokens, settings: Settings) -> TokenResponse:
    if tokens.refresh_token:
        response.set_cookie(
            REFRESH_COOKIE,
            tokens.refresh_token,
            max_age=settings.refresh_cookie_max_age,
            path=COOKIE_PATH,
            httponly=True,
            secure=True,
            samesite="strict",
        )
    return TokenResponse(access_token=tokens.access_token, expires_in=tokens.expires_in)


@router.post("/signup", status_code=status.HTTP_201_CREATED)
async def sign_up(
    body: SignUpRequest, cognito: CognitoDep, settings: SettingsDep, store: StoreDep, address: ClientAddress
) -> SignUpResponse:
    """Create an account; Cognito emails a confirmation code. A taken address gets the same answer."""
    confirmed = service.sign_up(
        body, address=address, cognito=cognito, settings=settings, limits=store.limits
    )
    return SignUpResponse(email=str(body.email), confirmed=confirmed)


@router.post("/confirm")
async def confirm(
    body: ConfirmRequest,
    cognito: CognitoDep,
    settings: SettingsDep,
    store: StoreDep,
    address: ClientAddress,
    correlation_id: CorrelationId,
) -> ConfirmResponse:
    """Confirm the account with the emailed code."""
    service.confirm_sign_up(
        body,
        address=address,
        cognito=cognito,
        settings=settings,
        limits=store.limits,
        correlation_id=correlation_id,
    )
    return ConfirmResponse(email=str(body.email), confirmed=True)


@router.post("/login")
async def log_in(
    body: LoginRequest,
    response: Response,
    cognito: CognitoDep,
    settings: SettingsDep,
    store: StoreDep,
    address: ClientAddress,
) -> TokenResponse:
    """Access token in the body; refresh token in an httpOnly cookie scoped to /api/auth."""
    tokens = service.log_in(body, address=address, cognito=cognito, settings=settings, limits=store.limits)
    return _issue(response, tokens, settings)


@router.post("/refresh")
async def refresh(
    response: Response,
    cognito: CognitoDep,
    settings: SettingsDep,
    store: StoreDep,
    address: ClientAddress,
    herald_refresh: Annotated[str | None, Cookie()] = None,
) -> TokenResponse:
    """A new access token from the refresh cookie."""
    if not herald_refresh:
        raise NotAuthenticated("No session to refresh; log in.", code="not_authenticated")
    tokens = service.refresh(
        herald_refresh, address=address, cognito=cognito, settings=settings, limits=store.limits
    )
    return _issue(response, tokens, settings)


# The bearer token is optional (the refresh cookie also names the session): `{}` in the
# operation's security says so in the OpenAPI document.
@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, openapi_extra={"security": [{}]})
async def log_out(
    response: Response,
    cognito: CognitoDep,
    settings: SettingsDep,
    store: StoreDep,
    sockets: SocketsDep,
    bearer: OptionalBearer,
    herald_refresh: Annotated[str | None, Cookie()] = None,
) -> None:
    """End the session everywhere: refresh and access tokens revoked, open sockets closed, cookie cleared."""
    service.log_out(
        access_token=bearer,
        refresh_token=herald_refresh,
        cognito=cognito,
        settings=settings,
        revocations=store.revocations,
        connections=store.connections,
        sockets=sockets,
    )
    response.delete_cookie(REFRESH_COOKIE, path=COOKIE_PATH, secure=True, httponly=True, samesite="strict")
