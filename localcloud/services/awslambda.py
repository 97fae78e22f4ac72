"""Lambda: local functions (handlers run in-process), their event sources, async delivery, Invoke.

`AWS::Serverless::Function` registers the handler and asks `localcloud.index.FEEDERS` what feeds
each of its `Events`. Asynchronous sources (EventBridge rules, S3 notifications) deliver to a
local queue that `AsyncQueuePoller` drains with Lambda's async rules (retries, then the
on-failure destination or the queue's DLQ). `LambdaApi` answers the Invoke API by running the
handler in-process (Step Functions tasks and boto3 `invoke` reach it).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs, unquote

from localcloud import index
from localcloud.clients import Clients, send_to_destination
from localcloud.context import Core, Fed, NotEmulated, ProvisionContext, Provisioned, ServiceState
from localcloud.dispatch import Exchange
from localcloud.functions import Invoker, LocalFunction, Outcome
from localcloud.pollers import Activity
from localcloud.server import WsgiResponse
from localcloud.services.properties import on_failure
from localcloud.services.sqs import QueuePeek, QueueReader, ensure_queue, queue_arn
from localcloud.shapes import LAMBDA_VERSION, async_failure_record, lambda_error
from localcloud.template import ResourceSpec

logger = logging.getLogger("localcloud")

LOCAL_PREFIX = "localcloud-"


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
    logging_config = props.get("LoggingConfig") or {}
    # SAM names the execution role it makes for a function without one `<stack>-<LogicalId>Role-…`.
    sam_role = ctx.arn("iam", f"role/{ctx.template.stack_name}-{spec.logical_id}Role", region=False)
    function = LocalFunction(
        logical_id=spec.logical_id,
        name=name,
        arn=ctx.arn("lambda", f"function:{name}"),
        handler=str(props["Handler"]),
        environment={str(key): str(value) for key, value in variables.items()},
        memory_mb=int(props.get("MemorySize", 128)),
        timeout_s=int(props.get("Timeout", 3)),
        async_max_retries=int(invoke_config.get("MaximumRetryAttempts", 2)),
        async_on_failure=on_failure(invoke_config.get("DestinationConfig")),
        runtime=runtime,
        architectures=tuple(str(a) for a in props.get("Architectures") or ["x86_64"]),
        description=str(props.get("Description") or ""),
        role=_text(props.get("Role")) or sam_role,
        tracing="Active" if props.get("Tracing") == "Active" else "PassThrough",
        ephemeral_storage_mb=int((props.get("EphemeralStorage") or {}).get("Size", 512)),
        log_format=str(logging_config.get("LogFormat") or "Text"),
        log_group=_log_group_name(ctx, _text(logging_config.get("LogGroup"))) or f"/aws/lambda/{name}",
        layers=tuple(layer for layer in map(_text, props.get("Layers") or []) if layer.startswith("arn:")),
    )
    ctx.core.functions.add(function)
    made = Provisioned(ref=name, attributes={"Arn": function.arn}, status="local function")
    notes = []
    for event_name, event in (props.get("Events") or {}).items():
        kind = str(event.get("Type"))
        feeder = index.feeder_for(kind)
        if feeder is None:
            notes.append(f"{event_name} ({kind}): not emulated locally (no feeder for this event type yet)")
            continue
        fed = feeder(ctx, function, event_name, event.get("Properties") or {})
        made.pollers.extend(fed.pollers)
        notes.append(f"{event_name} ({kind}): {fed.how}")
    made.detail = f"handler {function.handler}" + (f"; {'; '.join(notes)}" if notes else "")
    return made


def _text(value: Any) -> str:
    """A resolved string property ('' when absent, or an intrinsic the cloud could not resolve)."""
    return value if isinstance(value, str) else ""


def _log_group_name(ctx: ProvisionContext, ref: str) -> str:
    """The name a `LoggingConfig.LogGroup` refers to (log groups are not emulated: `Ref` is the id)."""
    spec = ctx.template.resources.get(ref)
    if spec is None or spec.type != "AWS::Logs::LogGroup":
        return ref
    return _text(ctx.template.resolve(spec.properties.get("LogGroupName"))) or ref


def served_by_uvicorn(
    ctx: ProvisionContext, function: LocalFunction, event_name: str, props: Mapping[str, Any]
) -> Fed:
    """`HttpApi` and `Api` events: uvicorn serves the same app, so nothing feeds the function."""
    del ctx, function, event_name
    return Fed(f"served by uvicorn ({props.get('Method', 'ANY')} {props.get('Path', '/')})")


def local_name(function: LocalFunction, event_name: str, max_length: int) -> str:
    """The name of a resource the cloud adds for one of a function's events."""
    return f"{LOCAL_PREFIX}{function.logical_id}-{event_name}"[:max_length]


Unwrap = Callable[[Mapping[str, Any]], Any]


def async_delivery(
    ctx: ProvisionContext,
    function: LocalFunction,
    event_name: str,
    *,
    unwrap: Unwrap,
    fed_by: str,
    dead_letter: str | None,
) -> tuple[str, AsyncQueuePoller]:
    """The local queue an async source delivers to (its ARN) and the poller that invokes from it.

    `dead_letter` is where the queue's RedrivePolicy parks what failed every attempt.
    """
    attempts = function.async_max_retries + 1
    attributes: dict[str, str] = {}
    if dead_letter:
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": dead_letter, "maxReceiveCount": attempts}
        )
    url, _status = ensure_queue(ctx.clients, local_name(function, event_name, 80), attributes)
    poller = AsyncQueuePoller(
        name=f"{function.logical_id}-{event_name}",
        function=function,
        invoker=ctx.core.invoker,
        clients=ctx.clients,
        queue_url=url,
        unwrap=unwrap,
        max_attempts=attempts,
        has_redrive=dead_letter is not None,
        activity=ctx.core.activity,
        peek=QueuePeek.of(ctx.core, url),
        fed_by=frozenset({fed_by}),
    )
    return queue_arn(ctx.clients, url), poller


class AsyncQueuePoller(QueueReader):
    """Lambda's asynchronous invocation, fed from a local queue: one event per call."""

    def __init__(
        self,
        *,
        name: str,
        function: LocalFunction,
        invoker: Invoker,
        clients: Clients,
        queue_url: str,
        unwrap: Unwrap,
        max_attempts: int,
        has_redrive: bool,
        activity: Activity,
        peek: QueuePeek,
        fed_by: frozenset[str] | None = None,
    ) -> None:
        super().__init__(
            name, queue_url=queue_url, clients=clients, activity=activity, peek=peek, fed_by=fed_by
        )
        self.function = function
        self._invoker = invoker
        self._unwrap = unwrap
        self.max_attempts = max_attempts
        self._has_redrive = has_redrive

    def poll(self) -> bool:
        """Invoke once per message; delete on success, leave for redelivery on failure."""
        messages = self._receive(10)
        for message in messages:
            if self.stopping:
                break
            self._deliver(message)
        return bool(messages)

    def _deliver(self, message: Mapping[str, Any]) -> None:
        receipt = message["ReceiptHandle"]
        try:
            event = self._unwrap(message)
        except ValueError:
            logger.warning("localcloud: %s: dropping unreadable message %s", self.name, message)
            self._delete([receipt])
            return
        if event is None:
            self._delete([receipt])
            return
        outcome = self._invoker.invoke(self.function, event)
        self.invocations += 1
        if outcome.ok:
            self._delete([receipt])
            return
        attempts = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        if attempts < self.max_attempts:
            self._retry_soon([receipt])
            return
        destination = self.function.async_on_failure
        if destination is not None:
            # Lambda's on-failure destination receives an invocation record, not the event.
            record = async_failure_record(
                function_arn=self.function.arn,
                payload=event,
                invoke_count=attempts,
                error=outcome.error or {},
            )
            send_to_destination(self._clients, destination, json.dumps(record))
            self._delete([receipt])
            logger.warning("localcloud: %s failed %d times; sent to %s", self.name, attempts, destination)
        elif self._has_redrive:
            self._retry_soon([receipt])  # the queue's RedrivePolicy moves it to the DLQ
        else:
            self._delete([receipt])
            logger.warning("localcloud: %s failed %d times; event dropped", self.name, attempts)


def function_configuration(function: LocalFunction) -> dict[str, Any]:
    """What Lambda's GetFunctionConfiguration answers for a function, from its template properties."""
    configuration: dict[str, Any] = {
        "FunctionName": function.name,
        "FunctionArn": function.arn,
        "Runtime": function.runtime,
        "Role": function.role,
        "Handler": function.handler,
        "Description": function.description,
        "Timeout": function.timeout_s,
        "MemorySize": function.memory_mb,
        "LastModified": function.last_modified,
        "Version": LAMBDA_VERSION,
        "TracingConfig": {"Mode": function.tracing},
        "Layers": [{"Arn": arn} for arn in function.layers],
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": list(function.architectures),
        "EphemeralStorage": {"Size": function.ephemeral_storage_mb},
        "LoggingConfig": {"LogFormat": function.log_format, "LogGroup": function.log_group},
    }
    if function.environment:  # Lambda leaves the key out for a function without variables
        configuration["Environment"] = {"Variables": dict(function.environment)}
    return configuration


class LambdaApi(ServiceState):
    """Answers Lambda's function API in-process: ListFunctions, GetFunction(Configuration), Invoke.

    The template's functions exist only here (moto never sees them); a name that is none of them
    is ResourceNotFound. Anything else about functions (aliases, policies, versions) goes on to moto.
    """

    PREFIX = "/2015-03-31/functions/"

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self._invoker = core.invoker

    def __call__(self, exchange: Exchange) -> WsgiResponse | None:
        """Answer the operations on local functions; everything else goes to moto."""
        path = exchange.path
        if not (path + "/").startswith(self.PREFIX):  # ListFunctions is `.../functions`, no slash
            return None
        name, _, tail = path[len(self.PREFIX) :].partition("/")
        tail = tail.rstrip("/")
        query = parse_qs(str(exchange.environ.get("QUERY_STRING", "")))
        if exchange.method == "GET" and not name:
            return self._list(query)
        if exchange.method == "GET" and tail in ("", "configuration"):
            return self._describe(name, query, whole=not tail)
        if exchange.method == "POST" and tail == "invocations":
            return self._invoke(exchange, name)
        return None

    def _list(self, query: Mapping[str, list[str]]) -> WsgiResponse:
        """ListFunctions, in provisioning order; `Marker` is the position to go on from."""
        functions = self._invoker.registry.all()
        try:
            start = int(query.get("Marker", ["0"])[0])
            size = int(query.get("MaxItems", ["50"])[0])
        except ValueError:
            return _user_error(400, "InvalidParameterValueException", "Marker and MaxItems are whole numbers")
        if not 1 <= size <= 10000:
            return _user_error(400, "InvalidParameterValueException", "MaxItems must be between 1 and 10000")
        page = functions[start : start + size]
        body: dict[str, Any] = {"Functions": [function_configuration(function) for function in page]}
        if start + size < len(functions):
            body["NextMarker"] = str(start + size)
        return WsgiResponse.json(200, body)

    def _describe(self, name: str, query: Mapping[str, list[str]], *, whole: bool) -> WsgiResponse:
        """GetFunction (`whole`) or GetFunctionConfiguration; only `$LATEST` exists locally."""
        function = self._invoker.registry.find(name)
        if function is None:
            # Answered here, not by moto: its Lambda backend, once touched, holds state that
            # cannot be pickled, and the cloud's snapshot would fail from then on.
            return _user_error(404, "ResourceNotFoundException", f"Function not found: {unquote(name)}")
        qualifier = query.get("Qualifier", [LAMBDA_VERSION])[0]
        if qualifier != LAMBDA_VERSION:
            return _user_error(
                404, "ResourceNotFoundException", f"Function not found: {function.arn}:{qualifier}"
            )
        configuration = function_configuration(function)
        return WsgiResponse.json(200, {"Configuration": configuration} if whole else configuration)

    def _invoke(self, exchange: Exchange, name: str) -> WsgiResponse:
        """Invoke: RequestResponse runs the handler now, Event queues it, DryRun only checks."""
        function = self._invoker.registry.find(name)
        if function is None:
            return _user_error(404, "ResourceNotFoundException", f"Function not found: {unquote(name)}")
        try:
            event = json.loads(exchange.body or b"{}")
        except ValueError:
            return _user_error(
                400, "InvalidRequestContentException", "Could not parse request body into json"
            )
        invocation_type = exchange.header("X-Amz-Invocation-Type") or "RequestResponse"
        if invocation_type == "DryRun":
            return WsgiResponse(204)
        if invocation_type == "Event":
            self._invoker.invoke_async(function, event)
            return WsgiResponse(202, [("X-Amz-Executed-Version", LAMBDA_VERSION)])
        return self._respond(self._invoker.invoke(function, event))

    @staticmethod
    def _respond(outcome: Outcome) -> WsgiResponse:
        headers = [("X-Amz-Executed-Version", LAMBDA_VERSION), ("x-amzn-RequestId", outcome.request_id)]
        if outcome.error is not None:
            return WsgiResponse.json(200, outcome.error, [*headers, ("X-Amz-Function-Error", "Unhandled")])
        try:
            return WsgiResponse.json(200, outcome.result, headers)
        except (TypeError, ValueError) as exc:
            error = lambda_error(exc, error_type="Runtime.MarshalError")
            error["errorMessage"] = f"Unable to marshal response: {exc}"
            return WsgiResponse.json(200, error, [*headers, ("X-Amz-Function-Error", "Unhandled")])


def _user_error(status: int, code: str, message: str) -> WsgiResponse:
    """An error of Lambda's REST-JSON API, as boto3 parses it."""
    return WsgiResponse.json(status, {"Type": "User", "Message": message}, [("x-amzn-ErrorType", code)])
