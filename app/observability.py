"""Powertools Logger, Tracer and Metrics shared by the API and every worker."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

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
    logger.thread_safe_clear_keys()
    if correlation_id:
        logger.thread_safe_append_keys(correlation_id=correlation_id)
