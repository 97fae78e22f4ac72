"""The in-process transport: boto3 requests for a running cloud reach its dispatcher with no socket.

botocore serializes and signs a request as usual, then emits `before-send`; a handler returning a
response stops it there. These handlers turn the prepared request into a WSGI environ and hand
it to the cloud's `Dispatcher.handle` in the calling thread, so the same dispatcher (Lambda
Invoke, Cognito triggers, wake-ups, the seam's observers) and the same moto answers serve it,
and botocore parses the bytes moto wrote exactly as it would parse them off the wire. Requests for
any other endpoint go out as usual. The loopback server keeps serving what must be HTTP: a
browser's uploads, the WebSocket management API from another process, the AWS CLI.

Installed by `EmbeddedCloud.start` (the local runner and tests), never by app code: every
botocore session made afterwards gets the handlers (`botocore.handlers.BUILTIN_HANDLERS`, the
way moto's own `mock_aws` hooks in), and the sessions that already exist are given them too.
"""

from __future__ import annotations

import io
import sys
import threading
from collections.abc import Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from localcloud.calls import INTERNAL_AGENT, Call
from localcloud.dispatch import CALL_KEY
from localcloud.functions import CURRENT_FUNCTION

if TYPE_CHECKING:
    from botocore.awsrequest import AWSPreparedRequest, AWSResponse
    from botocore.model import OperationModel

    from localcloud.dispatch import Dispatcher

# The clouds of this process by endpoint ("127.0.0.1:port"); a handler finds its cloud here.
_CLOUDS: dict[str, Dispatcher] = {}
_LOCK = threading.Lock()

# What the caller asked (service, operation, parameters), from `before-parameter-build` until
# `before-send` in the same thread.
_ASKED: ContextVar[tuple[str, str, dict[str, Any]] | None] = ContextVar("localcloud_asked", default=None)


def serve_in_process(endpoint_url: str, dispatcher: Dispatcher) -> None:
    """Answer boto3 requests for `endpoint_url` in-process, with `dispatcher`."""
    _install()
    _install_signers()
    with _LOCK:
        for netloc in _names(endpoint_url):
            _CLOUDS[netloc] = dispatcher


def stop_serving(endpoint_url: str) -> None:
    """Let requests for `endpoint_url` go over the network again (the cloud stopped)."""
    with _LOCK:
        for netloc in _names(endpoint_url):
            _CLOUDS.pop(netloc, None)


def _names(endpoint_url: str) -> list[str]:
    # moto's Step Functions interpreter calls http://localhost:$MOTO_PORT.
    parts = urlsplit(endpoint_url)
    return [parts.netloc, f"localhost:{parts.port}"]


def _install() -> None:
    import boto3
    import botocore.handlers

    with _LOCK:
        if _HANDLERS[-1] in botocore.handlers.BUILTIN_HANDLERS:
            return
        botocore.handlers.BUILTIN_HANDLERS.extend(_HANDLERS)
    # Sessions made before this point did not read the list above.
    from localcloud import clients

    for session in (boto3.DEFAULT_SESSION, clients.existing_session()):
        if session is not None:
            for event, handler in _HANDLERS:
                session.events.register(event, handler)


# What an in-process request carries in place of the HMAC: nothing here verifies one (moto does
# not, and the seam reads only the credential scope).
NOT_COMPUTED = "0" * 64


def _install_signers() -> None:
    """SigV4 (and S3's SigV4) stop short of the HMAC for a request a cloud of this process answers.

    Such a request still gets what signing adds and what the seam and moto read: the date and
    session-token headers, and an `Authorization` header with the caller's credential scope (its
    key, date, region and service), in SigV4's format. Left out is what no reader here checks: the
    canonical request, the list of signed headers (always `host;x-amz-date`) and the HMAC, about a
    tenth of an in-process call's time. Any other request (AWS itself, a presigned URL's query
    signature) is signed in full.
    """
    import botocore.auth

    with _LOCK:
        for name in ("v4", "s3v4"):
            signer = botocore.auth.AUTH_TYPE_MAPS[name]
            if not getattr(signer, "in_process_aware", False):
                botocore.auth.AUTH_TYPE_MAPS[name] = _scope_only(signer)


def _scope_only(signer: type[Any]) -> type[Any]:
    from botocore.auth import SIGV4_TIMESTAMP
    from botocore.compat import get_current_datetime
    from botocore.exceptions import NoCredentialsError

    class ScopeOnly(signer):  # type: ignore[misc]
        in_process_aware = True

        def add_auth(self, request: Any) -> None:
            if urlsplit(request.url).netloc not in _CLOUDS:
                super().add_auth(request)
                return
            if self.credentials is None:
                raise NoCredentialsError()
            request.context["timestamp"] = get_current_datetime().strftime(SIGV4_TIMESTAMP)
            self._modify_request_before_signing(request)
            request.headers["Authorization"] = (
                f"AWS4-HMAC-SHA256 Credential={self.scope(request)}, "
                f"SignedHeaders=host;x-amz-date, Signature={NOT_COMPUTED}"
            )

    ScopeOnly.__name__ = ScopeOnly.__qualname__ = f"InProcess{signer.__name__}"
    return ScopeOnly


def _remember_asked(params: Mapping[str, Any], model: OperationModel, **_kwargs: Any) -> None:
    """`before-parameter-build`: keep the caller's parameters for the seam."""
    _ASKED.set((model.service_model.service_name, model.name, dict(params)))


def _send(request: AWSPreparedRequest, event_name: str = "", **_kwargs: Any) -> AWSResponse | None:
    """`before-send`: a request for a cloud of this process is answered by its dispatcher here."""
    parts = urlsplit(request.url)
    dispatcher = _CLOUDS.get(parts.netloc)
    if dispatcher is None:
        return None
    from botocore.awsrequest import AWSResponse
    from moto.core.botocore_stubber import MockRawResponse

    environ = _environ(request, parts.netloc, parts.path, parts.query)
    environ[CALL_KEY] = _call(request, event_name)
    asked = _ASKED.get()
    try:
        response = dispatcher.handle(environ)
    finally:
        # A local function the request ran may have asked its own calls meanwhile; a retry of
        # this request must still describe this one.
        _ASKED.set(asked)
    from urllib3 import HTTPHeaderDict

    # The headers as urllib3 hands them to botocore over HTTP (a repeated one read joined).
    headers: Any = HTTPHeaderDict()  # botocore's stubs name its own class; at run time it is this
    for name, value in response.headers:
        headers.add(name, value)
    body = b"" if request.method == "HEAD" else response.body
    return AWSResponse(request.url, response.status, headers, MockRawResponse(body))


def _call(request: AWSPreparedRequest, event_name: str) -> Call:
    # event_name is "before-send.<service id>.<operation>"; the parameters are the ones that
    # `before-parameter-build` kept for that same operation.
    operation = event_name.rpartition(".")[2]
    asked = _ASKED.get()
    service, params = "", None
    if asked is not None and asked[1] == operation:
        service, _, params = asked
    agent = request.headers.get("User-Agent") or b""
    internal = INTERNAL_AGENT in (agent.decode() if isinstance(agent, bytes) else str(agent))
    return Call(service, operation, params, CURRENT_FUNCTION.get(), internal, "in-process")


def _environ(request: AWSPreparedRequest, host: str, path: str, query: str) -> dict[str, Any]:
    """The WSGI environ werkzeug's server would build for this request."""
    body = request.body
    if body is None:
        data = b""
    elif isinstance(body, bytes | bytearray):
        data = bytes(body)
    elif isinstance(body, str):
        data = body.encode("utf-8")
    else:  # a file-like (a streamed upload)
        read = body.read()
        data = read.encode("utf-8") if isinstance(read, str) else bytes(read)
    server, _, port = host.partition(":")
    raw_uri = path + (f"?{query}" if query else "")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        # As a WSGI server does: decoded, as latin-1 characters of the UTF-8 bytes.
        "PATH_INFO": unquote(path).encode("utf-8").decode("latin-1"),
        "QUERY_STRING": query,
        "RAW_URI": raw_uri,
        "REQUEST_URI": raw_uri,
        "SERVER_NAME": server,
        "SERVER_PORT": port or "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(data),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(data)),
        "HTTP_HOST": host,
    }
    for name, value in request.headers.items():
        text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = text
        elif key not in ("CONTENT_LENGTH", "HOST", "EXPECT"):
            environ[f"HTTP_{key}"] = text
    return environ


_HANDLERS: tuple[tuple[str, Any], ...] = (
    ("before-parameter-build", _remember_asked),
    ("before-send", _send),
)
