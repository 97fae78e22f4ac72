"""EventBridge: custom buses, rules that feed functions, and the dev console's view of every event.

A function's `EventBridgeRule` event becomes a rule on its bus whose target is a local queue (the
full envelope through an InputTransformer, since moto's plain delivery lacks `account`); an
`AsyncQueuePoller` invokes the function from there. A catch-all rule on every bus feeds
`RecentEvents`, which the console and the trail read.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from localcloud.clients import Clients
from localcloud.context import Core, Fed, ProvisionContext, Provisioned, ServiceState, StackExtra
from localcloud.functions import LocalFunction
from localcloud.pollers import Activity
from localcloud.services.awslambda import async_delivery, local_name
from localcloud.services.properties import error_code, pick
from localcloud.services.sqs import QueuePeek, QueueReader, ensure_queue, queue_arn
from localcloud.shapes import eventbridge_envelope
from localcloud.template import ResourceSpec

CONSOLE_RULE = "localcloud-console"
CONSOLE_QUEUE = "localcloud-console"
# The full envelope, as AWS delivers it to a Lambda target.
_FULL_ENVELOPE = {"InputPathsMap": {}, "InputTemplate": "<aws.events.event.json>"}


class RecentEvents(ServiceState):
    """The buses of the stack, and the last events seen on any of them (newest last)."""

    def __init__(self, core: Core, keep: int = 200) -> None:
        super().__init__(core)
        self.buses: list[str] = ["default"]
        self._events: deque[dict[str, Any]] = deque(maxlen=keep)
        self._lock = threading.Lock()
        # Told about each event as it arrives, with when it was put on its bus (the cloud's trail
        # keeps them by correlation id, in time order).
        self.on_event: Callable[[dict[str, Any], float | None], None] | None = None

    def add(self, event: dict[str, Any], *, put_at: float | None = None) -> None:
        """An event seen on a bus (`put_at`: when it was put there, epoch seconds).

        The trail hears of it first: whoever reads this list and then the trail finds it in both,
        never in the list alone (where it would be placed by its whole-second `time`).
        """
        if self.on_event is not None:
            self.on_event(event, put_at)
        with self._lock:
            self._events.append(event)

    def recent(self) -> list[dict[str, Any]]:
        """The events, newest first."""
        with self._lock:
            return list(reversed(self._events))

    def dump(self) -> list[dict[str, Any]]:
        """Oldest first, for the snapshot."""
        with self._lock:
            return list(self._events)

    def load(self, events: Iterable[dict[str, Any]]) -> None:
        """Restore (oldest first) from a snapshot."""
        with self._lock:
            self._events.clear()
            self._events.extend(events)


def provision_event_bus(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A custom event bus (the console watches it too)."""
    del spec
    events = ctx.clients.events()
    name = str(props["Name"])
    try:
        bus = events.describe_event_bus(Name=name)
        status = "exists"
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        bus = events.create_event_bus(Name=name, **pick(props, "Description"))  # type: ignore[assignment]
        status = "created"
    ctx.states.of(RecentEvents).buses.append(name)
    arn = str(bus.get("Arn") or bus.get("EventBusArn") or ctx.arn("events", f"event-bus/{name}"))
    return Provisioned(ref=name, attributes={"Arn": arn, "Name": name}, status=status)


def eventbridge_event(message: Mapping[str, Any]) -> Any:
    """The EventBridge envelope carried by a rule's local queue."""
    return eventbridge_envelope(json.loads(message["Body"]))


def _plain_body(message: Mapping[str, Any]) -> Any:
    return json.loads(message["Body"])


def feed_from_rule(
    ctx: ProvisionContext, function: LocalFunction, event_name: str, props: Mapping[str, Any]
) -> Fed:
    """`Events: Type: EventBridgeRule`: a rule on the bus -> a local queue -> async invocations."""
    if str(props.get("State", "ENABLED")) != "ENABLED":
        return Fed("disabled")
    bus = str(props.get("EventBusName", "default"))
    dead_letter = function.async_on_failure or (props.get("DeadLetterConfig") or {}).get("Arn")
    plain = "Input" in props or "InputPath" in props
    arn, poller = async_delivery(
        ctx,
        function,
        event_name,
        unwrap=_plain_body if plain else eventbridge_event,
        fed_by="events",
        dead_letter=dead_letter,
    )
    rule = str(props.get("RuleName") or local_name(function, event_name, 64))
    events = ctx.clients.events()
    events.put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps(props["Pattern"]), State="ENABLED")
    target: dict[str, Any] = {"Id": "localcloud", "Arn": arn}
    if "Input" in props:
        target["Input"] = str(props["Input"])
    elif "InputPath" in props:
        target["InputPath"] = str(props["InputPath"])
    else:
        target["InputTransformer"] = _FULL_ENVELOPE
    events.put_targets(Rule=rule, EventBusName=bus, Targets=[target])  # type: ignore[list-item]
    how = f"rule {rule} on bus {bus} -> local queue -> async invoke ({poller.max_attempts} attempts)"
    return Fed(how + (f" -> on failure {dead_letter}" if dead_letter else ""), [poller])


class ConsolePoller(QueueReader):
    """Drains the catch-all rules' queue into `RecentEvents`."""

    def __init__(
        self, *, queue_url: str, clients: Clients, activity: Activity, peek: QueuePeek, recent: RecentEvents
    ) -> None:
        super().__init__(
            "console",
            queue_url=queue_url,
            clients=clients,
            activity=activity,
            peek=peek,
            fed_by=frozenset({"events"}),
        )
        self._recent = recent

    def poll(self) -> bool:
        """Move every waiting event into the list."""
        messages = self._receive(10)
        for message in messages:
            try:
                event = eventbridge_envelope(json.loads(message["Body"]))
            except ValueError:
                continue
            # The rule delivered it to this queue as it was put on the bus: the worker an event
            # feeds may log before this poller drains it, and the trail orders them by time.
            self._recent.add(event, put_at=_sent_at(message))
        self._delete(message["ReceiptHandle"] for message in messages)
        return bool(messages)


def _sent_at(message: Mapping[str, Any]) -> float | None:
    """When SQS took the message (its SentTimestamp, milliseconds), in epoch seconds."""
    sent = (message.get("Attributes") or {}).get("SentTimestamp")
    return int(sent) / 1000 if sent else None


def watch_every_bus(ctx: ProvisionContext) -> list[StackExtra]:
    """A catch-all rule on each bus of the stack into one local queue, drained into `RecentEvents`."""
    recent = ctx.states.of(RecentEvents)
    url, _status = ensure_queue(ctx.clients, CONSOLE_QUEUE, {})
    arn = queue_arn(ctx.clients, url)
    events = ctx.clients.events()
    for bus in recent.buses:
        events.put_rule(
            Name=CONSOLE_RULE,
            EventBusName=bus,
            EventPattern=json.dumps({"account": [ctx.account_id]}),
            State="ENABLED",
        )
        events.put_targets(
            Rule=CONSOLE_RULE,
            EventBusName=bus,
            Targets=[{"Id": CONSOLE_RULE, "Arn": arn, "InputTransformer": _FULL_ENVELOPE}],  # type: ignore[list-item,misc]
        )
    poller = ConsolePoller(
        queue_url=url,
        clients=ctx.clients,
        activity=ctx.core.activity,
        peek=QueuePeek.of(ctx.core, url),
        recent=recent,
    )
    return [
        StackExtra(
            name=CONSOLE_RULE,
            kind="EventBridge rules (dev console)",
            status="local",
            detail=f"every event on {', '.join(recent.buses)} -> /_local/events",
            pollers=[poller],
        )
    ]
