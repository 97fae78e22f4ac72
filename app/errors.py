"""Domain exceptions: services raise these; the HTTP layer maps them once (app/api/errors.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class DomainError(Exception):
    """Base of every error a person or integrator should see explained."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, details: list[Any] | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details


class InvalidInput(DomainError):
    """The request is well-formed but its content is not acceptable."""

    code = "invalid_input"


class NotAuthenticated(DomainError):
    """No valid credentials were presented."""

    code = "not_authenticated"


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    code = "forbidden"


class NotFound(DomainError):
    """The thing does not exist (or belongs to someone else)."""

    code = "not_found"


class Conflict(DomainError):
    """The request conflicts with the current state."""

    code = "conflict"


class TooManyRequests(DomainError):
    """The caller (or Herald, upstream) is being throttled; `retry_after` seconds until it may try again."""

    code = "too_many_requests"

    def __init__(
        self,
        message: str,
        *,
        retry_after: int = 1,
        code: str | None = None,
        details: list[Any] | None = None,
    ):
        super().__init__(message, code=code, details=details)
        self.retry_after = max(int(retry_after), 1)


class UpstreamUnavailable(DomainError):
    """A dependency failed in a way that retrying later may fix."""

    code = "upstream_unavailable"


def found(value: T | None, missing: Callable[[], DomainError]) -> T:
    """`value`, or the error `missing` makes raised when there is none."""
    if value is None:
        raise missing()
    return value
