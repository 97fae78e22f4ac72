"""Powertools idempotency over the single table, built on first use (no client at import)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from app import aws
from app.config import get_settings

F = TypeVar("F", bound=Callable[..., Any])


def idempotent(fn: F, *, data_argument: str, key: str, expires_after_seconds: int = 7 * 24 * 3600) -> F:
    """Wrap `fn` so a repeated call with the same `key` (JMESPath into the argument) runs once."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    store = DynamoDBPersistenceLayer(
        table_name=get_settings().table_name,
        key_attr="PK",
        sort_key_attr="SK",
        static_pk_value=f"IDEMPOTENCY#{fn.__module__}.{fn.__qualname__}",
        expiry_attr="ttl",
        boto3_client=aws.dynamodb(),
    )
    config = IdempotencyConfig(
        event_key_jmespath=key,
        raise_on_no_idempotency_key=True,
        expires_after_seconds=expires_after_seconds,
    )
    wrapped: F = idempotent_function(
        fn, data_keyword_argument=data_argument, persistence_store=store, config=config
    )
    return wrapped
