"""The console's errors, in the API's shape."""

from __future__ import annotations

from typing import Any


class ConsoleError(Exception):
    """A console request that cannot be done: the HTTP status, and Herald's error shape."""

    def __init__(self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def as_json(self) -> dict[str, Any]:
        """`{"error": {"code", "message", "details"}}`, like the API's errors."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}
