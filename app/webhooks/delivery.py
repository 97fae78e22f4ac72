"""One delivery attempt: sign the body, POST it, record what came back, and say when to retry.

The signature is `Herald-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`; a
receiver recomputes it and refuses an old `t` (the README shows how in a few lines of Python).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from app.config import Settings
from app.webhooks.models import DeliveryStatus, DeliveryTask
from app.webhooks.repository import WebhookRepository
from app.webhooks.targets import Resolver, UnsafeTarget, check_target, system_resolver

SIGNATURE_HEADER = "Herald-Signature"
# (url, body, headers, timeout) -> the status code; raises httpx.HTTPError when there is no answer.
Poster = Callable[[str, bytes, Mapping[str, str], float], int]


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `Herald-Signature` value of `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def body_of(task: DeliveryTask) -> bytes:
    """The bytes POSTed (and signed): the event as compact JSON."""
    return json.dumps(task.payload, separators=(",", ":"), sort_keys=True).encode()


def httpx_post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
    """POST with httpx: no redirects (one could point inside), a short timeout."""
    import httpx

    response = httpx.post(url, content=body, headers=dict(headers), timeout=timeout, follow_redirects=False)
    return response.status_code


@dataclass(frozen=True)
class Outcome:
    """What an attempt came to: `retry_in` seconds before the next one when it is `retrying`."""

    status: DeliveryStatus | None  # None: nothing to deliver any more (endpoint removed, expired)
    retry_in: int = 0


def attempt(
    task: DeliveryTask,
    number: int,
    *,
    repo: WebhookRepository,
    settings: Settings,
    post: Poster = httpx_post,
    resolve: Resolver = system_resolver,
    now: Callable[[], float] = time.time,
) -> Outcome:
    """Attempt `number` (1 for the first) of a delivery; a redelivered finished one is not sent again."""
    record = repo.get(task.owner_id, task.endpoint_id)
    current = repo.delivery(task.owner_id, task.endpoint_id, task.delivery_sk)
    if record is None or current is None:
        return Outcome(None)
    if current.status in ("delivered", "failed"):
        return Outcome(current.status)
    body = body_of(task)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Herald-Webhooks/1",
        "Herald-Event": task.event_type,
        "Herald-Delivery": task.delivery_id,
        SIGNATURE_HEADER: signature(record.secret, int(now()), body),
    }
    code: int | None = None
    error = ""
    try:
        check_target(record.endpoint.url, local=settings.stage == "local", resolve=resolve)
        code = post(record.endpoint.url, body, headers, settings.webhook_timeout_seconds)
    except UnsafeTarget as exc:
        error = str(exc)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    delays = settings.webhook_retry_delays
    if code is not None and 200 <= code < 300:
        status: DeliveryStatus = "delivered"
    else:
        status = "failed" if number > len(delays) else "retrying"
        error = error or f"HTTP {code}"
    repo.record_attempt(
        task.owner_id, task.endpoint_id, task.delivery_sk, status=status, status_code=code, error=error
    )
    return Outcome(status, retry_in=delays[number - 1] if status == "retrying" else 0)
