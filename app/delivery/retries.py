"""What the state machine retries: a step that met a passing AWS condition raises TransientError.

Lambda reports an error by its exception's class name, so a throttled DynamoDB call surfaces as
`ClientError`, the same name as a refused one. Each step's handler turns the passing ones
(throttling, a service hiccup, a dropped connection) into TransientError, which the state
machine's Retry names (with Lambda's own transient errors and timeouts), with backoff.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from app.aws import error_code

F = TypeVar("F", bound=Callable[..., Any])

TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "TransactionConflictException",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
        "KMSThrottlingException",
        "AWS.SimpleQueueService.RequestThrottled",
        "RequestThrottled",
    }
)


class TransientError(Exception):
    """A passing failure of something the step called: the state machine retries the step."""


def is_transient(exc: BaseException) -> bool:
    """True for throttling, AWS's own errors and dropped connections."""
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import HTTPClientError

    if error_code(exc) in TRANSIENT_CODES:
        return True
    return isinstance(exc, BotoConnectionError | HTTPClientError)


def retried_when_transient(handler: F) -> F:
    """A step handler whose passing failures are raised as TransientError (others as they are)."""

    @functools.wraps(handler)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        except Exception as exc:
            if is_transient(exc):
                raise TransientError(f"{error_code(exc) or type(exc).__name__}: {exc}"[:500]) from exc
            raise

    return run  # type: ignore[return-value]
