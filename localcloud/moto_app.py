"""moto's server app, and its handlers called without Flask for the in-process transport.

moto's server (`DomainDispatcherApplication`) picks a Flask app per service, and Flask then pushes
its contexts, routes the path, runs the handler, runs flask-cors and builds the response: about a
sixth of a campaign's CPU went to that wrapping, not to moto. `MotoApp.answer` keeps moto's own
choices (the same service app, the same URL map, the same handler, request class and response
class) and calls the handler directly. Left out: Flask's contexts (no moto handler of a service
the cloud serves reads `flask.request`) and flask-cors' headers, which only a browser reads; a
browser, the AWS CLI and every other request over the loopback port still get Flask's answer.
A request the URL map does not route (Flask's 404 or 405) goes through Flask too.
"""

from __future__ import annotations

from typing import Any

from localcloud.server import StartResponse, WsgiResponse, complete

ENDPOINTS_KEPT = 1024


class MotoApp:
    """moto's WSGI app (`__call__`, with Flask), and `answer`: the same handler, without Flask."""

    def __init__(self) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        self._domains = DomainDispatcherApplication(create_backend_app)
        # (service app, method, path) -> the endpoint its URL map matched: most services take
        # every request at one path, and matching walks every rule of the map.
        self._endpoints: dict[tuple[Any, str, str], str] = {}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Any:
        return self._domains(environ, start_response)

    def answer(self, environ: dict[str, Any]) -> WsgiResponse:
        """moto's complete response, from the handler its Flask app would route the request to."""
        from werkzeug.exceptions import HTTPException

        app = self._domains.get_application(environ)
        endpoint = self._endpoint(app, environ)
        if endpoint is None:  # no route: Flask's own answer (404, 405)
            return complete(self._domains, environ)
        view = app.view_functions[endpoint]
        try:
            response = _respond(getattr(view, "callback", None), environ)
        except HTTPException as exc:  # Flask answers these with the exception's own response
            return complete(exc, environ)
        return complete(response, environ) if response is not None else complete(self._domains, environ)

    def _endpoint(self, app: Any, environ: dict[str, Any]) -> str | None:
        """The endpoint `app`'s URL map routes the request to (None: it routes it nowhere). Its
        rules name paths alone, so a match is kept by method and path (S3's paths name buckets
        and keys: at most `ENDPOINTS_KEPT` are kept)."""
        from werkzeug.exceptions import HTTPException

        key = (app, str(environ.get("REQUEST_METHOD", "")), str(environ.get("PATH_INFO", "")))
        endpoint = self._endpoints.get(key)
        if endpoint is not None:
            return endpoint
        try:
            endpoint, _ = app.url_map.bind_to_environ(environ).match()
        except HTTPException:
            return None
        endpoint = str(endpoint)
        if not app.url_map.host_matching and len(self._endpoints) < ENDPOINTS_KEPT:
            self._endpoints[key] = endpoint
        return endpoint


def _respond(handler: Any, environ: dict[str, Any]) -> Any:
    """What moto's `convert_to_flask_response` returns for `handler` (None: not a moto view)."""
    if handler is None:
        return None
    from botocore.exceptions import ClientError
    from flask import Response
    from moto.moto_api import recorder
    from moto.moto_server.werkzeug_app import BackendRequest

    request = BackendRequest(environ)
    recorder._record_request(request)
    try:
        result = handler(request, request.raw_url, dict(request.headers))
    except ClientError as exc:
        result = 400, {}, exc.response["Error"]["Message"]
    if len(result) == 3:
        status, headers, content = result
    else:
        status, headers, content = 200, {}, result
    response = Response(response=content, status=status, headers=headers)
    if request.method == "HEAD" and "content-length" in headers:
        response.headers["Content-Length"] = headers["content-length"]
    return response
