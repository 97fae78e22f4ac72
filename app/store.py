"""The composition root of persistence: every repository over the one table, built in one place.

A repository joins with one line below. Each is imported and built on first use, so a Lambda
cold start imports only the repositories its function touches. Routes get the store through
`StoreDep` (app/api/deps.py); workers call `Store.default()` per invocation; tests build one
over a table of their own with `Store(table)`.
"""

from __future__ import annotations

import importlib
from dataclasses import fields
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar, cast, overload

from app.db import Table

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    from app.auth.revocation import RevocationRepository
    from app.campaigns.repository import CampaignRepository
    from app.contacts.confirmations import ConfirmationRepository
    from app.contacts.lists import ListRepository
    from app.contacts.subscribers import SubscriberRepository
    from app.contacts.suppression import SuppressionRepository
    from app.delivery.batches import BatchRepository
    from app.delivery.repository import RecipientRepository
    from app.engagement.repository import EngagementRepository
    from app.exports.repository import ExportRepository
    from app.forms.repository import FormRepository
    from app.imports.repository import ImportRepository
    from app.keys.repository import ApiKeyRepository
    from app.mail import SendBudget
    from app.preferences.repository import PersonalDataRepository
    from app.push import ConnectionRepository
    from app.ratelimit import RateLimitRepository
    from app.segments.repository import SegmentRepository
    from app.templates.repository import TemplateRepository
    from app.transactional.repository import MessageRepository
    from app.users.repository import ProfileRepository
    from app.webhooks.repository import WebhookRepository


R = TypeVar("R")


class _Lazy(Generic[R]):
    """A store attribute: the repository class at `path` ("module:Class") built over the store's table."""

    def __init__(self, path: str) -> None:
        self.module, self.cls = path.split(":")
        self.attribute = ""

    def __set_name__(self, owner: type[Store], name: str) -> None:
        self.attribute = name

    @overload
    def __get__(self, store: None, owner: type[Store]) -> _Lazy[R]: ...

    @overload
    def __get__(self, store: Store, owner: type[Store]) -> R: ...

    def __get__(self, store: Store | None, owner: type[Store]) -> R | _Lazy[R]:
        if store is None:
            return self
        repository: R = getattr(importlib.import_module(self.module), self.cls)(store.table)
        store.__dict__[self.attribute] = repository  # built once per store
        return repository


class Store:
    """The repositories over one table."""

    profiles: _Lazy[ProfileRepository] = _Lazy("app.users.repository:ProfileRepository")
    lists: _Lazy[ListRepository] = _Lazy("app.contacts.lists:ListRepository")
    subscribers: _Lazy[SubscriberRepository] = _Lazy("app.contacts.subscribers:SubscriberRepository")
    suppressions: _Lazy[SuppressionRepository] = _Lazy("app.contacts.suppression:SuppressionRepository")
    imports: _Lazy[ImportRepository] = _Lazy("app.imports.repository:ImportRepository")
    exports: _Lazy[ExportRepository] = _Lazy("app.exports.repository:ExportRepository")
    campaigns: _Lazy[CampaignRepository] = _Lazy("app.campaigns.repository:CampaignRepository")
    recipients: _Lazy[RecipientRepository] = _Lazy("app.delivery.repository:RecipientRepository")
    batches: _Lazy[BatchRepository] = _Lazy("app.delivery.batches:BatchRepository")
    engagement: _Lazy[EngagementRepository] = _Lazy("app.engagement.repository:EngagementRepository")
    connections: _Lazy[ConnectionRepository] = _Lazy("app.push:ConnectionRepository")
    confirmations: _Lazy[ConfirmationRepository] = _Lazy("app.contacts.confirmations:ConfirmationRepository")
    forms: _Lazy[FormRepository] = _Lazy("app.forms.repository:FormRepository")
    segments: _Lazy[SegmentRepository] = _Lazy("app.segments.repository:SegmentRepository")
    personal_data: _Lazy[PersonalDataRepository] = _Lazy("app.preferences.repository:PersonalDataRepository")
    revocations: _Lazy[RevocationRepository] = _Lazy("app.auth.revocation:RevocationRepository")
    limits: _Lazy[RateLimitRepository] = _Lazy("app.ratelimit:RateLimitRepository")
    send_budget: _Lazy[SendBudget] = _Lazy("app.mail:SendBudget")
    api_keys: _Lazy[ApiKeyRepository] = _Lazy("app.keys.repository:ApiKeyRepository")
    templates: _Lazy[TemplateRepository] = _Lazy("app.templates.repository:TemplateRepository")
    tx_messages: _Lazy[MessageRepository] = _Lazy("app.transactional.repository:MessageRepository")
    webhooks: _Lazy[WebhookRepository] = _Lazy("app.webhooks.repository:WebhookRepository")

    def __init__(self, table: Table) -> None:
        self.table = table

    @classmethod
    def default(cls) -> Store:
        """The store over the configured table (one per table name and client, so tests that
        change the environment and clear the caches get a fresh one)."""
        from app import aws
        from app.config import get_settings

        return _store(get_settings().table_name, aws.dynamodb())


class Kit:
    """Base of a dataclass of repositories (what one use case reads and writes): `of(store)` gives
    each field the store's repository of the same name."""

    @classmethod
    def of(cls, store: Store) -> Self:
        """The store's repositories of these names."""
        names = [f.name for f in fields(cast("type[DataclassInstance]", cls))]
        return cls(**{name: getattr(store, name) for name in names})


@lru_cache(maxsize=4)
def _store(table_name: str, client: Any) -> Store:
    return Store(Table(table_name, client))
