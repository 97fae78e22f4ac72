"""Local functions: handlers imported lazily, invoked in-process with a Lambda-like context."""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from localcloud.clients import Clients, send_to_destination
from localcloud.shapes import LAMBDA_VERSION, async_failure_record, lambda_error

logger = logging.getLogger("localcloud")

Handler = Callable[[Any, Any], Any]
# Asked before each invocation; raising fails it as a handler exception would.
Check = Callable[["LocalFunction"], None]

# Locally an async retry waits this long instead of Lambda's one and two minutes.
ASYNC_RETRY_DELAY = 1.0


@dataclass(frozen=True)
class LocalFunction:
    """An `AWS::Serverless::Function` as the embedded cloud runs it."""

    logical_id: str
    name: str
    arn: str
    handler: str
    environment: Mapping[str, str] = field(default_factory=dict)
    memory_mb: int = 128
    timeout_s: int = 3
    async_max_retries: int = 2
    async_on_failure: str | None = None
    runtime: str = "python3.13"
    architectures: tuple[str, ...] = ("x86_64",)
    description: str = ""
    role: str = ""
    tracing: str = "PassThrough"
    ephemeral_storage_mb: int = 512
    log_format: str = "Text"
    log_group: str = ""
    layers: tuple[str, ...] = ()
    # When the cloud provisioned it, in Lambda's format ("2026-01-31T12:00:00.000+0000").
    last_modified: str = field(default_factory=lambda: _lambda_timestamp(time.time()))


def _lambda_timestamp(seconds: float) -> str:
    """A time as Lambda's `LastModified` writes it."""
    stamp = time.gmtime(seconds)
    return time.strftime("%Y-%m-%dT%H:%M:%S", stamp) + f".{int(seconds % 1 * 1000):03d}+0000"


# The function the current thread is running: every function shares this process (and its
# loggers), so this is how a log line is attributed to the function that wrote it.
CURRENT_FUNCTION: ContextVar[LocalFunction | None] = ContextVar("localcloud_function", default=None)


class LocalLambdaContext:
    """The context object a Python handler receives (what Powertools reads from it)."""

    def __init__(self, function: LocalFunction, request_id: str | None = None) -> None:
        self.function_name = function.name
        self.function_version = LAMBDA_VERSION
        self.invoked_function_arn = function.arn
        self.memory_limit_in_mb = function.memory_mb
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function.name}"
        self.log_stream_name = f"local/[{LAMBDA_VERSION}]{uuid.uuid4().hex}"
        self.identity: Any = None
        self.client_context: Any = None
        self.tenant_id: str | None = None
        self._deadline = time.monotonic() + function.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's Timeout (not enforced locally)."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class Outcome:
    """How one invocation ended: a result, or Lambda's error payload."""

    request_id: str
    result: Any = None
    error: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        """True when the handler returned."""
        return self.error is None


class FunctionRegistry:
    """Every local function, found by logical id, function name or ARN."""

    def __init__(self) -> None:
        self._by_key: dict[str, LocalFunction] = {}
        self._ordered: dict[str, LocalFunction] = {}
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()

    def add(self, function: LocalFunction) -> None:
        """Register (or replace) a function."""
        self._ordered[function.logical_id] = function
        for key in (function.logical_id, function.name, function.arn):
            self._by_key[key] = function

    def all(self) -> list[LocalFunction]:
        """Every function, in provisioning order."""
        return list(self._ordered.values())

    def find(self, name_or_arn: str) -> LocalFunction | None:
        """A function by logical id, name, full or partial ARN (a qualifier is ignored)."""
        key = unquote(name_or_arn)
        if key in self._by_key:
            return self._by_key[key]
        if ":function:" in key:
            name = key.split(":function:", 1)[1].split(":", 1)[0]
            return self._by_key.get(name)
        return None

    def handler(self, function: LocalFunction) -> Handler:
        """The handler callable, imported on first use (as a cold start would)."""
        with self._lock:
            cached = self._handlers.get(function.logical_id)
        if cached is not None:
            return cached
        module_name, _, attribute = function.handler.rpartition(".")
        with current_loop():
            module = importlib.import_module(module_name)
        loaded: Handler = getattr(module, attribute)
        with self._lock:
            self._handlers[function.logical_id] = loaded
        return loaded


@dataclass(frozen=True)
class Invocation:
    """One run of a local function with its event (what the trail keeps, to replay)."""

    id: str
    function: LocalFunction
    event: Any
    replay_of: str | None = None  # the trail entry this run replays


# The invocation the current thread is running (its log lines and AWS calls belong to it).
CURRENT_INVOCATION: ContextVar[Invocation | None] = ContextVar("localcloud_invocation", default=None)


def _run_as(invoker: Invoker, invocation: Invocation, handler: Handler) -> Any:
    CURRENT_FUNCTION.set(invocation.function)
    CURRENT_INVOCATION.set(invocation)
    if invoker.on_invocation is not None:
        try:
            invoker.on_invocation(invocation)
        except Exception:  # recording an invocation must never fail it
            logger.exception(
                "localcloud: could not record an invocation of %s", invocation.function.logical_id
            )
    if invoker.before_invocation is not None:
        invoker.before_invocation(invocation.function)  # a fault switch may fail it before the handler
    return _with_own_loop(handler, invocation.event, LocalLambdaContext(invocation.function))


def _with_own_loop(handler: Handler, event: Any, context: LocalLambdaContext) -> Any:
    """Run the handler as Lambda's runtime does: in a thread with a current, idle event loop.

    A thread that already runs a loop cannot run a second one, so there the handler gets a
    thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        with current_loop():
            return handler(event, context)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="localcloud-invoke") as pool:
        run = contextvars.copy_context().run
        return pool.submit(run, _with_own_loop, handler, event, context).result()


@contextmanager
def current_loop() -> Iterator[None]:
    """Give this thread a current event loop while a handler is imported or runs.

    Handlers that drive asyncio themselves need one: Mangum calls `asyncio.get_event_loop()`
    when it is made (else it makes and leaves a loop of its own) and `run_until_complete` on
    each request. A thread that has a loop (the main thread's, made on demand) keeps it;
    pollers, the server's threads and the async invoker have none and get one that is closed
    afterwards (async generators and the default executor shut down first).
    """
    try:
        asyncio.get_event_loop()  # never makes one outside the main thread
    except RuntimeError:
        with asyncio.Runner() as runner:
            runner.get_loop()  # makes the loop and sets it as the thread's current one
            yield
        return
    yield


class Invoker:
    """Runs handlers in-process; counts what is running so `wait_idle` can tell."""

    def __init__(
        self,
        registry: FunctionRegistry,
        clients: Clients,
        *,
        before_invocation: Check | None = None,
        on_invocation: Callable[[Invocation], None] | None = None,
    ) -> None:
        self.registry = registry
        self.before_invocation = before_invocation
        self.on_invocation = on_invocation
        self._clients = clients
        self._running = 0
        self._lock = threading.Lock()
        self.last_activity = time.monotonic()
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    @property
    def busy(self) -> bool:
        """Whether any invocation is running."""
        with self._lock:
            return self._running > 0

    def call(self, function: LocalFunction, event: Any, *, replay_of: str | None = None) -> Any:
        """Call the handler and return its result; its exception propagates."""
        handler = self.registry.handler(function)
        invocation = Invocation(uuid.uuid4().hex, function, event, replay_of)
        with self._lock:
            self._running += 1
        try:
            # As in a process of its own: none of the caller's context-local state (its log keys,
            # the function it runs) reaches the handler, and none of the handler's leaks back.
            return contextvars.Context().run(_run_as, self, invocation, handler)
        finally:
            with self._lock:
                self._running -= 1
                self.last_activity = time.monotonic()

    def invoke(self, function: LocalFunction, event: Any, *, replay_of: str | None = None) -> Outcome:
        """Call the handler; a failure becomes Lambda's error payload (never an exception)."""
        outcome = Outcome(request_id=str(uuid.uuid4()))
        try:
            self.registry.handler(function)
        except Exception as exc:
            outcome.error = lambda_error(exc, error_type="Runtime.ImportModuleError")
            outcome.error["errorMessage"] = f"Unable to import module '{function.handler}': {exc}"
            logger.exception("localcloud: cannot import %s", function.handler)
            return outcome
        try:
            outcome.result = self.call(function, event, replay_of=replay_of)
        except (Exception, SystemExit) as exc:  # sys.exit in a handler is Runtime.ExitError
            error_type = "Runtime.ExitError" if isinstance(exc, SystemExit) else None
            outcome.error = lambda_error(exc, error_type=error_type)
            outcome.error["requestId"] = outcome.request_id
            logger.warning(
                "localcloud: %s raised %s: %s",
                function.logical_id,
                type(exc).__name__,
                exc,
                exc_info=True,
            )
        return outcome

    def invoke_async(self, function: LocalFunction, event: Any) -> None:
        """Lambda's `Event` invocation: retried, then sent to the on-failure destination."""
        thread = threading.Thread(
            target=self._run_async,
            args=(function, event),
            name=f"localcloud-async-{function.logical_id}",
            daemon=True,
        )
        with self._lock:
            self._running += 1
            self._threads = [*(t for t in self._threads if t.is_alive()), thread]
        thread.start()

    def _run_async(self, function: LocalFunction, event: Any) -> None:
        try:
            attempts = 0
            while True:
                attempts += 1
                outcome = self.invoke(function, event)
                if outcome.ok or self._stopping.is_set():
                    return
                if attempts > function.async_max_retries:
                    self._give_up(function, event, attempts, outcome)
                    return
                self._stopping.wait(ASYNC_RETRY_DELAY)
        finally:
            with self._lock:
                self._running -= 1
                self.last_activity = time.monotonic()

    def _give_up(self, function: LocalFunction, event: Any, attempts: int, outcome: Outcome) -> None:
        destination = function.async_on_failure
        if destination is None:
            logger.warning(
                "localcloud: %s failed %d times; event dropped (no on-failure destination)",
                function.logical_id,
                attempts,
            )
            return
        record = async_failure_record(
            function_arn=function.arn,
            payload=event,
            invoke_count=attempts,
            error=outcome.error or {},
        )
        try:
            send_to_destination(self._clients, destination, json.dumps(record))
        except Exception:
            logger.exception("localcloud: cannot deliver to %s", destination)

    def stop(self, timeout: float = 2.0) -> None:
        """Stop retrying and wait (bounded) for running async invocations."""
        self._stopping.set()
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
