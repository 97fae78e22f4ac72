"""Powertools Logger, Tracer and Metrics shared by the API and every worker."""

from __future__ import annotations

import functools
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools import Logger

if TYPE_CHECKING:
    from aws_lambda_powertools import Metrics, Tracer

# One service name for every function: a correlation id is followed across all of them.
logger = Logger(service="herald")


@cache
def get_tracer() -> Tracer:
    """The X-Ray tracer; created on first use because it imports the X-Ray SDK and botocore."""
    from aws_lambda_powertools import Tracer

    return Tracer(service="herald")


@cache
def get_metrics() -> Metrics:
    """The EMF metrics emitter."""
    from aws_lambda_powertools import Metrics

    return Metrics(namespace="Herald", service="herald")


def bind_correlation_id(correlation_id: str | None) -> None:
    """Stamp every following log line of this request/record (context-local, thread-safe)."""
    logger.thread_safe_remove_keys(["correlation_id"])
    if correlation_id:
        logger.thread_safe_append_keys(correlation_id=correlation_id)


Handler = TypeVar("Handler", bound=Callable[..., Any])
_warm: set[str] = set()


def with_lambda_context(handler: Handler) -> Handler:
    """Powertools' `inject_lambda_context`, but with context-local keys.

    Powertools appends the function's keys process-wide; in AWS a process runs one function,
    but the embedded cloud runs every function in one process, where those keys would leak
    into other functions' (and the API's) log lines.
    """
    from aws_lambda_powertools.logging.lambda_context import build_lambda_context_model

    @functools.wraps(handler)
    def decorate(event: Any, context: Any) -> Any:
        fields = dict(build_lambda_context_model(context).__dict__)
        name = str(fields.get("function_name"))
        fields["cold_start"] = name not in _warm
        _warm.add(name)
        logger.thread_safe_append_keys(**fields)
        try:
            return handler(event, context)
        finally:
            logger.thread_safe_remove_keys([*fields, "correlation_id"])

    return decorate  # type: ignore[return-value]
