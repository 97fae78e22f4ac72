"""moto's WSGI app on a loopback port: the werkzeug server, the state lock, complete responses."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

logger = logging.getLogger("localcloud")

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class StateLock:
    """Many requests share moto's state; a snapshot takes it alone (writers first, bounded)."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    @contextmanager
    def shared(self) -> Iterator[None]:
        """Hold the state for one request (many may at once)."""
        with self._condition:
            while self._writer or self._writers_waiting:
                self._condition.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                if not self._readers:
                    self._condition.notify_all()

    @contextmanager
    def exclusive(self, timeout: float) -> Iterator[bool]:
        """Hold the state alone; yields False (and holds nothing) after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._condition:
            self._writers_waiting += 1
            try:
                while self._writer or self._readers:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._condition.wait(remaining)
                acquired = not (self._writer or self._readers)
                if acquired:
                    self._writer = True
            finally:
                self._writers_waiting -= 1
                if not acquired:
                    # A long request (a long poll) outlived us: let the readers we held back in.
                    self._condition.notify_all()
        try:
            yield acquired
        finally:
            if acquired:
                with self._condition:
                    self._writer = False
                    self._condition.notify_all()


@dataclass
class WsgiResponse:
    """A complete HTTP response."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @classmethod
    def json(cls, status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()) -> WsgiResponse:
        """A JSON response."""
        body = json.dumps(payload).encode()
        return cls(status, [("Content-Type", "application/json"), *headers], body)

    @classmethod
    def aws_json_error(cls, status: int, code: str, message: str) -> WsgiResponse:
        """An error in AWS's JSON protocol (what boto3 turns into `ClientError` with `code`)."""
        return cls(
            status,
            [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code)],
            json.dumps({"__type": code, "message": message}).encode(),
        )

    def header(self, name: str) -> str | None:
        """The first header called `name` (case-insensitive)."""
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)

    def json_body(self) -> Any:
        """The body parsed as JSON (None when it is not JSON)."""
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    def respond(self, start_response: StartResponse, *, head: bool = False) -> list[bytes]:
        """Send this response through a WSGI `start_response`."""
        try:
            reason = HTTPStatus(self.status).phrase
        except ValueError:
            reason = "Unknown"
        headers = [(k, v) for k, v in self.headers if k.lower() != "content-length"]
        # A HEAD answer has no body but tells the length of the one GET would return.
        length = self.header("Content-Length") if head else None
        headers.append(("Content-Length", length if length is not None else str(len(self.body))))
        start_response(f"{self.status} {reason}", headers)
        return [self.body]


def complete(app: WsgiApp, environ: dict[str, Any]) -> WsgiResponse:
    """Run a WSGI app and collect its whole response."""
    captured: dict[str, Any] = {}

    def capture(status: str, headers: list[tuple[str, str]], _exc_info: Any = None) -> None:
        captured["status"], captured["headers"] = status, headers

    chunks = app(environ, capture)
    try:
        body = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    status = int(str(captured.get("status", "500")).split(" ", 1)[0])
    return WsgiResponse(status, list(captured.get("headers", [])), body)


class EmbeddedServer:
    """A threaded werkzeug server for the dispatcher, in a daemon thread on 127.0.0.1."""

    def __init__(self, app: WsgiApp, *, port: int = 0, host: str = "127.0.0.1") -> None:
        from moto.moto_server.werkzeug_app import MotoRequestHandler

        # moto's handler keeps headers with underscores (S3 metadata) that werkzeug drops.
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port (the real one when 0 was asked for)."""
        return int(self._server.server_port)

    def start(self) -> None:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name=f"localcloud-server-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting requests and release the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()


def quiet_werkzeug() -> None:
    """moto's request log would print one line per AWS call: keep only warnings."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
