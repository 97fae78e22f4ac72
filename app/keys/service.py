"""API key use cases: create (the secret shown once), list, revoke, and authorise a request by key."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from app.auth.principal import Principal
from app.errors import Conflict, Forbidden, NotAuthenticated, NotFound, found
from app.keys import material, scopes
from app.keys.models import ApiKey, ApiKeyCreate, ApiKeyCreated, ApiKeyList
from app.keys.repository import ApiKeyRecord, ApiKeyRepository
from app.observability import logger
from app.ratelimit import Limit, RateLimitRepository, enforce

if TYPE_CHECKING:
    from app.config import Settings

MAX_KEYS = 20  # per owner: a key list is one page, and a leaked account cannot mint thousands


def _view(record: ApiKeyRecord) -> ApiKey:
    return ApiKey(
        id=record.key_id,
        name=record.name,
        scope=record.scope,
        prefix=f"{material.KEY_PREFIX}_{record.key_id}",
        created_at=record.created_at,
        last_used_at=record.last_used_at,
    )


def create_key(owner_id: str, body: ApiKeyCreate, *, repo: ApiKeyRepository) -> ApiKeyCreated:
    """A new key for the owner; its secret is in this answer only."""
    new = material.make_key()
    record = ApiKeyRecord(
        owner_id=owner_id,
        key_id=new.key_id,
        name=body.name,
        scope=body.scope,
        digest=new.digest,
        created_at=datetime.now(UTC),
    )
    if not repo.create(record, max_keys=MAX_KEYS):
        raise Conflict(
            f"You have {MAX_KEYS} API keys, the most an account may hold; revoke one first.",
            code="too_many_keys",
        )
    logger.info("api key created", extra={"user_id": owner_id, "key_id": new.key_id, "scope": body.scope})
    return ApiKeyCreated(**_view(record).model_dump(), key=new.key)


def list_keys(owner_id: str, *, repo: ApiKeyRepository) -> ApiKeyList:
    """The owner's keys, newest first."""
    records = sorted(repo.owned(owner_id, limit=MAX_KEYS), key=lambda r: r.created_at, reverse=True)
    return ApiKeyList(items=[_view(r) for r in records])


def revoke_key(owner_id: str, key_id: str, *, repo: ApiKeyRepository) -> None:
    """Revoke one of the owner's keys: the next request that presents it is refused."""
    record = found(repo.get(owner_id, key_id), lambda: NotFound("No such API key.", code="key_not_found"))
    if not repo.revoke(record):
        raise NotFound("No such API key.", code="key_not_found")
    logger.info("api key revoked", extra={"user_id": owner_id, "key_id": key_id})


def identify(key: str, *, repo: ApiKeyRepository) -> ApiKeyRecord:
    """The stored key a presented key is, else NotAuthenticated (malformed, unknown or revoked)."""
    record = repo.find(material.digest(key)) if material.key_id_of(key) else None
    if record is None:
        raise NotAuthenticated("The API key is not valid or has been revoked.", code="invalid_api_key")
    return record


def principal_of(record: ApiKeyRecord) -> Principal:
    """The caller a key acts as: its owner, with the key's scope and no group."""
    return Principal(
        user_id=record.owner_id,
        username=f"{material.KEY_PREFIX}_{record.key_id}",
        groups=(),
        token="",
        method="api_key",
        scope=record.scope,
        key_id=record.key_id,
    )


def key_limit(settings: Settings) -> Limit:
    """Requests one key may make a minute."""
    return Limit("api-key", settings.api_key_requests_per_minute, 60)


def authorise_key(
    key: str,
    *,
    method: str,
    route: str,
    settings: Settings,
    repo: ApiKeyRepository,
    limits: RateLimitRepository,
) -> Principal:
    """The owner a key acts for, when the key is live, its scope allows the route, and its rate
    limit is not spent (a refused call is not counted); notes the use at most once a minute."""
    record = identify(key, repo=repo)
    if not scopes.allows(record.scope, method, route):
        raise Forbidden(
            f"This API key ({record.scope}) may not call {method} {route}.", code="insufficient_scope"
        )
    enforce(
        [(key_limit(settings), f"{record.owner_id}#{record.key_id}")],
        repo=limits,
        message="This API key has made too many requests; wait a moment.",
    )
    repo.touch(record, now=int(time.time()))
    return principal_of(record)
