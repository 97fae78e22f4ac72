"""EmbeddedCloud: the whole architecture of template.yaml, offline, inside one Python process.

The cloud owns the lifecycle (snapshot, server, provisioning, pollers), the environment the app
and functions need, in-process invocation and the wait for idleness. What the dev console asks
about a running cloud is `cloud.console` (`localcloud.console.Console`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from localcloud import heap, index, patches, snapshot, transport
from localcloud.calls import Observer
from localcloud.clients import Clients
from localcloud.console import Console
from localcloud.context import Core, ProvisionContext, States
from localcloud.dispatch import Dispatcher, Write
from localcloud.faults import Faults
from localcloud.functions import FunctionRegistry
from localcloud.iam import Iam
from localcloud.meter import Meter, MeteredInvoker, history_of
from localcloud.moto_app import MotoApp
from localcloud.pollers import Activity, Checkpoints, Poller
from localcloud.provisioning import ProvisioningError, Stack, provision_stack
from localcloud.server import EmbeddedServer, StateLock, WsgiApp, quiet_werkzeug
from localcloud.services.apigateway.bridge import MANAGEMENT_PREFIX, WebSocketBridge
from localcloud.services.apigateway.http import HttpApiRoutes, HttpRoute
from localcloud.services.apigateway.websocket import WebSocketApis
from localcloud.services.dynamodb import KEEP_STREAM_RECORDS, StreamPoller, trim_consumed_records
from localcloud.services.events import RecentEvents
from localcloud.services.ses.outbox import MailCapture
from localcloud.template import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, DEFAULT_STACK_NAME, Template
from localcloud.trail import Trail

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
        in_process: bool = True,
        enforce_iam: bool = True,
    ) -> None:
        self.template_path = template_path
        self.state_dir = state_dir
        self.account_id = account_id
        self.region = DEFAULT_REGION
        self._port = port
        self._parameters = dict(parameters or {})
        self._run_pollers = run_pollers
        self._stack_name = stack_name
        # boto3 clients of this process reach the dispatcher without a socket (False: over HTTP).
        self._in_process = in_process
        self._routes: list[tuple[str, WsgiApp]] = []
        self._lock = StateLock()
        self._trail = Trail()
        self._server: EmbeddedServer | None = None
        self._dispatcher: Dispatcher | None = None
        self._template: Template | None = None
        self._core: Core | None = None
        self._states: States | None = None
        self._stack = Stack()
        self._snapshotter: snapshot.Snapshotter | None = None
        self._websocket: WebSocketBridge | None = None
        self._console: Console | None = None
        self.faults = Faults()
        # Each function's calls checked against its own policy in the template (`localcloud.iam`).
        self.iam = Iam(enforce=enforce_iam)
        self.meter = Meter(account_id=account_id, region=self.region)
        # Stream records a snapshot keeps however far every consumer got (the rest are dropped).
        self.keep_stream_records = KEEP_STREAM_RECORDS
        self._previous_moto_port: str | None = None
        self._moto_port: str | None = None
        self._holds_heap = False

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
        heap.hold()  # the collector's schedule for a process holding a cloud (`localcloud.heap`)
        self._holds_heap = True
        logger.info(
            "localcloud: %s ready in %.2fs (%d resources)",
            self.endpoint_url,
            time.monotonic() - started,
            len(self._stack.rows),
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
        snapshot.forget_account(self.account_id)
        extras = self._load_snapshot()
        dispatcher = self._serve()
        core = self._core = self._new_core()
        states = self._states = States(core)
        dispatcher.add_observer(self.iam)  # first: AWS authorises a request before anything else
        dispatcher.add_observer(self.faults)
        dispatcher.add_observer(self._trail.deliveries)
        dispatcher.add_observer(self.meter)
        self.meter.connect(history_of(core.clients))
        for interceptor in index.interceptor_types():
            dispatcher.add_interceptor(states.of(interceptor))
        try:
            self._stack = provision_stack(ProvisionContext(template=template, core=core, states=states))
        except ProvisioningError as exc:
            raise CloudError(str(exc)) from exc
        self.iam.load(template, core.functions)
        self._restore_extras(extras)
        self._serve_extras(dispatcher)
        self._console = Console(core=core, states=states, stack=self._stack, trail=self._trail)
        if self._run_pollers:
            for poller in self._stack.pollers:
                poller.start()
        if self._snapshotter is not None:
            self._snapshotter.start()

    def _new_core(self) -> Core:
        clients = Clients(self.endpoint_url, self.region)
        return Core(
            clients=clients,
            invoker=MeteredInvoker(
                FunctionRegistry(),
                clients,
                meter=self.meter,
                before_invocation=self.faults.check_invocation,
                on_invocation=self._trail.deliveries.record_invocation,
            ),
            activity=Activity(),
            checkpoints=Checkpoints(on_change=self._changed_quietly),
            state_lock=self._lock,
            account_id=self.account_id,
            region=self.region,
            wake=self._changed,
            state_dir=self.state_dir,
        )

    def _load_snapshot(self) -> dict[str, Any]:
        if self.state_dir is None:
            return {}
        path = self.state_dir / snapshot.FILE_NAME
        self._snapshotter = snapshot.Snapshotter(
            path=path,
            account_id=self.account_id,
            extras=self._extras,
            exclusive=self._lock.exclusive,
            before_dump=self._trim_streams,
        )
        return snapshot.load_file(path, self.account_id) or {}

    def _serve(self) -> Dispatcher:
        dispatcher = Dispatcher(
            MotoApp(), account_id=self.account_id, lock=self._lock, on_mutation=self._changed
        )
        for prefix, app in self._routes:
            dispatcher.register_route(prefix, app)
        self._dispatcher = dispatcher
        self._server = EmbeddedServer(dispatcher, port=self._port)
        self._server.start()
        if self._in_process:
            transport.serve_in_process(self.endpoint_url, dispatcher)
        # moto's Step Functions interpreter invokes Lambda at localhost:$MOTO_PORT.
        self._previous_moto_port = os.environ.get("MOTO_PORT")
        self._moto_port = str(self._server.port)
        os.environ["MOTO_PORT"] = self._moto_port
        return dispatcher

    def _serve_extras(self, dispatcher: Dispatcher) -> None:
        """The WebSocket management API and the trail's feeds (both need the provisioned template)."""
        core, states = self._require_core(), self._require_states()
        apis = states.find(WebSocketApis)
        api = apis.first() if apis is not None else None
        if api is not None:
            self._websocket = WebSocketBridge(
                api, invoker=core.invoker, on_push=self._trail.record_push, meter=self.meter
            )
            dispatcher.register_route(MANAGEMENT_PREFIX, self._websocket.management)
        states.of(RecentEvents).on_event = self._trail.record_event
        services = (f.environment.get("POWERTOOLS_SERVICE_NAME") for f in core.functions.all())
        self._trail.capture(name for name in services if name)

    @contextmanager
    def snapshots_held(self) -> Iterator[None]:
        """No snapshot is written inside: a test that measures the app's memory leaves the saver's out."""
        if self._snapshotter is None:
            yield
            return
        with self._snapshotter.held():
            yield

    def stop(self, *, save: bool = True) -> None:
        """Stop the pollers, save the snapshot (unless told not to) and release the port."""
        if self._server is None:
            return
        try:
            self._stop_workers()
            if self._snapshotter is not None:
                self._snapshotter.stop(save=save)
        finally:
            self._teardown()
        logger.info("localcloud: stopped")

    def restart(self, *, state: Path | None = None) -> None:
        """Stop and start again on the same port; from the snapshot file `state` when given.

        What runs in the cloud stops with it (pollers, a running execution); the environment may
        change (a snapshot taken elsewhere has its own pool ids): apply it again after.
        """
        if self._server is None:
            raise CloudError("the embedded cloud is not started")
        if state is not None and (self.state_dir is None or not state.is_file()):
            raise CloudError(f"cannot restore {state}: no such snapshot, or this cloud has no state_dir")
        port = self._server.port
        self.stop(save=state is None)
        if state is not None and self.state_dir is not None:
            snapshot.write_atomically(self.state_dir / snapshot.FILE_NAME, state.read_bytes())
        self._port = port
        started = time.monotonic()
        self.start()
        logger.info(
            "localcloud: restarted in %.2fs%s", time.monotonic() - started, f" from {state}" if state else ""
        )

    @property
    def snapshots(self) -> snapshot.Library:
        """The named snapshots of this cloud's state directory."""
        if self.state_dir is None:
            raise CloudError("this cloud has no state_dir, so no named snapshots")
        return snapshot.Library(self.state_dir / "snapshots")

    def save_snapshot(self, name: str) -> dict[str, Any]:
        """Save the whole state under `name` (replacing a snapshot of that name); its entry."""
        library = self.snapshots
        if self._snapshotter is None or not self._snapshotter.save_to(library.path(name), timeout=10.0):
            raise CloudError("the state stayed busy for 10 s; snapshot not written")
        entry = library.entry(name)
        assert entry is not None
        return entry

    def _stop_workers(self) -> None:
        for poller in self._stack.pollers:
            poller.stop()
        for poller in self._stack.pollers:
            poller.join(timeout=5)
        if self._core is not None:
            self._core.invoker.stop()

    def _teardown(self) -> None:
        self._stop_workers()
        self._trail.release()
        if self._websocket is not None:
            self._websocket.close_all()
            self._websocket = None
        if self._server is not None:
            transport.stop_serving(self.endpoint_url)
            self._server.stop()
            self._server = None
        if self._core is not None:
            self._core.clients.close()
        self._console = None
        if self._moto_port is not None and os.environ.get("MOTO_PORT") == self._moto_port:
            self._moto_port = None
            if self._previous_moto_port is None:
                os.environ.pop("MOTO_PORT", None)
            else:
                os.environ["MOTO_PORT"] = self._previous_moto_port
        if self._holds_heap:
            self._holds_heap = False
            heap.release()
        with _RUNNING_LOCK:
            if _RUNNING.get(self.account_id) is self:
                del _RUNNING[self.account_id]

    # ------------------------------------------------------------------ snapshot

    def _extras(self) -> dict[str, Any]:
        states = self._states
        return {
            "checkpoints": self._core.checkpoints.dump() if self._core else {},
            "events": states.of(RecentEvents).dump() if states else [],
            "mail": states.of(MailCapture).dump() if states else {},
            "tracking": states.of(MailCapture).tracking.dump() if states else {},
        }

    def _restore_extras(self, extras: Mapping[str, Any]) -> None:
        core, states = self._require_core(), self._require_states()
        core.checkpoints.load(extras.get("checkpoints") or {})
        states.of(RecentEvents).load(extras.get("events") or [])
        states.of(MailCapture).load(extras.get("mail") or {})
        states.of(MailCapture).tracking.load(extras.get("tracking") or {})

    def _trim_streams(self) -> None:
        stream_pollers = [p for p in self._stack.pollers if isinstance(p, StreamPoller)]
        dropped = trim_consumed_records(
            self.account_id, self.region, stream_pollers, keep=self.keep_stream_records
        )
        if dropped:
            logger.debug("localcloud: dropped %d processed stream records", dropped)

    def _changed(self, write: Write) -> None:
        """A write went through the dispatcher: wake the pollers it may give work, save soon."""
        for poller in self._stack.pollers:
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

    # ------------------------------------------------------------------ environment

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
        for function in self._require_core().functions.all():
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
        apis = self._require_states().find(WebSocketApis)
        # boto3 posts to {endpoint}/@connections/{id}; the cloud's own server answers that path.
        return self.endpoint_url if apis is not None and apis.is_management_url(value) else value

    def _user_pool_id(self, environment: Mapping[str, str]) -> str | None:
        if environment.get("USER_POOL_ID"):
            return environment["USER_POOL_ID"]
        pools = [row for row in self._stack.rows if row["type"] == "AWS::Cognito::UserPool"]
        return str(pools[0]["physical_id"]) if pools else None

    def apply_environment(self) -> None:
        """Export `environment` into os.environ (the local runner and tests do this once)."""
        os.environ.update(self.environment)

    # ------------------------------------------------------------------ running

    @property
    def console(self) -> Console:
        """What the dev console asks about this cloud (resources, queues, mail, executions, trails)."""
        if self._console is None:
            raise CloudError("the embedded cloud is not started")
        return self._console

    def add_observer(self, observer: Observer) -> None:
        """Show `observer` every AWS request and response of this cloud (`localcloud.calls`)."""
        if self._dispatcher is None:
            raise CloudError("the embedded cloud is not started")
        self._dispatcher.add_observer(observer)

    @property
    def websocket(self) -> WebSocketBridge | None:
        """The template's WebSocket API as uvicorn serves it (None when the template has none)."""
        return self._websocket

    def http_route(self, method: str, path: str) -> HttpRoute | None:
        """The template's HTTP API route a request falls under (None: no route, or not started)."""
        routes = self._states.find(HttpApiRoutes) if self._states is not None else None
        return routes.match(method, path) if routes is not None else None

    def register_route(self, prefix: str, app: WsgiApp) -> None:
        """Serve `prefix` from this cloud's server thread (e.g. the WebSocket management API)."""
        self._routes.append((prefix, app))
        if self._dispatcher is not None:
            self._dispatcher.register_route(prefix, app)

    def expire_ttl(self, now: float | None = None) -> int:
        """Run DynamoDB's Time to Live now (as at `now`): how many expired items it deleted.

        The sweepers also run by themselves once a minute while the pollers run.
        """
        from localcloud.services.dynamodb import TtlSweeper

        return sum(p.sweep(now) for p in self._stack.pollers if isinstance(p, TtlSweeper))

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no poller has work and nothing runs; False after `timeout` seconds."""
        core = self._require_core()
        pollers: list[Poller] = self._stack.pollers if self._run_pollers else []
        start = time.monotonic()
        deadline = start + timeout
        kicked_at = 0.0
        while True:
            mark = max(start, core.activity.last, core.invoker.last_activity)
            if mark > kicked_at:
                for poller in pollers:
                    poller.kick()
                kicked_at = mark
            if not core.invoker.busy and all(p.idle_since(mark) for p in pollers):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    def invoke(self, function_logical_id: str, event: Any) -> Any:
        """Call a function's handler in-process (with a Lambda-like context); errors raise."""
        core = self._require_core()
        function = core.functions.find(function_logical_id)
        if function is None:
            raise KeyError(f"no local function {function_logical_id}")
        return core.invoker.call(function, event)

    def _require_core(self) -> Core:
        if self._core is None:
            raise CloudError("the embedded cloud is not started")
        return self._core

    def _require_states(self) -> States:
        if self._states is None:
            raise CloudError("the embedded cloud is not started")
        return self._states
