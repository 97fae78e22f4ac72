"""Annotated dependencies: a route declares `user: CurrentUser`, `store: StoreDep`, ... and gets them.

The one place routes get what they work with: the verified caller, the settings, the repositories.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Self

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.convertors import Convertor, register_url_convertor

from app import addresses, aws
from app.auth import credentials
from app.auth.principal import Principal
from app.errors import Forbidden, NotAuthenticated
from app.pagination import PageRequest
from app.signing import SEALED_PATTERN
from app.store import Store

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from app.config import Settings
    from app.push import ManagementApi
else:
    # FastAPI resolves these annotations at runtime: the boto3 stubs exist only for mypy, and
    # importing pydantic-settings here would add ~15 ms to every cold start for nothing.
    CognitoIdentityProviderClient = Any
    Settings = Any
    ManagementApi = Any

_bearer = HTTPBearer(auto_error=False, description="A Cognito access token from /api/auth/login")
# API keys travel in the same header, so every private route takes either; a second scheme of
# the same header makes the docs' "Authorize" offer both (the OpenAPI requirements are OR'ed).
_api_key = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    bearerFormat="hrd_<id>_<secret>",
    description="An API key from /api/keys (scoped: read_only, send_only or read_write)",
)


# Dependencies are `async def` on purpose: FastAPI runs a sync dependency in a worker thread,
# which costs a thread hop per request (and anyio's thread machinery on a cold start).
async def settings() -> Settings:
    """The process settings."""
    from app.config import get_settings

    return get_settings()


async def cognito() -> CognitoIdentityProviderClient:
    """The cached Cognito client."""
    return aws.cognito()


async def store() -> Store:
    """The repositories over the configured table."""
    return Store.default()


SettingsDep = Annotated[Settings, Depends(settings)]
CognitoDep = Annotated[CognitoIdentityProviderClient, Depends(cognito)]
StoreDep = Annotated[Store, Depends(store)]


async def sockets(config: SettingsDep) -> ManagementApi | None:
    """The WebSocket management API client (None where no WebSocket API is configured)."""
    url = config.websocket_management_url
    return aws.apigateway_management(url) if url else None


SocketsDep = Annotated[ManagementApi | None, Depends(sockets)]


async def get_correlation_id(request: Request) -> str:
    """The correlation id the middleware assigned to this request."""
    return str(getattr(request.state, "correlation_id", ""))


CorrelationId = Annotated[str, Depends(get_correlation_id)]


async def get_client_address(request: Request, settings: SettingsDep) -> str:
    """The client's address, for per-address limits (behind CloudFront, the viewer's, not the edge's).

    The header is trusted only on requests that came through API Gateway (Mangum's `aws.event`):
    the local runner, whose environment carries the same setting, has no CloudFront to set it.
    """
    if settings.client_address_header and "aws.event" in request.scope:
        # CloudFront-Viewer-Address is `ip:port` (IPv6 without brackets): drop the port.
        forwarded = request.headers.get(settings.client_address_header, "").rpartition(":")[0]
        if forwarded:
            return forwarded
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(get_client_address)]


async def get_current_user(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    _key: Annotated[HTTPAuthorizationCredentials | None, Depends(_api_key)],
    settings: SettingsDep,
    store: StoreDep,
) -> Principal:
    """The caller of a private route: a verified access token that no log-out has revoked, or a
    live API key whose scope allows this route (app/keys/scopes.py) within its rate limit."""
    if bearer is None or not bearer.credentials:
        raise NotAuthenticated("Log in or send an API key to do this.", code="not_authenticated")
    route = getattr(request.scope.get("route"), "path", request.url.path)
    return credentials.authorise(
        bearer.credentials, method=request.method, route=route, settings=settings, store=store
    )


CurrentUser = Annotated[Principal, Depends(get_current_user)]


async def get_admin(user: CurrentUser) -> Principal:
    """The caller, who must be in the `admins` group."""
    if not user.is_admin:
        raise Forbidden("Only administrators may do this.")
    return user


AdminUser = Annotated[Principal, Depends(get_admin)]


class Actions:
    """Base of a domain's use cases as one caller's request makes them: a subclass's methods call the
    domain's services with the caller's id and the collaborators each takes, so a route declares one
    dependency (`campaigns: Campaigns`) and makes one call (`campaigns.send_now(campaign_id, launcher)`).
    Its dependency is `Depends(TheActions.of_request)`."""

    def __init__(self, owner_id: str, store: Store, settings: Settings, correlation_id: str) -> None:
        self.owner_id = owner_id
        self.store = store
        self.settings = settings
        self.correlation_id = correlation_id

    @classmethod
    async def of_request(
        cls, user: CurrentUser, store: StoreDep, settings: SettingsDep, correlation_id: CorrelationId
    ) -> Self:
        """The use cases for this request's caller."""
        return cls(user.user_id, store, settings, correlation_id)


async def get_optional_bearer(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str | None:
    """The raw bearer token, if one was sent (not verified)."""
    return credentials.credentials if credentials else None


OptionalBearer = Annotated[str | None, Depends(get_optional_bearer)]


# A page cursor as the API hands them out (`next_cursor`): a malformed one is a 422, one that does
# not verify a 404 (app/pagination.py).
Cursor = Annotated[str | None, Query(max_length=2048, pattern=SEALED_PATTERN)]


async def get_page(
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Cursor = None,
) -> PageRequest:
    """`?limit=&cursor=` of a list route (the cursor is the previous page's `next_cursor`)."""
    return PageRequest(limit=limit, cursor=cursor)


Page = Annotated[PageRequest, Depends(get_page)]


class _NewIdConvertor(Convertor[str]):
    """An id as `new_id()` makes them: 28 hex digits."""

    regex = "[0-9a-f]{28}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


# The id of one of the caller's items in a path (a list, campaign, import, export, form, webhook):
# its service answers 404 for any other, or for another owner's.
ItemId = Annotated[str, Path(min_length=1, max_length=64)]
# An address in a path (`{email:path}`), checked as the API checks addresses (app/addresses.py).
EmailInPath = Annotated[
    str, Path(min_length=1, max_length=addresses.MAX_LENGTH, json_schema_extra=addresses.SCHEMA)
]

# A path parameter holding such an id; its route writes it `{name:name}` after register_new_id(name)
# (OwnedRoutes registers it for its kind's path), so any other segment (`None`, a word) matches no
# route and is a 404, like an unknown id.
NewId = Annotated[str, Path(pattern="^[0-9a-f]{28}$")]


def register_new_id(name: str) -> None:
    """Let routes write `{name:name}` for a parameter that holds a `new_id()` id."""
    register_url_convertor(name, _NewIdConvertor())
