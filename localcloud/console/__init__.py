"""The dev console's view of a running cloud: resources, pollers, queues, mail, events, executions, trails.

`Console` answers what `/_local/...` routes ask (`localcloud.asgi`); it reads the cloud through the
same clients and states the cloud runs on and changes nothing but what a route says it changes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from botocore.exceptions import ClientError

from localcloud.console import browser, executions, queues
from localcloud.console.errors import ConsoleError
from localcloud.context import Core, States
from localcloud.provisioning import Stack
from localcloud.replay import Delivery
from localcloud.services.events import RecentEvents
from localcloud.services.scheduler import Schedules
from localcloud.services.ses.outbox import MailCapture, outbox
from localcloud.trail import Trail, trail_of

__all__ = ["Console", "ConsoleError"]


class Console:
    """What the dev console asks about one running cloud."""

    def __init__(self, *, core: Core, states: States, stack: Stack, trail: Trail) -> None:
        self._core = core
        self._states = states
        self._stack = stack
        self._trail = trail

    def resources(self) -> list[dict[str, Any]]:
        """Every resource of the template (and what the stack got besides): physical id, what was done."""
        return [dict(row) for row in self._stack.rows]

    def functions(self) -> list[dict[str, Any]]:
        """Every local function: logical id, name, handler, ARN."""
        return [
            {"logical_id": f.logical_id, "name": f.name, "handler": f.handler, "arn": f.arn}
            for f in self._core.functions.all()
        ]

    def pollers(self) -> list[dict[str, Any]]:
        """What each poller has done so far."""
        return [poller.describe() for poller in self._stack.pollers]

    def outbox(self) -> list[dict[str, Any]]:
        """Mail SES accepted, newest first."""
        core = self._core
        return outbox(
            account_id=core.account_id,
            region=core.region,
            capture=self._states.of(MailCapture),
            lock=core.state_lock,
        )

    def track(self, kind: str, token: str, *, ip_address: str, user_agent: str) -> str:
        """A reader's client requested a tracked pixel (`open`) or link (`click`): SES's event is
        published; where the link leads ('' for the pixel). ConsoleError 404 for an unknown token."""
        found = self._states.of(MailCapture).tracking.hit(
            kind, token, ip_address=ip_address, user_agent=user_agent
        )
        if found is None:
            raise ConsoleError(404, "unknown_tracking_token", f"No sent mail has the {kind} token {token}.")
        return found

    def recent_events(self) -> list[dict[str, Any]]:
        """EventBridge events seen on any bus, newest first (bounded)."""
        return self._states.of(RecentEvents).recent()

    def queues(self) -> list[dict[str, Any]]:
        """Every queue: depth, messages in flight, and its DLQ with the DLQ's depth."""
        return queues.list_queues(self._core.clients)

    def queue_messages(self, name: str, limit: int = 100) -> dict[str, Any]:
        """A queue's messages without receiving them (ConsoleError 404 for an unknown queue)."""
        core = self._core
        return queues.queue_messages(
            clients=core.clients, lock=core.state_lock, account_id=core.account_id, name=name, limit=limit
        )

    def redrive(self, name: str) -> dict[str, Any]:
        """Move a DLQ's messages back to their source, or re-invoke their function (ConsoleError 409)."""
        return queues.redrive(clients=self._core.clients, name=name)

    def executions(self, limit: int = 50) -> list[dict[str, Any]]:
        """Step Functions executions, newest first."""
        return executions.executions(clients=self._core.clients, limit=limit)

    def execution(self, arn: str) -> dict[str, Any]:
        """One execution with its history (ConsoleError 404 when unknown)."""
        return executions.execution(clients=self._core.clients, arn=arn)

    def execution_history(self, arn: str) -> list[dict[str, Any]]:
        """An execution's events, oldest first (ConsoleError 404 when unknown)."""
        return executions.execution_history(clients=self._core.clients, arn=arn)

    def schedules(self) -> list[dict[str, Any]]:
        """EventBridge Scheduler schedules: when each fires and what it starts, soonest first."""
        return self._states.of(Schedules).poller.schedules()

    def fire_schedule(self, group: str, name: str) -> dict[str, Any]:
        """Fire a schedule now, as if it had fallen due (ConsoleError 404 when there is none)."""
        if not self._states.of(Schedules).poller.fire_now(group, name):
            raise ConsoleError(404, "schedule_not_found", f"There is no schedule {group}/{name} to fire.")
        return {"fired": name, "group": group}

    def tables(self) -> list[dict[str, Any]]:
        """Every table: key attributes and item count."""
        return browser.tables(self._core)

    def table_items(
        self, name: str, *, prefix: str = "", limit: int = 50, after: str | None = None
    ) -> dict[str, Any]:
        """A table's items whose hash key starts with `prefix`, a page at a time (ConsoleError 404)."""
        return browser.table_items(self._core, name, prefix=prefix, limit=limit, after=after)

    def buckets(self) -> list[dict[str, Any]]:
        """Every S3 bucket."""
        return browser.buckets(self._core)

    def bucket_objects(
        self, bucket: str, *, prefix: str = "", limit: int = 100, after: str | None = None
    ) -> dict[str, Any]:
        """A bucket's objects under `prefix`, a page at a time (ConsoleError 404)."""
        return browser.bucket_objects(self._core, bucket, prefix=prefix, limit=limit, after=after)

    def users(self, limit: int = 200) -> list[dict[str, Any]]:
        """Cognito users of every pool."""
        return browser.users(self._core, limit=limit)

    def trail(self, correlation_id: str) -> list[dict[str, Any]]:
        """Log lines, events, deliveries, pushes and mail of one correlation id, oldest first."""
        events = self.recent_events()  # before the ring: an event listed here is already in the ring
        return trail_of(correlation_id, trail=self._trail, events=events, outbox=self.outbox())

    def replay(self, correlation_id: str, entry_id: str) -> dict[str, Any]:
        """Deliver a trail's event again to the function that got it (a callback: call it again)."""
        delivery = self._delivery(correlation_id, entry_id)
        if delivery.function is None:
            operation, params = delivery.event["operation"], delivery.event["params"]
            method = getattr(self._core.clients.get("stepfunctions"), _snake(operation))
            try:
                method(**params)
            except ClientError as exc:
                error = exc.response.get("Error", {})
                return {"replayed": entry_id, "kind": delivery.kind, "ok": False, "error": error}
            return {"replayed": entry_id, "kind": delivery.kind, "ok": True}
        outcome = self._core.invoker.invoke(delivery.function, delivery.event, replay_of=entry_id)
        answer: dict[str, Any] = {
            "replayed": entry_id,
            "kind": delivery.kind,
            "function": delivery.function.logical_id,
            "ok": outcome.ok,
        }
        answer["error" if outcome.error is not None else "result"] = outcome.error or _jsonable(
            outcome.result
        )
        return answer

    def fixture(self, correlation_id: str, entry_id: str) -> dict[str, Any]:
        """A trail's event as a JSON fixture for a test (the function and handler it went to)."""
        return self._delivery(correlation_id, entry_id).fixture()

    def _delivery(self, correlation_id: str, entry_id: str) -> Delivery:
        found = self._trail.deliveries.find(correlation_id, entry_id)
        if found is None:
            raise ConsoleError(
                404, "entry_not_found", f"The trail of {correlation_id} has no replayable entry {entry_id}."
            )
        return found


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value
