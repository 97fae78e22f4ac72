"""Domain exceptions: services raise these; the HTTP layer maps them once (app/api/errors.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class DomainError(Exception):
    """Base of every error a person or integrator should see explained.

    A subclass names its machine-readable code in its header (`class NotFound(DomainError,
    code="not_found")`); one that names none keeps its base's, or sets `code` in its body.
    """

    code = "error"

    def __init_subclass__(cls, code: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code

    def __init__(self, message: str, *, code: str | None = None, details: list[Any] | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details


class InvalidInput(DomainError, code="invalid_input"):
    """The request is well-formed but its content is not acceptable."""


class NotAuthenticated(DomainError, code="not_authenticated"):
    """No valid credentials were presented."""


class Forbidden(DomainError, code="forbidden"):
    """The caller is known but may not do this."""


class NotFound(DomainError, code="not_found"):
    """The thing does not exist (or belongs to someone else)."""


class Conflict(DomainError, code="conflict"):
    """The request conflicts with the current state."""


class TooManyRequests(DomainError, code="too_many_requests"):
    """The caller (or Herald, upstream) is being throttled; `retry_after` seconds tells when to try again."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: list[Any] | None = None,
        retry_after: int | None = None,
    ):
        super().__init__(message, code=code, details=details)
        self.retry_after = retry_after


class UpstreamUnavailable(DomainError, code="upstream_unavailable"):
    """A dependency failed in a way that retrying later may fix."""


def found(value: T | None, missing: Callable[[], DomainError]) -> T:
    """`value`, or the error `missing` makes raised when there is none."""
    if value is None:
        raise missing()
    return value


def no_such(thing: str, code: str | None = None) -> Callable[[], NotFound]:
    """What makes the error for a missing item of one kind: "No such <thing>.", coded
    `<thing>_not_found` unless `code` says otherwise."""
    return lambda: NotFound(f"No such {thing}.", code=code or f"{thing}_not_found")
