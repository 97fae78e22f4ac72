"""The dispatcher in front of moto: local routes, then interceptors, then moto; every request passes it."""

from __future__ import annotations

import io
import json
import logging
import urllib.parse
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from localcloud.calls import Call, Observer, describe_http
from localcloud.moto_app import MotoApp
from localcloud.server import StartResponse, StateLock, WsgiApp, WsgiResponse, complete

logger = logging.getLogger("localcloud")

# The environ key under which the in-process transport hands over the call it already knows.
CALL_KEY = "localcloud.call"

# Operations that only read: they never make the state worth a new snapshot.
_READ_PREFIXES = ("Get", "List", "Describe", "Query", "Scan", "BatchGet", "Receive", "Head")


class Exchange:
    """One request on its way through the dispatcher: read it, answer it or forward it."""

    def __init__(self, environ: dict[str, Any], forward: Callable[[Exchange], WsgiResponse]):
        self.environ = environ
        self._forward = forward
        self._body: bytes | None = None

    @property
    def method(self) -> str:
        """The HTTP method."""
        return str(self.environ.get("REQUEST_METHOD", "GET")).upper()

    @property
    def path(self) -> str:
        """The undecoded path (URL-encoded ARNs stay encoded)."""
        raw = self.environ.get("RAW_URI") or self.environ.get("REQUEST_URI")
        if isinstance(raw, str) and raw:
            return raw.split("?", 1)[0]
        return str(self.environ.get("PATH_INFO", ""))

    @property
    def target(self) -> str:
        """The `X-Amz-Target` header of JSON-protocol APIs ('' when absent)."""
        return str(self.environ.get("HTTP_X_AMZ_TARGET", ""))

    @property
    def service(self) -> str:
        """The signing name of a SigV4-signed request (`sqs`, `dynamodb`, `ses`, ...; '' unsigned)."""
        authorization = str(self.environ.get("HTTP_AUTHORIZATION", ""))
        _, found, rest = authorization.partition("Credential=")
        if not found:
            return ""
        scope = rest.split(",", 1)[0].split("/")
        return scope[3].lower() if len(scope) >= 5 else ""

    @cached_property
    def call(self) -> Call:
        """The request as the seam describes it (given by the in-process transport, else read here)."""
        given = self.environ.get(CALL_KEY)
        return given if isinstance(given, Call) else describe_http(self)

    def header(self, name: str) -> str | None:
        """A request header (case-insensitive)."""
        value = self.environ.get("HTTP_" + name.upper().replace("-", "_"))
        return None if value is None else str(value)

    @property
    def body(self) -> bytes:
        """The request body (read once, then replayed to moto)."""
        if self._body is None:
            stream = self.environ["wsgi.input"]
            length = self.environ.get("CONTENT_LENGTH")
            self._body = stream.read(int(length)) if length else stream.read()
            self._replace_body(self._body)
        return self._body

    def json(self) -> Any:
        """The body parsed as JSON ({} when empty or not JSON)."""
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            return {}

    def _replace_body(self, body: bytes) -> None:
        self.environ["wsgi.input"] = io.BytesIO(body)
        self.environ["CONTENT_LENGTH"] = str(len(body))

    def forward(self, body: bytes | None = None) -> WsgiResponse:
        """Let moto answer (optionally with another body) and return its complete response."""
        if body is not None:
            self._body = body
            self._replace_body(body)
        elif self._body is not None:
            self._replace_body(self._body)
        return self._forward(self)


@dataclass(frozen=True)
class Write:
    """What a request that may have changed the state touched (decides which pollers wake)."""

    service: str = ""  # the SigV4 signing name ('' unsigned: anything)
    queue: str | None = None  # SQS: the queue's name, when the request names one


def write_of(exchange: Exchange) -> Write:
    """The Write a request makes (read before moto consumes the body)."""
    service = exchange.service
    if service != "sqs":
        return Write(service)
    url = exchange.json().get("QueueUrl") if exchange.target else None
    if not url:
        url = _query_param(_form_body(exchange), "QueueUrl") or None
    return Write(service, str(url).rstrip("/").rsplit("/", 1)[-1] if url else None)


class Interceptor(Protocol):
    """Answers a request itself (a response), or lets it through to moto (None)."""

    def __call__(self, exchange: Exchange) -> WsgiResponse | None: ...  # pragma: no cover


def is_mutation(exchange: Exchange) -> bool:
    """Whether a request may have changed moto's state (drives snapshots and poller wake-ups)."""
    if exchange.method in ("GET", "HEAD", "OPTIONS"):
        return False
    action = exchange.target.rpartition(".")[2]
    if not action and exchange.method == "POST":
        query = str(exchange.environ.get("QUERY_STRING", ""))
        action = _query_action(query) or _query_action(_form_body(exchange))
    return not (action and action.startswith(_READ_PREFIXES))


def _is_long_poll(exchange: Exchange) -> bool:
    if exchange.target != "AmazonSQS.ReceiveMessage":
        return False
    wait = exchange.json().get("WaitTimeSeconds")
    return isinstance(wait, int) and wait > 0


def _query_action(text: str) -> str:
    return _query_param(text, "Action")


def _query_param(text: str, name: str) -> str:
    for pair in text.split("&"):
        key, _, value = pair.partition("=")
        if key == name:
            return urllib.parse.unquote_plus(value)
    return ""


def _form_body(exchange: Exchange) -> str:
    content_type = str(exchange.environ.get("CONTENT_TYPE", ""))
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return ""
    return exchange.body.decode("utf-8", "replace")


class Dispatcher:
    """The WSGI app in front of moto: observers, then local routes, interceptors, and moto.

    Every request passes here, whether it came over the loopback server or in-process
    (`localcloud.transport` calls `handle` in the caller's thread).
    """

    def __init__(
        self,
        moto_app: MotoApp,
        *,
        account_id: str,
        lock: StateLock,
        on_mutation: Callable[[Write], None],
    ) -> None:
        self._moto = moto_app
        self._account_id = account_id
        self._lock = lock
        self._on_mutation = on_mutation
        self._routes: list[tuple[str, WsgiApp]] = []
        self._interceptors: list[Interceptor] = []
        self._observers: list[Observer] = []

    def register_route(self, prefix: str, app: WsgiApp) -> None:
        """Answer every path under `prefix` with `app`."""
        self._routes.append((prefix, app))
        self._routes.sort(key=lambda route: len(route[0]), reverse=True)

    def add_interceptor(self, interceptor: Interceptor) -> None:
        """Give `interceptor` a look at every request before moto does."""
        self._interceptors.append(interceptor)

    def add_observer(self, observer: Observer) -> None:
        """Show `observer` every request before anything answers it, and every response."""
        self._observers.append(observer)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        response = self.handle(environ)
        return response.respond(start_response, head=str(environ.get("REQUEST_METHOD", "")).upper() == "HEAD")

    def handle(self, environ: dict[str, Any]) -> WsgiResponse:
        """Answer one request completely (a bug answers 500, never escapes)."""
        # Each cloud is one moto account, so clouds in one process never see each other's data.
        environ.setdefault("HTTP_X_MOTO_ACCOUNT_ID", self._account_id)
        exchange = Exchange(environ, self._call_moto)
        try:
            return self._dispatch(exchange)
        except Exception as exc:  # a bug here must answer 500, never kill the server thread
            logger.exception("localcloud: %s %s failed", exchange.method, exchange.path)
            return WsgiResponse.json(500, {"message": f"localcloud: {exc}"})

    def _dispatch(self, exchange: Exchange) -> WsgiResponse:
        call = exchange.call if self._observers else None
        if call is not None:
            for observer in self._observers:
                refusal = observer.before(call)
                if refusal is not None:
                    self._tell(call, refusal)
                    return refusal
        response = self._answer(exchange)
        if call is not None:
            self._tell(call, response)
        return response

    def _tell(self, call: Call, response: WsgiResponse) -> None:
        for observer in self._observers:
            try:
                observer.after(call, response)
            except Exception:  # an observer must never change what the caller gets
                logger.exception("localcloud: observer %r failed", observer)

    def _answer(self, exchange: Exchange) -> WsgiResponse:
        path = str(exchange.environ.get("PATH_INFO", ""))
        for prefix, app in self._routes:
            if path.startswith(prefix):
                return complete(app, exchange.environ)
        write = write_of(exchange) if is_mutation(exchange) else None  # before moto reads the body
        try:
            for interceptor in self._interceptors:
                answer = interceptor(exchange)
                if answer is not None:
                    return answer
            return exchange.forward()
        finally:
            if write is not None:
                self._on_mutation(write)

    def _call_moto(self, exchange: Exchange) -> WsgiResponse:
        # A long poll waits inside moto without changing anything: holding the state for it
        # would hold back snapshots for up to 20 s.
        guard = nullcontext() if _is_long_poll(exchange) else self._lock.shared()
        with guard:
            # boto3 in this process: moto's handler without Flask (`localcloud.moto_app`).
            if CALL_KEY in exchange.environ:
                return self._moto.answer(exchange.environ)
            return complete(self._moto, exchange.environ)
