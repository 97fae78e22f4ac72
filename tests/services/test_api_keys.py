"""API key use cases on a table of their own: creation, the cap, verification, use, revocation."""

from __future__ import annotations

import hashlib
import time

import pytest

from app.config import get_settings
from app.errors import Conflict, Forbidden, NotAuthenticated, NotFound
from app.keys import material, scopes, service
from app.keys.models import ApiKeyCreate
from app.keys.repository import TOUCH_EVERY_SECONDS
from app.store import Store
from tests.factories import owner_id


def _new(store: Store, owner: str, scope: str = "read_only") -> tuple[str, str]:
    created = service.create_key(owner, ApiKeyCreate(name="CI", scope=scope), repo=store.api_keys)  # type: ignore[arg-type]
    return created.id, created.key


def test_a_new_key_is_identified_by_its_digest_and_acts_for_its_owner(store: Store) -> None:
    owner = owner_id()
    key_id, key = _new(store, owner, "send_only")

    record = service.identify(key, repo=store.api_keys)
    principal = service.principal_of(record)

    assert record.digest == hashlib.sha256(key.encode()).hexdigest()
    assert (principal.user_id, principal.key_id, principal.scope) == (owner, key_id, "send_only")
    assert principal.method == "api_key" and principal.groups == () and not principal.is_admin
    assert material.key_id_of(key) == key_id


def test_keys_are_random_and_well_formed() -> None:
    made = {material.make_key().key for _ in range(50)}
    assert len(made) == 50
    assert all(material.PATTERN.match(key) for key in made)


@pytest.mark.parametrize("credential", ["hrd_", "hrd_0123456789ab_short", "hrd_0123456789ab_" + "x" * 43])
def test_unknown_or_malformed_keys_are_not_authenticated(store: Store, credential: str) -> None:
    with pytest.raises(NotAuthenticated) as refused:
        service.identify(credential, repo=store.api_keys)
    assert refused.value.code == "invalid_api_key"


def test_an_owner_holds_at_most_the_cap_and_a_revocation_frees_a_place(store: Store) -> None:
    owner = owner_id()
    ids = [_new(store, owner)[0] for _ in range(service.MAX_KEYS)]

    with pytest.raises(Conflict):
        _new(store, owner)
    service.revoke_key(owner, ids[0], repo=store.api_keys)
    _new(store, owner)

    assert len(service.list_keys(owner, repo=store.api_keys).items) == service.MAX_KEYS


def test_revocation_is_for_the_owner_only_and_refuses_the_key_at_once(store: Store) -> None:
    owner, stranger = owner_id(), owner_id()
    key_id, key = _new(store, owner)

    with pytest.raises(NotFound):
        service.revoke_key(stranger, key_id, repo=store.api_keys)
    service.identify(key, repo=store.api_keys)  # still live
    service.revoke_key(owner, key_id, repo=store.api_keys)

    with pytest.raises(NotAuthenticated):
        service.identify(key, repo=store.api_keys)
    with pytest.raises(NotFound):
        service.revoke_key(owner, key_id, repo=store.api_keys)


def test_use_is_noted_at_most_once_a_minute(store: Store) -> None:
    owner = owner_id()
    _, key = _new(store, owner)
    record = service.identify(key, repo=store.api_keys)
    now = int(time.time())

    first = store.api_keys.touch(record, now=now)
    stale_copy = store.api_keys.touch(record, now=now + 5)  # another request read it before the write
    later = store.api_keys.touch(service.identify(key, repo=store.api_keys), now=now + 10)
    next_minute = store.api_keys.touch(
        service.identify(key, repo=store.api_keys), now=now + TOUCH_EVERY_SECONDS
    )

    assert (first, stale_copy, later, next_minute) == (True, False, False, True)
    listed = service.list_keys(owner, repo=store.api_keys).items[0]
    assert (
        listed.last_used_at is not None and int(listed.last_used_at.timestamp()) == now + TOUCH_EVERY_SECONDS
    )


def test_a_key_out_of_scope_is_forbidden_before_its_limit_is_counted(store: Store) -> None:
    _, key = _new(store, owner_id(), "read_only")
    settings = get_settings().model_copy(update={"api_key_requests_per_minute": 1})

    def call(method: str) -> None:
        service.authorise_key(
            key,
            method=method,
            route="/api/lists",
            settings=settings,
            repo=store.api_keys,
            limits=store.limits,
        )

    with pytest.raises(Forbidden) as refused:
        call("POST")
    call("GET")  # the refused POST spent nothing of the one request allowed

    assert refused.value.code == "insufficient_scope"


@pytest.mark.parametrize(
    ("scope", "method", "route", "allowed"),
    [
        ("read_only", "GET", "/api/lists", True),
        ("read_only", "POST", "/api/lists", False),
        ("read_only", "POST", "/api/campaigns/{campaign_id}/send", False),
        ("send_only", "POST", "/api/campaigns/{campaign_id}/send", True),
        ("send_only", "POST", "/api/campaigns/{campaign_id}/schedule", True),
        ("send_only", "POST", "/api/tx", True),
        ("send_only", "DELETE", "/api/lists/{list_id}", False),
        ("read_write", "DELETE", "/api/lists/{list_id}", True),
        ("read_write", "POST", "/api/keys", False),
        ("read_write", "GET", "/api/keys", False),
        ("read_write", "DELETE", "/api/keys/{key_id}", False),
        ("read_write", "GET", "/api/admin/users", False),
        ("read_write", "PATCH", "/api/me", False),
        ("read_only", "GET", "/api/me", True),
    ],
)
def test_the_scope_rule_table(scope: str, method: str, route: str, allowed: bool) -> None:
    assert scopes.allows(scope, method, route) is allowed  # type: ignore[arg-type]
