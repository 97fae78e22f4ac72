"""EventBridge Scheduler locally: moto stores schedules; this poller fires the due one-time ones.

A schedule `at(yyyy-mm-ddThh:mm:ss)` (in its ScheduleExpressionTimezone) whose time has come
performs its target's action with the target's `Input` (Step Functions StartExecution, SQS
SendMessage or an asynchronous Lambda invoke), then is deleted (`ActionAfterCompletion: DELETE`)
or remembered as fired. Recurring `rate(...)`/`cron(...)` schedules are not fired locally.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
from typing import Any
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError

from localcloud.clients import Clients, queue_url
from localcloud.context import Core, ProvisionContext, ServiceState, StackExtra
from localcloud.dispatch import Write
from localcloud.pollers import MAX_INTERVAL, QUIET_INTERVAL, Activity, Poller

logger = logging.getLogger("localcloud")

_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")


def due_time(expression: str, timezone: str | None) -> dt.datetime | None:
    """When a one-time `at(...)` expression fires (aware datetime), or None for other kinds."""
    match = _AT.match(expression.strip())
    if match is None:
        return None
    naive = dt.datetime.fromisoformat(match.group(1))
    return naive.replace(tzinfo=ZoneInfo(timezone or "UTC"))


class SchedulePoller(Poller):
    """Fires due one-time schedules of every group, at most once each."""

    def wakes_on(self, write: Write) -> bool:
        """A new or changed schedule; due ones are found on the backoff (at most MAX_INTERVAL late)."""
        return write.service in ("scheduler", "")

    def idle_cap(self) -> float:
        """While a schedule exists it may fall due at any moment; without one, only a request adds one."""
        return MAX_INTERVAL if self._stored else QUIET_INTERVAL

    def __init__(self, *, clients: Clients, activity: Activity, clock: Any = None) -> None:
        super().__init__("scheduler", activity)
        self._clients = clients
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._fired: set[tuple[str, str]] = set()
        self._stored = 0  # schedules seen by the last pass
        self.fired = 0

    def describe(self) -> dict[str, Any]:
        """A short status for the dev console."""
        return {**super().describe(), "fired": self.fired}

    def poll(self) -> bool:
        """One pass over the stored schedules; True when one fired."""
        scheduler = self._clients.get("scheduler")
        worked = False
        stored = 0
        for page in scheduler.get_paginator("list_schedules").paginate():
            for summary in page.get("Schedules", []):
                stored += 1
                worked |= self._consider(
                    scheduler, str(summary.get("GroupName") or "default"), summary["Name"]
                )
        self._stored = stored
        return worked

    def schedules(self) -> list[dict[str, Any]]:
        """Every stored schedule, for the dev console: when it fires, and what it starts."""
        scheduler = self._clients.get("scheduler")
        listed = []
        for page in scheduler.get_paginator("list_schedules").paginate():
            for summary in page.get("Schedules", []):
                group = str(summary.get("GroupName") or "default")
                try:
                    schedule = scheduler.get_schedule(GroupName=group, Name=summary["Name"])
                except ClientError:
                    continue  # deleted meanwhile
                when = due_time(
                    str(schedule.get("ScheduleExpression", "")), schedule.get("ScheduleExpressionTimezone")
                )
                target = schedule.get("Target") or {}
                listed.append(
                    {
                        "name": schedule["Name"],
                        "group": group,
                        "expression": schedule.get("ScheduleExpression"),
                        "timezone": schedule.get("ScheduleExpressionTimezone"),
                        "due_at": when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
                        if when
                        else None,
                        "state": schedule.get("State"),
                        "target_arn": target.get("Arn"),
                        "input": _parsed(target.get("Input")),
                    }
                )
        return sorted(listed, key=lambda entry: str(entry["due_at"] or ""))

    def fire_now(self, group: str, name: str) -> bool:
        """Fire a schedule as if it had fallen due now; False when there is no such schedule."""
        scheduler = self._clients.get("scheduler")
        fired = self._consider(scheduler, group, name, now=True)
        if fired:
            self._activity.touch()
        return fired

    def _consider(self, scheduler: Any, group: str, name: str, *, now: bool = False) -> bool:
        try:
            schedule = scheduler.get_schedule(GroupName=group, Name=name)
        except ClientError:
            return False  # deleted meanwhile
        when = due_time(
            str(schedule.get("ScheduleExpression", "")), schedule.get("ScheduleExpressionTimezone")
        )
        marker = (str(schedule.get("Arn")), str(schedule.get("LastModificationDate")))
        if schedule.get("State") == "DISABLED" and not now:
            return False
        due = now or (when is not None and when <= self._clock())
        if not due or marker in self._fired:
            return False
        self._fired.add(marker)
        try:
            self._fire(name, schedule.get("Target") or {})
        except Exception:
            logger.exception("localcloud: schedule %s/%s could not start its target", group, name)
        self.fired += 1
        self.invocations += 1
        if schedule.get("ActionAfterCompletion") == "DELETE":
            try:
                scheduler.delete_schedule(GroupName=group, Name=name)
            except ClientError:
                pass
        return True

    def _fire(self, name: str, target: dict[str, Any]) -> None:
        arn = str(target.get("Arn", ""))
        payload = str(target.get("Input") or "{}")
        service = arn.split(":")[2] if arn.count(":") >= 5 else ""
        if service == "states":
            # Always named (moto names every unnamed execution "None").
            self._clients.get("stepfunctions").start_execution(
                stateMachineArn=arn, name=f"{name}-{int(time.time() * 1000)}"[:80], input=payload
            )
        elif service == "sqs":
            self._clients.sqs().send_message(QueueUrl=queue_url(self._clients, arn), MessageBody=payload)
        elif service == "lambda":
            self._clients.get("lambda").invoke(FunctionName=arn, InvocationType="Event", Payload=payload)
        else:
            raise ValueError(f"schedule target {arn} is not emulated locally (states, sqs, lambda are)")
        logger.info("localcloud: schedule %s fired -> %s", name, arn)


def _parsed(document: Any) -> Any:
    try:
        return json.loads(document) if isinstance(document, str) else document
    except ValueError:
        return document


class Schedules(ServiceState):
    """The cloud's one schedule poller (the console fires schedules through it)."""

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self.poller = SchedulePoller(clients=core.clients, activity=core.activity)


def watch_schedules(ctx: ProvisionContext) -> list[StackExtra]:
    """The schedule poller: the app creates schedules at run time, whatever the template holds."""
    poller = ctx.states.of(Schedules).poller
    return [
        StackExtra(
            name="localcloud-scheduler",
            kind="EventBridge Scheduler (local)",
            status="local",
            detail="one-time at(...) schedules start their target when due (states, sqs, lambda)",
            pollers=[poller],
        )
    ]
