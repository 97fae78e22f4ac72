"""S3 CORS as S3 evaluates it, from the bucket's stored rules (moto's server echoes any Origin).

moto answers every response with `Access-Control-Allow-Origin: <whatever Origin was sent>` and
a preflight on an object key with 403, so a browser locally would pass where S3 refuses it, or
fail where S3 allows it. For requests to a bucket of this cloud that carry an `Origin`, the
dispatcher answers the preflight itself and replaces moto's CORS headers on the response with
those of the first matching rule (none when no rule matches).

Local difference: a rule that allows a loopback origin (`http://127.0.0.1:8000`) allows every
loopback origin of the same scheme, whatever its port or loopback name: uvicorn and the SPA's
dev server run on any port locally, while the template names one.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from localcloud.context import Core, ServiceState
from localcloud.dispatch import Exchange
from localcloud.server import WsgiResponse

_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
_NOT_ALLOWED = (
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, "
    "request method / Access-Control-Request-Method or Access-Control-Requet-Headers are not whitelisted "
    "by the resource's CORS spec."
)


@dataclass(frozen=True)
class CorsRule:
    """One CORSRule of a bucket."""

    allowed_origins: tuple[str, ...]
    allowed_methods: tuple[str, ...]
    allowed_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age_seconds: int | None = None


def _wildcard(pattern: str, value: str) -> bool:
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), value) is not None


def _loopback(origin: str) -> tuple[str, str] | None:
    parts = urlsplit(origin)
    return (parts.scheme, "loopback") if parts.hostname in _LOOPBACK else None


def origin_allowed(origin: str, allowed: str) -> bool:
    """S3's origin match (one `*` wildcard allowed), plus the local loopback rule."""
    if allowed == "*" or _wildcard(allowed, origin):
        return True
    here = _loopback(origin)
    return here is not None and here == _loopback(allowed)


def matching_rule(
    rules: Sequence[CorsRule], origin: str, method: str, request_headers: Sequence[str] = ()
) -> tuple[CorsRule, str] | None:
    """The first rule that allows the origin, the method and every requested header (and its origin)."""
    for rule in rules:
        allowed = next((o for o in rule.allowed_origins if origin_allowed(origin, o)), None)
        if allowed is None or method.upper() not in (m.upper() for m in rule.allowed_methods):
            continue
        patterns = [pattern.lower() for pattern in rule.allowed_headers]
        if all(any(_wildcard(p, header.lower()) for p in patterns) for header in request_headers):
            return rule, allowed
    return None


def _allow_headers(rule: CorsRule, allowed_origin: str, origin: str) -> list[tuple[str, str]]:
    headers = [
        ("Access-Control-Allow-Origin", "*" if allowed_origin == "*" else origin),
        ("Access-Control-Allow-Methods", ", ".join(rule.allowed_methods)),
    ]
    if allowed_origin != "*":
        headers.append(("Access-Control-Allow-Credentials", "true"))
    if rule.expose_headers:
        headers.append(("Access-Control-Expose-Headers", ", ".join(rule.expose_headers)))
    if rule.max_age_seconds is not None:
        headers.append(("Access-Control-Max-Age", str(rule.max_age_seconds)))
    return headers


def _forbidden(message: str, method: str, resource_type: str) -> WsgiResponse:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>AccessForbidden</Code><Message>{message}</Message><Method>{method}</Method>"
        f"<ResourceType>{resource_type}</ResourceType><RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId>"
        "</Error>"
    )
    return WsgiResponse(403, [("Content-Type", "application/xml")], body.encode())


class BucketCors(ServiceState):
    """The dispatcher's interceptor for cross-origin requests to this cloud's buckets."""

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self._account_id = core.account_id
        self._lock = core.state_lock

    def __call__(self, exchange: Exchange) -> WsgiResponse | None:
        """Answer a preflight; fix the CORS headers of any other request; ignore the rest."""
        origin = exchange.header("Origin")
        if not origin:
            return None
        bucket, _, key = unquote(exchange.path).lstrip("/").partition("/")
        rules = self._rules(bucket) if bucket else None
        if rules is None:
            return None  # not a bucket of ours: another service, or S3 answering NoSuchBucket
        if exchange.method == "OPTIONS":
            return self._preflight(exchange, origin, rules, "OBJECT" if key else "BUCKET")
        response = exchange.forward()
        headers = [
            (name, value)
            for name, value in response.headers
            if not name.lower().startswith("access-control-") and name.lower() != "vary"
        ]
        match = matching_rule(rules, origin, exchange.method)
        if match is not None:
            headers.extend(_allow_headers(match[0], match[1], origin))
        headers.append(("Vary", _VARY))
        return WsgiResponse(response.status, headers, response.body)

    def _preflight(
        self, exchange: Exchange, origin: str, rules: list[CorsRule], resource: str
    ) -> WsgiResponse:
        method = exchange.header("Access-Control-Request-Method")
        if not method:
            return WsgiResponse(400, [("Content-Type", "application/xml")], b"")
        requested = [
            name.strip() for name in (exchange.header("Access-Control-Request-Headers") or "").split(",")
        ]
        requested = [name for name in requested if name]
        if not rules:
            return _forbidden("CORSResponse: CORS is not enabled for this bucket.", method, resource)
        match = matching_rule(rules, origin, method, requested)
        if match is None:
            return _forbidden(_NOT_ALLOWED, method, resource)
        headers = _allow_headers(match[0], match[1], origin)
        if requested:
            headers.append(("Access-Control-Allow-Headers", ", ".join(requested)))
        headers.append(("Vary", _VARY))
        return WsgiResponse(200, headers)

    def _rules(self, bucket: str) -> list[CorsRule] | None:
        """The bucket's CORS rules ([] without a configuration), or None when it is not our bucket."""
        from moto.s3.models import s3_backends

        with self._lock.shared():
            found: Any = s3_backends[self._account_id]["aws"].buckets.get(bucket)
            if found is None:
                return None
            return [
                CorsRule(
                    allowed_origins=tuple(rule.allowed_origins or ()),
                    allowed_methods=tuple(rule.allowed_methods or ()),
                    allowed_headers=tuple(rule.allowed_headers or ()),
                    expose_headers=tuple(rule.exposed_headers or ()),
                    max_age_seconds=int(rule.max_age_seconds) if rule.max_age_seconds is not None else None,
                )
                for rule in found.cors or []
            ]
