"""The dev console's JSON routes (`/_local/...`), served by the local runner beside Herald's API.

Plain `def` routes: each makes blocking calls to the emulator, so FastAPI runs them in its thread
pool, never on the event loop. Every route answers only this machine's own requests
(`localcloud.console.guard`). Errors have the API's shape (`ConsoleError`, and FastAPI's
validation errors through the app's own handler). `localcloud/README.md` lists the shapes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from localcloud.cloud import CloudError, EmbeddedCloud
from localcloud.console import costs
from localcloud.console.browser import MAX_LIMIT
from localcloud.console.errors import ConsoleError
from localcloud.console.guard import require_local_request
from localcloud.snapshot import Library, SnapshotError

# A transparent 1x1 GIF: what a tracking pixel answers.
PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)


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


def console_router(cloud: EmbeddedCloud, *, after_restart: Callable[[], None] = lambda: None) -> APIRouter:
    """Every `/_local/...` JSON route of `cloud`; `after_restart` runs when a snapshot was loaded."""
    router = APIRouter(
        prefix="/_local", include_in_schema=False, dependencies=[Depends(require_local_request)]
    )
    _views(router, cloud)
    _tracking(router, cloud)
    _queues_and_executions(router, cloud)
    _schedules_and_trails(router, cloud)
    _browser(router, cloud)
    _faults(router, cloud)
    _permissions(router, cloud)
    _meter(router, cloud)
    _snapshots(router, cloud, after_restart)
    return router


def _permissions(router: APIRouter, cloud: EmbeddedCloud) -> None:
    @router.get("/iam")
    def permissions() -> dict[str, Any]:
        """Each function's permissions: granted (and how often used), used, denied, unmapped."""
        return cloud.iam.report()


def _meter(router: APIRouter, cloud: EmbeddedCloud) -> None:
    @router.get("/meter")
    def meter(limit: int = Query(50, ge=1, le=500)) -> dict[str, Any]:
        """What the work so far would cost in AWS: in all, and per correlation id, newest first."""
        return costs.overview(cloud.meter, limit=limit)

    @router.get("/meter/{correlation_id}")
    def meter_of(correlation_id: str) -> dict[str, Any]:
        """One correlation id's requests, billed units and cost by service."""
        return costs.for_correlation(cloud.meter, correlation_id)


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

    @router.get("/functions")
    def functions() -> list[dict[str, Any]]:
        """Every local function (what a fault switch can name)."""
        return cloud.console.functions()


def _tracking(router: APIRouter, cloud: EmbeddedCloud) -> None:
    """What SES's tracking domain answers: each request publishes an Open or Click event."""

    def reader(request: Request) -> dict[str, str]:
        return {
            "ip_address": request.client.host if request.client else "127.0.0.1",
            "user_agent": request.headers.get("user-agent", ""),
        }

    @router.get("/ses/t/open/{token}")
    def ses_open(token: str, request: Request) -> Response:
        """The open pixel of a tracked message."""
        cloud.console.track("open", token, **reader(request))
        return Response(PIXEL, media_type="image/gif", headers={"Cache-Control": "no-store"})

    @router.get("/ses/t/click/{token}")
    def ses_click(token: str, request: Request) -> RedirectResponse:
        """A tracked link: on to where it leads."""
        link = cloud.console.track("click", token, **reader(request))
        return RedirectResponse(link, status_code=302, headers={"Cache-Control": "no-store"})


def _queues_and_executions(router: APIRouter, cloud: EmbeddedCloud) -> None:
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


def _schedules_and_trails(router: APIRouter, cloud: EmbeddedCloud) -> None:
    @router.get("/schedules")
    def schedules() -> list[dict[str, Any]]:
        """EventBridge Scheduler schedules, soonest first."""
        return cloud.console.schedules()

    @router.post("/schedules/{group}/{name}/fire")
    def fire_schedule(group: str, name: str) -> dict[str, Any]:
        """Fire a schedule now (a scheduled campaign starts sending), as when it falls due."""
        return cloud.console.fire_schedule(group, name)

    @router.get("/trail/{correlation_id}")
    def trail(correlation_id: str) -> list[dict[str, Any]]:
        """What one correlation id touched: API, functions, events, deliveries, pushes, mail."""
        return cloud.console.trail(correlation_id)

    @router.post("/trail/{correlation_id}/entries/{entry_id}/replay")
    def replay(correlation_id: str, entry_id: str) -> dict[str, Any]:
        """Deliver the entry's event to its function again (a callback: make the call again)."""
        return cloud.console.replay(correlation_id, entry_id)

    @router.get("/trail/{correlation_id}/entries/{entry_id}/fixture")
    def fixture(correlation_id: str, entry_id: str) -> JSONResponse:
        """The entry's event as a JSON fixture file for a test."""
        document = cloud.console.fixture(correlation_id, entry_id)
        name = f"{document['function'] or 'callback'}-{document['kind']}-{entry_id}.json"
        return JSONResponse(document, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _browser(router: APIRouter, cloud: EmbeddedCloud) -> None:
    limit = Query(50, ge=1, le=MAX_LIMIT)

    @router.get("/browse/tables")
    def tables() -> list[dict[str, Any]]:
        """Every table with its item count."""
        return cloud.console.tables()

    @router.get("/browse/tables/{name}")
    def table_items(
        name: str, prefix: str = "", limit: int = limit, after: str | None = None
    ) -> dict[str, Any]:
        """A table's items whose hash key starts with `prefix`, in key order."""
        return cloud.console.table_items(name, prefix=prefix, limit=limit, after=after)

    @router.get("/browse/buckets")
    def buckets() -> list[dict[str, Any]]:
        """Every bucket."""
        return cloud.console.buckets()

    @router.get("/browse/buckets/{bucket}")
    def bucket_objects(
        bucket: str, prefix: str = "", limit: int = limit, after: str | None = None
    ) -> dict[str, Any]:
        """A bucket's objects under `prefix`, in key order."""
        return cloud.console.bucket_objects(bucket, prefix=prefix, limit=limit, after=after)

    @router.get("/browse/users")
    def users(limit: int = Query(200, ge=1, le=MAX_LIMIT)) -> list[dict[str, Any]]:
        """Cognito users of every pool."""
        return cloud.console.users(limit=limit)


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


def _library(cloud: EmbeddedCloud) -> Library:
    try:
        return cloud.snapshots
    except CloudError as exc:
        raise ConsoleError(409, "no_state_dir", str(exc)) from exc


def _snapshot_path(cloud: EmbeddedCloud, name: str) -> Path:
    try:
        return _library(cloud).path(name)
    except SnapshotError as exc:
        raise ConsoleError(400, "invalid_snapshot_name", str(exc)) from exc


def _snapshots(router: APIRouter, cloud: EmbeddedCloud, after_restart: Callable[[], None]) -> None:
    @router.get("/snapshots")
    def snapshots() -> list[dict[str, Any]]:
        """The named snapshots, newest first."""
        return _library(cloud).entries()

    @router.put("/snapshots/{name}", status_code=201)
    def save_snapshot(name: str) -> dict[str, Any]:
        """Save the whole local state under `name` (a snapshot of that name is replaced)."""
        _snapshot_path(cloud, name)
        return cloud.save_snapshot(name)

    @router.post("/snapshots/{name}/load")
    def load_snapshot(name: str) -> dict[str, Any]:
        """Replace the whole local state with the snapshot `name` (the cloud restarts)."""
        path = _snapshot_path(cloud, name)
        if not path.is_file():
            raise ConsoleError(404, "snapshot_not_found", f"There is no snapshot {name}.")
        started = time.monotonic()
        cloud.restart(state=path)
        after_restart()
        return {"loaded": name, "seconds": round(time.monotonic() - started, 2)}

    @router.delete("/snapshots/{name}", status_code=204)
    def delete_snapshot(name: str) -> None:
        """Forget the snapshot `name`."""
        _snapshot_path(cloud, name)
        if not _library(cloud).delete(name):
            raise ConsoleError(404, "snapshot_not_found", f"There is no snapshot {name}.")
