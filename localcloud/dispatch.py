"""The dispatcher in front of moto: local routes, then interceptors, then moto; every request passes it."""

from __future__ import annotations

import io
import json
import logging
import urllib.parse
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, Protocol

from localcloud.server import StartResponse, StateLock, WsgiApp, WsgiResponse

logger = logging.getLogger("localcloud")

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
    """The WSGI app in front of moto: local routes, then interceptors, then moto."""

    def __init__(
        self,
        moto_app: WsgiApp,
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

    def register_route(self, prefix: str, app: WsgiApp) -> None:
        """Answer every path under `prefix` with `app` (in this server's thread)."""
        self._routes.append((prefix, app))
        self._routes.sort(key=lambda route: len(route[0]), reverse=True)

    def add_interceptor(self, interceptor: Interceptor) -> None:
        """Give `interceptor` a look at every request before moto does."""
        self._interceptors.append(interceptor)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        for prefix, app in self._routes:
            if path.startswith(prefix):
                return app(environ, start_response)
        # Each cloud is one moto account, so clouds in one process never see each other's data.
        environ.setdefault("HTTP_X_MOTO_ACCOUNT_ID", self._account_id)
        exchange = Exchange(environ, self._call_moto)
        try:
            response = self._dispatch(exchange)
        except Exception as exc:  # a bug here must answer 500, never kill the server thread
            logger.exception("localcloud: %s %s failed", exchange.method, path)
            response = WsgiResponse.json(500, {"message": f"localcloud: {exc}"})
        return response.respond(start_response, head=exchange.method == "HEAD")

    def _dispatch(self, exchange: Exchange) -> WsgiResponse:
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
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], _exc_info: Any = None) -> None:
            captured["status"], captured["headers"] = status, headers

        # A long poll waits inside moto without changing anything: holding the state for it
        # would hold back snapshots for up to 20 s.
        guard = nullcontext() if _is_long_poll(exchange) else self._lock.shared()
        with guard:
            chunks = self._moto(exchange.environ, capture)
            try:
                body = b"".join(chunks)
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
        status = int(str(captured.get("status", "500")).split(" ", 1)[0])
        return WsgiResponse(status, list(captured.get("headers", [])), body)
