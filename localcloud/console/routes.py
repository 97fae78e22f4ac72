"""The dev console's JSON routes (`/_local/...`), served by the local runner beside Herald's API.

Plain `def` routes: each makes blocking calls to the emulator, so FastAPI runs them in its thread
pool, never on the event loop. Errors have the API's shape (`ConsoleError`, and FastAPI's
validation errors through the app's own handler). `localcloud/README.md` lists the shapes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from localcloud.console.errors import ConsoleError

if TYPE_CHECKING:
    from localcloud.cloud import EmbeddedCloud


class SesFault(BaseModel):
    """`PUT /_local/faults/ses`."""

    mode: Literal["off", "throttle", "reject"]
    rate: float = Field(1.0, gt=0, le=1, description="share of sends refused")
    count: int | None = Field(None, ge=1, description="refuse this many, then switch off")


class DynamoDBFault(BaseModel):
    """`PUT /_local/faults/dynamodb`."""

    mode: Literal["off", "throttle"]
    rate: float = Field(1.0, gt=0, le=1, description="share of item operations refused")
    count: int | None = Field(None, ge=1, description="refuse this many, then switch off")


class FunctionFault(BaseModel):
    """`PUT /_local/faults/functions/{logical_id}`."""

    fail_next: int = Field(ge=0, le=1000, description="fail this many invocations (0 clears)")


def console_router(cloud: EmbeddedCloud) -> APIRouter:
    """Every `/_local/...` JSON route of `cloud`."""
    router = APIRouter(prefix="/_local", include_in_schema=False)
    _views(router, cloud)
    _faults(router, cloud)
    return router


def _views(router: APIRouter, cloud: EmbeddedCloud) -> None:
    @router.get("/outbox")
    def outbox() -> list[dict[str, Any]]:
        """Mail SES accepted, newest first."""
        return cloud.console.outbox()

    @router.get("/resources")
    def resources() -> list[dict[str, Any]]:
        """Every resource of the template and what was done with it."""
        return cloud.console.resources()

    @router.get("/queues")
    def queues() -> list[dict[str, Any]]:
        """Queue and DLQ depths."""
        return cloud.console.queues()

    @router.get("/events")
    def events() -> list[dict[str, Any]]:
        """Recent EventBridge events, newest first."""
        return cloud.console.recent_events()

    @router.get("/pollers")
    def pollers() -> list[dict[str, Any]]:
        """What each poller has done."""
        return cloud.console.pollers()

    @router.get("/queues/{name}/messages")
    def queue_messages(name: str, limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
        """A queue's (or DLQ's) messages, read without receiving them."""
        return cloud.console.queue_messages(name, limit=limit)

    @router.post("/queues/{name}/redrive")
    def redrive(name: str) -> dict[str, Any]:
        """Every message of a DLQ back to its source queue, or to its function again."""
        return cloud.console.redrive(name)

    @router.get("/executions")
    def executions(limit: int = Query(50, ge=1, le=500)) -> list[dict[str, Any]]:
        """Step Functions executions, newest first."""
        return cloud.console.executions(limit=limit)

    @router.get("/executions/{arn}/history")
    def execution_history(arn: str) -> list[dict[str, Any]]:
        """An execution's events, oldest first."""
        return cloud.console.execution_history(arn)

    @router.get("/executions/{arn}")
    def execution(arn: str) -> dict[str, Any]:
        """One execution: status, input, output and history."""
        return cloud.console.execution(arn)

    @router.get("/trail/{correlation_id}")
    def trail(correlation_id: str) -> list[dict[str, Any]]:
        """What one correlation id touched: API, functions, events, pushes, mail, oldest first."""
        return cloud.console.trail(correlation_id)


def _faults(router: APIRouter, cloud: EmbeddedCloud) -> None:
    @router.get("/faults")
    def faults() -> dict[str, Any]:
        """The fault switches, and how many faults each injected."""
        return cloud.faults.describe()

    @router.put("/faults/ses")
    def ses_fault(fault: SesFault) -> dict[str, Any]:
        """SES sends throttled (429 TooManyRequestsException), rejected (MessageRejected) or not."""
        cloud.faults.set_ses(fault.mode, rate=fault.rate, count=fault.count)
        return cloud.faults.describe()

    @router.put("/faults/dynamodb")
    def dynamodb_fault(fault: DynamoDBFault) -> dict[str, Any]:
        """DynamoDB item operations throttled (ProvisionedThroughputExceededException) or not."""
        cloud.faults.set_dynamodb(fault.mode, rate=fault.rate, count=fault.count)
        return cloud.faults.describe()

    @router.put("/faults/functions/{logical_id}")
    def function_fault(logical_id: str, fault: FunctionFault) -> dict[str, Any]:
        """The function fails its next `fail_next` invocations."""
        if logical_id not in {row["logical_id"] for row in cloud.console.functions()}:
            raise ConsoleError(404, "function_not_found", f"There is no local function {logical_id}.")
        cloud.faults.fail_function(logical_id, fault.fail_next)
        return cloud.faults.describe()

    @router.delete("/faults")
    def clear_faults() -> dict[str, Any]:
        """Every switch off."""
        cloud.faults.clear()
        return cloud.faults.describe()
