"""Powertools idempotency over the single table, built on first use (no client at import)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from app import aws
from app.config import get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
    from aws_lambda_powertools.utilities.typing import LambdaContext

R = TypeVar("R")


class Idempotent(Generic[R]):
    """`fn` run at most once per key (a JMESPath into its `data_argument`), across redeliveries."""

    def __init__(
        self,
        fn: Callable[..., R],
        *,
        data_argument: str,
        key: str,
        expires_after_seconds: int = 7 * 24 * 3600,
    ) -> None:
        self.fn = fn
        self.data_argument = data_argument
        self.key = key
        self.expires_after_seconds = expires_after_seconds
        self._built: tuple[Callable[..., R], IdempotencyConfig] | None = None

    def _build(self) -> tuple[Callable[..., R], IdempotencyConfig]:
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        store = DynamoDBPersistenceLayer(
            table_name=get_settings().table_name,
            key_attr="PK",
            sort_key_attr="SK",
            static_pk_value=f"IDEMPOTENCY#{self.fn.__module__}.{self.fn.__qualname__}",
            expiry_attr="ttl",
            boto3_client=aws.dynamodb(),
        )
        config = IdempotencyConfig(
            event_key_jmespath=self.key,
            raise_on_no_idempotency_key=True,
            expires_after_seconds=self.expires_after_seconds,
        )
        wrapped: Callable[..., R] = idempotent_function(
            self.fn, data_keyword_argument=self.data_argument, persistence_store=store, config=config
        )
        return wrapped, config

    def __call__(self, context: LambdaContext, **kwargs: Any) -> R:
        """Run (or replay the stored result); the context bounds how long a run may hold the key."""
        if self._built is None:
            self._built = self._build()
        wrapped, config = self._built
        config.register_lambda_context(context)
        return wrapped(**kwargs)
