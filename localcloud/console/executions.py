"""The console's Step Functions executions: newest first, one with its history."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from localcloud.clients import Clients
from localcloud.console.errors import ConsoleError


def _iso(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return None


def _correlation_id(document: Any) -> str | None:
    """The `correlation_id` of an execution's input (top level, or in an EventBridge `detail`)."""
    try:
        value = json.loads(document) if isinstance(document, str) else document
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    found = value.get("correlation_id") or (value.get("detail") or {}).get("correlation_id")
    return str(found) if found else None


def executions(*, clients: Clients, limit: int = 50) -> list[dict[str, Any]]:
    """Every state machine's executions, newest first (the newest `limit`)."""
    sfn = clients.get("stepfunctions")
    listed: list[dict[str, Any]] = []
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page.get("stateMachines", []):
            for executions_page in sfn.get_paginator("list_executions").paginate(
                stateMachineArn=machine["stateMachineArn"]
            ):
                for execution in executions_page.get("executions", []):
                    listed.append({**execution, "machine": machine["name"]})
    listed.sort(key=lambda execution: execution["startDate"], reverse=True)
    rows = []
    for execution in listed[:limit]:
        started, stopped = execution.get("startDate"), execution.get("stopDate")
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        rows.append(
            {
                "execution_arn": execution["executionArn"],
                "name": execution["name"],
                "state_machine": execution["machine"],
                "status": execution["status"],
                "started_at": _iso(started),
                "stopped_at": _iso(stopped),
                "duration_ms": int((stopped - started).total_seconds() * 1000)
                if stopped and started
                else None,
                "correlation_id": _correlation_id(described.get("input")),
            }
        )
    return rows


def _parsed(details: Mapping[str, Any]) -> dict[str, Any]:
    shaped = dict(details)
    for key in ("input", "output", "result", "parameters"):
        if isinstance(shaped.get(key), str):
            try:
                shaped[key] = json.loads(shaped[key])
            except ValueError:
                pass
    return shaped


def execution_history(*, clients: Clients, arn: str) -> list[dict[str, Any]]:
    """An execution's events, oldest first."""
    sfn = clients.get("stepfunctions")
    try:
        pages = list(sfn.get_paginator("get_execution_history").paginate(executionArn=arn))
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code in ("ExecutionDoesNotExist", "InvalidArn"):
            raise ConsoleError(404, "execution_not_found", f"There is no execution {arn}.") from exc
        raise
    history = []
    for page in pages:
        for event in page.get("events", []):
            details: Any = next((value for key, value in event.items() if key.endswith("EventDetails")), {})
            state = details.get("name") if isinstance(details, dict) else None
            history.append(
                {
                    "id": event["id"],
                    "time": _iso(event.get("timestamp")),
                    "type": event["type"],
                    "previous_event_id": event.get("previousEventId"),
                    "message": f"{event['type']} {state}" if state else event["type"],
                    "details": _parsed(details) if isinstance(details, dict) else {},
                }
            )
    return history


def execution(*, clients: Clients, arn: str) -> dict[str, Any]:
    """One execution: its status, input and output, and its history."""
    history = execution_history(clients=clients, arn=arn)
    described = clients.get("stepfunctions").describe_execution(executionArn=arn)
    return {
        "execution_arn": arn,
        "name": described.get("name"),
        "status": described.get("status"),
        "started_at": _iso(described.get("startDate")),
        "stopped_at": _iso(described.get("stopDate")),
        "input": _parsed({"input": described.get("input")})["input"],
        "output": _parsed({"output": described.get("output")})["output"],
        "error": described.get("error"),
        "cause": described.get("cause"),
        "correlation_id": _correlation_id(described.get("input")),
        "history": history,
    }
