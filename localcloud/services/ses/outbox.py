"""The outbox: mail SES accepted, with what moto drops (text + HTML, headers) kept aside.

A send through a configuration set that tracks opens or clicks is rewritten first, as SES
does (`tracking`): moto, the outbox and the reader see the tracked HTML.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import re
import threading
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

from localcloud.context import Core, ServiceState
from localcloud.dispatch import Exchange
from localcloud.server import StateLock, WsgiResponse
from localcloud.services.ses.tracking import Tracking

_V2_SEND_PATH = "/v2/email/outbound-emails"
_V1_SEND_ACTIONS = ("Action=SendEmail", "Action=SendRawEmail", "Action=SendTemplatedEmail")
_V1_MESSAGE_ID = re.compile(rb"<MessageId>([^<]+)</MessageId>")


class MailCapture(ServiceState):
    """Records each send's details by MessageId (moto keeps only one body and no headers)."""

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self._lock = threading.Lock()
        self._details: dict[str, dict[str, Any]] = {}
        # Open and click tracking of the configuration sets whose events include them.
        self.tracking = Tracking(core)

    def __call__(self, exchange: Exchange) -> WsgiResponse | None:
        """Forward SES sends to moto (tracked ones rewritten) and remember what moto would not."""
        if exchange.method != "POST":
            return None
        if exchange.path.rstrip("/") == _V2_SEND_PATH:
            request = exchange.json()
            prepared = self.tracking.prepare(request)
            if prepared is None:
                response = exchange.forward()
            else:
                request = prepared.request
                response = exchange.forward(json.dumps(request).encode())
            message_id = (response.json_body() or {}).get("MessageId")
            if response.status == 200 and message_id:
                self._remember(str(message_id), _v2_details(request))
                if prepared is not None:
                    self.tracking.accepted(prepared, str(message_id))
            return response
        content_type = str(exchange.environ.get("CONTENT_TYPE", ""))
        if content_type.startswith("application/x-www-form-urlencoded"):
            if any(action in exchange.body.decode("utf-8", "replace") for action in _V1_SEND_ACTIONS):
                response = exchange.forward()
                match = _V1_MESSAGE_ID.search(response.body)
                if response.status == 200 and match:
                    self._remember(match.group(1).decode(), {})
                return response
        return None

    def _remember(self, message_id: str, details: dict[str, Any]) -> None:
        details["sent_at"] = dt.datetime.now(dt.UTC).isoformat()
        with self._lock:
            self._details[message_id] = details

    def details(self, message_id: str) -> dict[str, Any]:
        """What was captured for `message_id` ({} when nothing)."""
        with self._lock:
            return dict(self._details.get(message_id, {}))

    def dump(self) -> dict[str, dict[str, Any]]:
        """A copy for the snapshot."""
        with self._lock:
            return {key: dict(value) for key, value in self._details.items()}

    def load(self, details: Mapping[str, dict[str, Any]]) -> None:
        """Restore from a snapshot."""
        with self._lock:
            self._details = {key: dict(value) for key, value in details.items()}


def _v2_details(request: Mapping[str, Any]) -> dict[str, Any]:
    content = request.get("Content") or {}
    simple = content.get("Simple") or {}
    body = simple.get("Body") or {}
    headers = {str(h["Name"]): str(h["Value"]) for h in simple.get("Headers") or []}
    return {
        "html": (body.get("Html") or {}).get("Data"),
        "text": (body.get("Text") or {}).get("Data"),
        "headers": headers,
        "reply_to": list(request.get("ReplyToAddresses") or []),
        "configuration_set": request.get("ConfigurationSetName"),
        "tags": {str(t["Name"]): str(t["Value"]) for t in request.get("EmailTags") or []},
    }


def outbox(*, account_id: str, region: str, capture: MailCapture, lock: StateLock) -> list[dict[str, Any]]:
    """Every message SES accepted in this account, newest first."""
    from moto.ses.models import ses_backends

    with lock.shared():
        if account_id not in ses_backends or region not in ses_backends[account_id]:
            return []
        sent = list(ses_backends[account_id][region].sent_messages)
    return [_entry(message, capture) for message in reversed(sent)]


def _entry(message: Any, capture: MailCapture) -> dict[str, Any]:
    message_id = str(getattr(message, "id", "") or ",".join(getattr(message, "ids", [])))
    details = capture.details(message_id)
    raw = getattr(message, "raw_data", None)
    if raw is not None:
        entry = _parse_raw(str(raw))
        entry.update(id=message_id, raw=str(raw), sent_at=details.get("sent_at"))
        if not entry["to"]:
            entry["to"] = list(getattr(message, "destinations", []))
        return entry
    destinations: Mapping[str, list[str]] = getattr(message, "destinations", {}) or {}
    body = getattr(message, "body", None)
    html, text = details.get("html"), details.get("text")
    if not details and body is not None:
        html, text = (body, None) if _looks_like_html(str(body)) else (None, body)
    return {
        "id": message_id,
        "from": getattr(message, "source", ""),
        "to": list(destinations.get("ToAddresses", [])) if isinstance(destinations, Mapping) else [],
        "cc": list(destinations.get("CcAddresses", [])) if isinstance(destinations, Mapping) else [],
        "bcc": list(destinations.get("BccAddresses", [])) if isinstance(destinations, Mapping) else [],
        "subject": getattr(message, "subject", None) or getattr(message, "template", ""),
        "html": html,
        "text": text,
        "headers": details.get("headers", {}),
        "configuration_set": details.get("configuration_set"),
        "tags": details.get("tags", {}),
        "sent_at": details.get("sent_at"),
        "tracked_links": capture.tracking.links(message_id),
    }


def _looks_like_html(body: str) -> bool:
    return bool(re.search(r"<(html|body|p|div|a|br|table|b|strong)\b", body, re.IGNORECASE))


def _parse_raw(raw: str) -> dict[str, Any]:
    # The default policy builds EmailMessage objects (get_body and friends).
    parsed = email.message_from_string(raw, policy=email.policy.default)
    html_part = parsed.get_body(preferencelist=("html",))
    text_part = parsed.get_body(preferencelist=("plain",))
    return {
        "from": str(parsed.get("From", "")),
        "to": _addresses(parsed, "To"),
        "cc": _addresses(parsed, "Cc"),
        "bcc": _addresses(parsed, "Bcc"),
        "subject": str(parsed.get("Subject", "")),
        "html": html_part.get_content() if html_part is not None else None,
        "text": text_part.get_content() if text_part is not None else None,
        "headers": {key: str(value) for key, value in parsed.items()},
        "configuration_set": None,
        "tags": {},
    }


def _addresses(message: EmailMessage, header: str) -> list[str]:
    value = message.get(header)
    if value is None:
        return []
    addresses = getattr(value, "addresses", ())
    return [str(address.addr_spec) for address in addresses] or [str(value)]
