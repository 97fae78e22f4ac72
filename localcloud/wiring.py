"""AWS::Serverless::Function: register the handler, and feed it from its `Events` locally."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from localcloud.clients import Clients, queue_url
from localcloud.cognito import CognitoTriggers
from localcloud.functions import FunctionRegistry, Invoker, LocalFunction
from localcloud.mail import MailCapture
from localcloud.pollers import (
    Activity,
    AsyncQueuePoller,
    Checkpoints,
    ConsolePoller,
    Poller,
    QueueOptions,
    QueuePoller,
    StreamOptions,
    StreamPoller,
    eventbridge_event,
    s3_event,
    subscribed_to_sns,
)
from localcloud.provision import (
    NotEmulated,
    ProvisionContext,
    Provisioned,
    apply_bucket_notifications,
    ensure_queue,
    provisioner,
    queue_arn,
)
from localcloud.server import StateLock
from localcloud.template import ResourceSpec
from localcloud.websocket import WebSocketApis

LOCAL_PREFIX = "localcloud-"
CONSOLE_QUEUE = "localcloud-console"


@dataclass
class Runtime:
    """The embedded cloud's moving parts that provisioning wires functions into."""

    clients: Clients
    registry: FunctionRegistry
    invoker: Invoker
    triggers: CognitoTriggers
    activity: Activity
    checkpoints: Checkpoints
    state_lock: StateLock
    account_id: str
    pollers: list[Poller] = field(default_factory=list)
    console: ConsolePoller | None = None
    template_notifications: dict[str, dict[str, Any]] = field(default_factory=dict)
    local_notifications: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    # What SES sent (SES event destinations publish simulated feedback for it).
    mail: MailCapture | None = None
    # The template's WebSocket API (its provisioners live in localcloud.websocket).
    websocket_apis: WebSocketApis = field(default_factory=WebSocketApis)


Wire = Callable[[ProvisionContext, LocalFunction, str, Mapping[str, Any]], str]


def _local_name(function: LocalFunction, event_name: str, max_length: int) -> str:
    return f"{LOCAL_PREFIX}{function.logical_id}-{event_name}"[:max_length]


def _on_failure(config: Mapping[str, Any] | None) -> str | None:
    destination = ((config or {}).get("OnFailure") or {}).get("Destination")
    return None if destination is None else str(destination)


@provisioner("AWS::Serverless::Function")
def provision_function(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A local function: its handler runs in-process; each event source gets its feeder."""
    if props.get("PackageType") == "Image" or "InlineCode" in props:
        raise NotEmulated("only Python handlers from the repository run in-process")
    runtime = str(props.get("Runtime", "python3"))
    if not runtime.startswith("python"):
        raise NotEmulated(f"runtime {runtime} cannot run in this Python process")
    name = str(props.get("FunctionName") or spec.logical_id)
    invoke_config = props.get("EventInvokeConfig") or {}
    variables = (props.get("Environment") or {}).get("Variables") or {}
    function = LocalFunction(
        logical_id=spec.logical_id,
        name=name,
        arn=ctx.arn("lambda", f"function:{name}"),
        handler=str(props["Handler"]),
        environment={str(key): str(value) for key, value in variables.items()},
        memory_mb=int(props.get("MemorySize", 128)),
        timeout_s=int(props.get("Timeout", 3)),
        async_max_retries=int(invoke_config.get("MaximumRetryAttempts", 2)),
        async_on_failure=_on_failure(invoke_config.get("DestinationConfig")),
    )
    ctx.runtime.registry.add(function)
    notes = []
    for event_name, event in (props.get("Events") or {}).items():
        kind = str(event.get("Type"))
        wire = WIRES.get(kind)
        how = (
            wire(ctx, function, event_name, event.get("Properties") or {})
            if wire is not None
            else "not emulated locally (no feeder for this event type yet)"
        )
        notes.append(f"{event_name} ({kind}): {how}")
    return Provisioned(
        ref=name,
        attributes={"Arn": function.arn},
        status="local function",
        detail=f"handler {function.handler}" + (f"; {'; '.join(notes)}" if notes else ""),
    )


def _stream(ctx: ProvisionContext, function: LocalFunction, event_name: str, props: Mapping[str, Any]) -> str:
    del event_name
    if props.get("Enabled") is False:
        return "disabled"
    options = StreamOptions(
        stream_arn=str(props["Stream"]),
        starting_position=str(props.get("StartingPosition", "LATEST")),
        batch_size=int(props.get("BatchSize", 100)),
        batching_window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
        max_retries=int(props.get("MaximumRetryAttempts", -1)),
        bisect=bool(props.get("BisectBatchOnFunctionError", False)),
        report_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
        on_failure=_on_failure(props.get("DestinationConfig")),
        filters=tuple((props.get("FilterCriteria") or {}).get("Filters") or ()),
    )
    runtime = ctx.runtime
    runtime.pollers.append(
        StreamPoller(
            function=function,
            invoker=runtime.invoker,
            clients=runtime.clients,
            options=options,
            checkpoints=runtime.checkpoints,
            activity=runtime.activity,
            state_lock=runtime.state_lock,
            account_id=runtime.account_id,
        )
    )
    retries = "forever" if options.max_retries < 0 else str(options.max_retries)
    return (
        f"stream poller ({options.starting_position}, batch {options.batch_size}, "
        f"window {options.batching_window:g}s, retries {retries}"
        f"{', bisect' if options.bisect else ''}"
        f"{', partial batch failures' if options.report_item_failures else ''})"
        + (f" -> on failure {options.on_failure}" if options.on_failure else "")
    )


def _sqs(ctx: ProvisionContext, function: LocalFunction, event_name: str, props: Mapping[str, Any]) -> str:
    del event_name
    if props.get("Enabled") is False:
        return "disabled"
    arn = str(props["Queue"])
    options = QueueOptions(
        queue_arn=arn,
        batch_size=int(props.get("BatchSize", 10)),
        batching_window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
        report_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
        filters=tuple((props.get("FilterCriteria") or {}).get("Filters") or ()),
    )
    runtime = ctx.runtime
    poller = QueuePoller(
        function=function,
        invoker=runtime.invoker,
        clients=runtime.clients,
        queue_url=queue_url(runtime.clients, arn),
        options=options,
        activity=runtime.activity,
    )
    poller.sns_fed = subscribed_to_sns(runtime.account_id, runtime.clients.region, arn)
    runtime.pollers.append(poller)
    return (
        f"SQS poller (batch {options.batch_size}"
        f"{', partial batch failures' if options.report_item_failures else ''}); failures are "
        "visible again after 1 s and reach the queue's DLQ through its RedrivePolicy"
    )


def _async_queue(
    ctx: ProvisionContext,
    function: LocalFunction,
    event_name: str,
    dead_letter: str | None,
) -> tuple[str, str, int]:
    """The local queue an async source delivers to: (url, arn, attempts before giving up)."""
    attempts = function.async_max_retries + 1
    attributes: dict[str, str] = {}
    if dead_letter:
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": dead_letter, "maxReceiveCount": attempts}
        )
    url, _status = ensure_queue(ctx.clients, _local_name(function, event_name, 80), attributes)
    return url, queue_arn(ctx.clients, url), attempts


def _eventbridge_rule(
    ctx: ProvisionContext, function: LocalFunction, event_name: str, props: Mapping[str, Any]
) -> str:
    if str(props.get("State", "ENABLED")) != "ENABLED":
        return "disabled"
    bus = str(props.get("EventBusName", "default"))
    dead_letter = function.async_on_failure or (props.get("DeadLetterConfig") or {}).get("Arn")
    url, arn, attempts = _async_queue(ctx, function, event_name, dead_letter)
    rule = str(props.get("RuleName") or _local_name(function, event_name, 64))
    events = ctx.clients.events()
    events.put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps(props["Pattern"]), State="ENABLED")
    target: dict[str, Any] = {"Id": "localcloud", "Arn": arn}
    if "Input" in props:
        target["Input"] = str(props["Input"])
    elif "InputPath" in props:
        target["InputPath"] = str(props["InputPath"])
    else:
        # moto's plain delivery lacks `account`; this template gives the full envelope.
        target["InputTransformer"] = {"InputPathsMap": {}, "InputTemplate": "<aws.events.event.json>"}
    events.put_targets(Rule=rule, EventBusName=bus, Targets=[target])  # type: ignore[list-item]
    plain = "Input" in props or "InputPath" in props
    ctx.runtime.pollers.append(
        AsyncQueuePoller(
            name=f"{function.logical_id}-{event_name}",
            function=function,
            invoker=ctx.runtime.invoker,
            clients=ctx.runtime.clients,
            queue_url=url,
            unwrap=(lambda message: json.loads(message["Body"])) if plain else eventbridge_event,
            max_attempts=attempts,
            has_redrive=dead_letter is not None,
            activity=ctx.runtime.activity,
            fed_by=frozenset({"events"}),
        )
    )
    return f"rule {rule} on bus {bus} -> local queue -> async invoke ({attempts} attempts)" + (
        f" -> on failure {dead_letter}" if dead_letter else ""
    )


def _s3(ctx: ProvisionContext, function: LocalFunction, event_name: str, props: Mapping[str, Any]) -> str:
    bucket = str(props["Bucket"])
    url, arn, attempts = _async_queue(ctx, function, event_name, function.async_on_failure)
    kinds = props.get("Events") or ["s3:ObjectCreated:*"]
    entry: dict[str, Any] = {
        "Id": _local_name(function, event_name, 255),
        "QueueArn": arn,
        "Events": [kinds] if isinstance(kinds, str) else list(kinds),
    }
    rules = ((props.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
    if rules:
        entry["Filter"] = {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}}
    local = ctx.runtime.local_notifications.setdefault(bucket, {})
    queues = [q for q in local.get("QueueConfigurations", []) if q["Id"] != entry["Id"]]
    local["QueueConfigurations"] = [*queues, entry]
    apply_bucket_notifications(ctx, bucket)
    ctx.runtime.pollers.append(
        AsyncQueuePoller(
            name=f"{function.logical_id}-{event_name}",
            function=function,
            invoker=ctx.runtime.invoker,
            clients=ctx.runtime.clients,
            queue_url=url,
            unwrap=s3_event,
            max_attempts=attempts,
            has_redrive=function.async_on_failure is not None,
            activity=ctx.runtime.activity,
            fed_by=frozenset({"s3"}),
        )
    )
    return f"bucket {bucket} notification -> local queue -> async invoke ({attempts} attempts)"


def _cognito(
    ctx: ProvisionContext, function: LocalFunction, event_name: str, props: Mapping[str, Any]
) -> str:
    del event_name
    pool_id = str(props["UserPool"])
    triggers = props.get("Trigger")
    names = [triggers] if isinstance(triggers, str) else list(triggers or [])
    fired = [name for name in names if ctx.runtime.triggers.register(pool_id, name, function)]
    skipped = [name for name in names if name not in fired]
    how = f"fired by the dispatcher as {', '.join(fired)}" if fired else ""
    if skipped:
        how += ("; " if how else "") + f"not emulated locally: {', '.join(skipped)}"
    return how


def _http_api(
    ctx: ProvisionContext, function: LocalFunction, event_name: str, props: Mapping[str, Any]
) -> str:
    del ctx, function, event_name
    return f"served by uvicorn ({props.get('Method', 'ANY')} {props.get('Path', '/')})"


WIRES: dict[str, Wire] = {
    "DynamoDB": _stream,
    "SQS": _sqs,
    "EventBridgeRule": _eventbridge_rule,
    "S3": _s3,
    "Cognito": _cognito,
    "HttpApi": _http_api,
    "Api": _http_api,
}


def wire_console(ctx: ProvisionContext, buses: list[str]) -> None:
    """A catch-all rule on each bus into one local queue, drained into `recent_events()`."""
    url, _status = ensure_queue(ctx.clients, CONSOLE_QUEUE, {})
    arn = queue_arn(ctx.clients, url)
    events = ctx.clients.events()
    for bus in buses:
        events.put_rule(
            Name="localcloud-console",
            EventBusName=bus,
            EventPattern=json.dumps({"account": [ctx.account_id]}),
            State="ENABLED",
        )
        events.put_targets(
            Rule="localcloud-console",
            EventBusName=bus,
            Targets=[
                {
                    "Id": "localcloud-console",
                    "Arn": arn,
                    "InputTransformer": {
                        "InputPathsMap": {},
                        "InputTemplate": "<aws.events.event.json>",
                    },
                }
            ],
        )
    runtime = ctx.runtime
    runtime.console = ConsolePoller(queue_url=url, clients=runtime.clients, activity=runtime.activity)
    runtime.pollers.append(runtime.console)
