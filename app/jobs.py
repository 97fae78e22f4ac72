"""What import and export job items share: their times and why one failed, as records carry them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypedDict, TypeVar

from pydantic import BaseModel

from app.db import moment, now_iso

F = TypeVar("F", bound=BaseModel)


class JobTimes(TypedDict):
    """When a job was created, started and completed (the last two once they happen)."""

    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None


def job_times(item: Mapping[str, Any]) -> JobTimes:
    """A job item's `created_at`, `started_at` and `completed_at`."""
    created_at = moment(item["created_at"])
    assert created_at is not None
    return JobTimes(
        created_at=created_at,
        started_at=moment(item.get("started_at")),
        completed_at=moment(item.get("completed_at")),
    )


def failure_of(item: Mapping[str, Any], model: type[F]) -> F | None:
    """A job item's failure (a stable code and a sentence) as `model`, if it failed."""
    if not item.get("failure_code"):
        return None
    return model.model_validate(
        {"code": str(item["failure_code"]), "message": str(item.get("failure_message", ""))}
    )


def failed(code: str, message: str) -> dict[str, str]:
    """The attributes that end a job as failed (`failure_of` reads them back)."""
    return {"status": "failed", "failure_code": code, "failure_message": message, "completed_at": now_iso()}
