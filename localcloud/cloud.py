"""EmbeddedCloud: the whole architecture of template.yaml, offline, inside one Python process."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from localcloud import console as dev_console

# feedback and stepfunctions register their provisioners on import (SES events, state machines).
from localcloud import feedback, patches, snapshot, stepfunctions  # noqa: F401
from localcloud.clients import Clients
from localcloud.cognito import CognitoTriggers
from localcloud.cors import BucketCors
from localcloud.functions import FunctionRegistry, Invoker, LambdaApi
from localcloud.mail import MailCapture, outbox
from localcloud.pollers import Activity, Checkpoints
from localcloud.provision import (
    NOT_EMULATED,
    PROVISIONERS,
    NotEmulated,
    ProvisionContext,
    ensure_declared_secrets,
    queue_attributes,
)
from localcloud.server import (
    Dispatcher,
    EmbeddedServer,
    StateLock,
    Write,
    WsgiApp,
    quiet_werkzeug,
)
from localcloud.template import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_REGION,
    DEFAULT_STACK_NAME,
    ResourceSpec,
    ResourceState,
    Template,
)
from localcloud.trail import Trail, trail_of
from localcloud.websocket import MANAGEMENT_PREFIX, WebSocketBridge
from localcloud.wiring import Runtime, wire_console

logger = logging.getLogger("localcloud")

# One cloud per moto account at a time: moto's state is global to the process.
_RUNNING: dict[str, EmbeddedCloud] = {}
_RUNNING_LOCK = threading.Lock()


class CloudError(Exception):
    """The embedded cloud cannot start (or was used before it started)."""


class EmbeddedCloud:
    """moto on a loopback port, provisioned from the template, with every trigger wired."""

    def __init__(
        self,
        *,
        template_path: Path,
        state_dir: Path | None,
        port: int = 0,
        parameters: Mapping[str, str] | None = None,
        run_pollers: bool = True,
        account_id: str = DEFAULT_ACCOUNT_ID,
        stack_name: str = DEFAULT_STACK_NAME,
    ) -> None:
        self.template_path = template_path
        self.state_dir = state_dir
        self.account_id = account_id
        self.region = DEFAULT_REGION
        self._port = port
        self._parameters = dict(parameters or {})
        self._run_pollers = run_pollers
        self._stack_name = stack_name
        self._routes: list[tuple[str, WsgiApp]] = []
        self._resources: list[dict[str, Any]] = []
        self._server: EmbeddedServer | None = None
        self._dispatcher: Dispatcher | None = None
        self._runtime: Runtime | None = None
        self._template: Template | None = None
        self._snapshotter: snapshot.Snapshotter | None = None
        self._mail = MailCapture()
        self._trail = Trail()
        self._websocket: WebSocketBridge | None = None
        self._lock = StateLock()
        self._previous_moto_port: str | None = None
        self._moto_port: str | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Restore the snapshot, serve, provision the template and start the pollers."""
        with _RUNNING_LOCK:
            if self.account_id in _RUNNING:
                raise CloudError(f"an embedded cloud already runs for account {self.account_id}")
            _RUNNING[self.account_id] = self
        started = time.monotonic()
        try:
            self._start()
        except BaseException:
            self._teardown()
            raise
        logger.info(
            "localcloud: %s ready in %.2fs (%d resources)",
            self.endpoint_url,
            time.monotonic() - started,
            len(self._resources),
        )

    def _start(self) -> None:
        quiet_werkzeug()
        patches.apply()
        template = Template.from_file(
            self.template_path,
            parameters=self._parameters,
            account_id=self.account_id,
            region=self.region,
            stack_name=self._stack_name,
        )
        self._template = template
        self._resources = []
        snapshot.forget_account(self.account_id)
        extras = self._load_snapshot()
        dispatcher = self._serve()
        runtime = self._runtime_for(Clients(self.endpoint_url, self.region))
        self._runtime = runtime
        dispatcher.add_interceptor(LambdaApi(runtime.invoker))
        dispatcher.add_interceptor(runtime.triggers)
        dispatcher.add_interceptor(self._mail)
        dispatcher.add_interceptor(BucketCors(account_id=self.account_id, lock=self._lock))
        self._provision(ProvisionContext(clients=runtime.clients, template=template, runtime=runtime))
        self._restore_extras(extras)
        self._serve_extras(runtime, dispatcher)
        if self._run_pollers:
            for poller in runtime.pollers:
                poller.start()
        if self._snapshotter is not None:
            self._snapshotter.start()

    def _load_snapshot(self) -> dict[str, Any]:
        if self.state_dir is None:
            return {}
        path = self.state_dir / snapshot.FILE_NAME
        self._snapshotter = snapshot.Snapshotter(
            path=path,
            account_id=self.account_id,
            extras=self._extras,
            exclusive=self._lock.exclusive,
        )
        return snapshot.load_file(path, self.account_id) or {}

    def _serve(self) -> Dispatcher:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            create_backend_app,
        )

        moto_app = DomainDispatcherApplication(create_backend_app)
        dispatcher = Dispatcher(
            moto_app, account_id=self.account_id, lock=self._lock, on_mutation=self._changed
        )
        for prefix, app in self._routes:
            dispatcher.register_route(prefix, app)
        self._dispatcher = dispatcher
        self._server = EmbeddedServer(dispatcher, port=self._port)
        self._server.start()
        # moto's Step Functions interpreter invokes Lambda at localhost:$MOTO_PORT.
        self._previous_moto_port = os.environ.get("MOTO_PORT")
        self._moto_port = str(self._server.port)
        os.environ["MOTO_PORT"] = self._moto_port
        return dispatcher

    def _runtime_for(self, clients: Clients) -> Runtime:
        registry = FunctionRegistry()
        invoker = Invoker(registry, clients)
        activity = Activity()
        return Runtime(
            clients=clients,
            registry=registry,
            invoker=invoker,
            triggers=CognitoTriggers(
                invoker=invoker, clients=clients, account_id=self.account_id, state_lock=self._lock
            ),
            activity=activity,
            checkpoints=Checkpoints(on_change=self._changed_quietly),
            state_lock=self._lock,
            account_id=self.account_id,
            mail=self._mail,
        )

    def stop(self) -> None:
        """Stop the pollers, save the snapshot and release the port."""
        if self._server is None:
            return
        try:
            self._stop_workers()
            if self._snapshotter is not None:
                self._snapshotter.stop()
        finally:
            self._teardown()
        logger.info("localcloud: stopped")

    def _stop_workers(self) -> None:
        runtime = self._runtime
        if runtime is None:
            return
        for poller in runtime.pollers:
            poller.stop()
        for poller in runtime.pollers:
            poller.join(timeout=5)
        runtime.invoker.stop()

    def _serve_extras(self, runtime: Runtime, dispatcher: Dispatcher) -> None:
        """The WebSocket management API and the trail's feeds (both need the provisioned template)."""
        api = runtime.websocket_apis.first()
        if api is not None:
            self._websocket = WebSocketBridge(api, invoker=runtime.invoker, on_push=self._trail.record_push)
            dispatcher.register_route(MANAGEMENT_PREFIX, self._websocket.management)
        if runtime.console is not None:
            runtime.console.on_event = self._trail.record_event
        services = (f.environment.get("POWERTOOLS_SERVICE_NAME") for f in runtime.registry.all())
        self._trail.capture(name for name in services if name)

    def _teardown(self) -> None:
        self._stop_workers()
        self._trail.release()
        if self._websocket is not None:
            self._websocket.close_all()
            self._websocket = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._runtime is not None:
            self._runtime.clients.close()
        if self._moto_port is not None and os.environ.get("MOTO_PORT") == self._moto_port:
            self._moto_port = None
            if self._previous_moto_port is None:
                os.environ.pop("MOTO_PORT", None)
            else:
                os.environ["MOTO_PORT"] = self._previous_moto_port
        with _RUNNING_LOCK:
            if _RUNNING.get(self.account_id) is self:
                del _RUNNING[self.account_id]

    # ------------------------------------------------------------------ provisioning

    def _provision(self, ctx: ProvisionContext) -> None:
        template = ctx.template
        for spec in template.resources.values():
            if not template.is_enabled(spec):
                self._resources.append(_entry(spec, None, "skipped", f"condition {spec.condition} is false"))
        buses = ["default"]
        for spec in template.provisioning_order():
            state = self._provision_one(ctx, spec)
            template.record(state)
            if spec.type == "AWS::Events::EventBus" and state.emulated:
                buses.append(str(state.ref))
        wire_console(ctx, buses)
        for name, status in ensure_declared_secrets(ctx):
            self._resources.append(
                {
                    "logical_id": name,
                    "type": "Metadata Herald::Secrets (SSM SecureString)",
                    "physical_id": name,
                    "status": status,
                    "detail": "random value, kept once created",
                }
            )

    def _provision_one(self, ctx: ProvisionContext, spec: ResourceSpec) -> ResourceState:
        provision = PROVISIONERS.get(spec.type)
        if provision is None:
            reason = NOT_EMULATED.get(spec.type, "no local provisioner for this type yet")
            self._resources.append(_entry(spec, None, "not emulated", reason))
            return ResourceState(spec.logical_id, spec.type, spec.logical_id, emulated=False)
        try:
            result = provision(ctx, spec, ctx.template.resolve(spec.properties))
        except NotEmulated as exc:
            self._resources.append(_entry(spec, None, "not emulated", str(exc)))
            return ResourceState(spec.logical_id, spec.type, spec.logical_id, emulated=False)
        except Exception as exc:
            raise CloudError(f"cannot provision {spec.logical_id} ({spec.type}): {exc}") from exc
        self._resources.append(_entry(spec, result.ref, result.status, result.detail))
        return ResourceState(spec.logical_id, spec.type, result.ref, dict(result.attributes))

    # ------------------------------------------------------------------ snapshot

    def _extras(self) -> dict[str, Any]:
        runtime = self._runtime
        return {
            "checkpoints": runtime.checkpoints.dump() if runtime else {},
            "events": list(reversed(runtime.console.recent())) if runtime and runtime.console else [],
            "mail": self._mail.dump(),
        }

    def _restore_extras(self, extras: Mapping[str, Any]) -> None:
        runtime = self._runtime
        if runtime is None:
            return
        runtime.checkpoints.load(extras.get("checkpoints") or {})
        if runtime.console is not None:
            runtime.console.load(extras.get("events") or [])
        self._mail.load(extras.get("mail") or {})

    def _changed(self, write: Write) -> None:
        """A write went through the dispatcher: wake the pollers it may give work, save soon."""
        if self._runtime is not None:
            for poller in self._runtime.pollers:
                if poller.wakes_on(write):
                    poller.kick()
        self._changed_quietly()

    def _changed_quietly(self) -> None:
        if self._snapshotter is not None:
            self._snapshotter.mark_dirty()

    def save(self) -> None:
        """Write the snapshot now (it is also written every few seconds and on stop)."""
        if self._snapshotter is None:
            raise CloudError("this cloud has no state_dir")
        if not self._snapshotter.save(timeout=10.0):
            raise CloudError("the state stayed busy for 10 s; snapshot not written")

    # ------------------------------------------------------------------ public API

    @property
    def endpoint_url(self) -> str:
        """Where boto3 reaches the emulated AWS."""
        if self._server is None:
            raise CloudError("the embedded cloud is not started")
        return f"http://127.0.0.1:{self._server.port}"

    @property
    def parameters(self) -> dict[str, Any]:
        """The template's parameter values (defaults, Stage=local, then the caller's)."""
        if self._template is None:
            raise CloudError("the embedded cloud is not started")
        return dict(self._template.parameters)

    @property
    def environment(self) -> dict[str, str]:
        """What the app and the workers need: endpoint, fake credentials, function variables."""
        endpoint = self.endpoint_url
        environment = {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "MOTO_PORT": endpoint.rsplit(":", 1)[1],
        }
        origins: dict[str, str] = {}
        for function in self._require_runtime().registry.all():
            for name, declared in function.environment.items():
                value = self._local_value(declared)
                if name in environment and environment[name] != value:
                    raise CloudError(
                        f"{function.logical_id} sets {name}={value!r} but "
                        f"{origins.get(name, 'the local runner')} sets {environment[name]!r}: "
                        "one process cannot give them different values"
                    )
                environment[name] = value
                origins.setdefault(name, function.logical_id)
        pool_id = self._user_pool_id(environment)
        if pool_id:
            environment["COGNITO_JWKS_URL"] = f"{endpoint}/{pool_id}/.well-known/jwks.json"
        return environment

    def _local_value(self, value: str) -> str:
        """A function variable as this process needs it: the WebSocket management URL points here."""
        runtime = self._require_runtime()
        # boto3 posts to {endpoint}/@connections/{id}; the cloud's own server answers that path.
        return self.endpoint_url if runtime.websocket_apis.is_management_url(value) else value

    def _user_pool_id(self, environment: Mapping[str, str]) -> str | None:
        if environment.get("USER_POOL_ID"):
            return environment["USER_POOL_ID"]
        pools = [r for r in self._resources if r["type"] == "AWS::Cognito::UserPool"]
        return str(pools[0]["physical_id"]) if pools else None

    def apply_environment(self) -> None:
        """Export `environment` into os.environ (the local runner and tests do this once)."""
        os.environ.update(self.environment)

    @property
    def websocket(self) -> WebSocketBridge | None:
        """The template's WebSocket API as uvicorn serves it (None when the template has none)."""
        return self._websocket

    def register_route(self, prefix: str, app: WsgiApp) -> None:
        """Serve `prefix` from this cloud's server thread (e.g. the WebSocket management API)."""
        self._routes.append((prefix, app))
        if self._dispatcher is not None:
            self._dispatcher.register_route(prefix, app)

    def resources(self) -> list[dict[str, Any]]:
        """Every resource of the template: physical id, and what was done or why not."""
        return [dict(entry) for entry in self._resources]

    def pollers(self) -> list[dict[str, Any]]:
        """What each poller has done so far."""
        return [poller.describe() for poller in self._require_runtime().pollers]

    def outbox(self) -> list[dict[str, Any]]:
        """Mail SES accepted, newest first."""
        return outbox(account_id=self.account_id, region=self.region, capture=self._mail, lock=self._lock)

    def recent_events(self) -> list[dict[str, Any]]:
        """EventBridge events seen on any bus, newest first (bounded)."""
        console = self._require_runtime().console
        return console.recent() if console is not None else []

    def queues(self) -> list[dict[str, Any]]:
        """Every queue: depth, messages in flight, and its DLQ with the DLQ's depth."""
        sqs = self._require_runtime().clients.sqs()
        urls = sqs.list_queues(MaxResults=1000).get("QueueUrls", [])
        described: list[tuple[str, dict[str, str]]] = []
        for url in urls:
            described.append((url, queue_attributes(self._require_runtime().clients, url)))
        depth_by_arn = {
            a.get("QueueArn"): int(a.get("ApproximateNumberOfMessages", 0)) for _u, a in described
        }
        listed = []
        for url, attributes in described:
            dlq_arn = _dead_letter_arn(attributes.get("RedrivePolicy"))
            name = url.rsplit("/", 1)[-1]
            listed.append(
                {
                    "name": name,
                    "url": url,
                    "arn": attributes.get("QueueArn"),
                    "depth": int(attributes.get("ApproximateNumberOfMessages", 0)),
                    "in_flight": int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
                    "delayed": int(attributes.get("ApproximateNumberOfMessagesDelayed", 0)),
                    "dlq": dlq_arn.rsplit(":", 1)[-1] if dlq_arn else None,
                    "dlq_depth": depth_by_arn.get(dlq_arn) if dlq_arn else None,
                    "local": name.startswith("localcloud-"),
                }
            )
        return sorted(listed, key=lambda queue: str(queue["name"]))

    def queue_messages(self, name: str, limit: int = 100) -> dict[str, Any]:
        """A queue's messages without receiving them (ConsoleError 404 for an unknown queue)."""
        return dev_console.queue_messages(
            clients=self._require_runtime().clients,
            lock=self._lock,
            account_id=self.account_id,
            name=name,
            limit=limit,
        )

    def redrive(self, name: str) -> dict[str, Any]:
        """Move a DLQ's messages back to their source, or re-invoke their function (ConsoleError 409)."""
        return dev_console.redrive(clients=self._require_runtime().clients, name=name)

    def executions(self, limit: int = 50) -> list[dict[str, Any]]:
        """Step Functions executions, newest first."""
        return dev_console.executions(clients=self._require_runtime().clients, limit=limit)

    def execution(self, arn: str) -> dict[str, Any]:
        """One execution with its history (ConsoleError 404 when unknown)."""
        return dev_console.execution(clients=self._require_runtime().clients, arn=arn)

    def execution_history(self, arn: str) -> list[dict[str, Any]]:
        """An execution's events, oldest first (ConsoleError 404 when unknown)."""
        return dev_console.execution_history(clients=self._require_runtime().clients, arn=arn)

    def trail(self, correlation_id: str) -> list[dict[str, Any]]:
        """Log lines, events, pushes and mail of one correlation id, oldest first."""
        return trail_of(correlation_id, trail=self._trail, events=self.recent_events(), outbox=self.outbox())

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no poller has work and nothing runs; False after `timeout` seconds."""
        runtime = self._require_runtime()
        pollers = runtime.pollers if self._run_pollers else []
        start = time.monotonic()
        deadline = start + timeout
        kicked_at = 0.0
        while True:
            mark = max(start, runtime.activity.last, runtime.invoker.last_activity)
            if mark > kicked_at:
                for poller in pollers:
                    poller.kick()
                kicked_at = mark
            if not runtime.invoker.busy and all(p.idle_since(mark) for p in pollers):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    def invoke(self, function_logical_id: str, event: Any) -> Any:
        """Call a function's handler in-process (with a Lambda-like context); errors raise."""
        runtime = self._require_runtime()
        function = runtime.registry.find(function_logical_id)
        if function is None:
            raise KeyError(f"no local function {function_logical_id}")
        return runtime.invoker.call(function, event)

    def _require_runtime(self) -> Runtime:
        if self._runtime is None:
            raise CloudError("the embedded cloud is not started")
        return self._runtime


def _entry(spec: ResourceSpec, physical_id: Any, status: str, detail: str) -> dict[str, Any]:
    return {
        "logical_id": spec.logical_id,
        "type": spec.type,
        "physical_id": physical_id,
        "status": status,
        "detail": detail,
    }


def _dead_letter_arn(redrive_policy: str | None) -> str | None:
    if not redrive_policy:
        return None
    try:
        return str(json.loads(redrive_policy)["deadLetterTargetArn"])
    except (ValueError, KeyError):
        return None
