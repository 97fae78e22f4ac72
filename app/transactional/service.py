"""Transactional send: one message to one address, at most once per idempotency key.

The API function sends it itself, synchronously: the caller learns in the same answer whether SES
took the message, and there is no queue to watch. At most once: the message (and its key) is
claimed with a conditional write before SES is called, and a claim is never sent again. A retry
with the same key gets the first message back (its status as it is now), never a second email; if
the function died between the claim and SES's answer, the message stays `queued` (whether SES took
it is unknown, so it is not sent again). SES's own refusal for throttling releases the key, so the
retry can send; any other refusal marks the message `failed` (422 `message_rejected`, for the
retries too).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.utils import formataddr
from typing import TYPE_CHECKING

from app import mail
from app.aws import error_code
from app.config import Settings
from app.contacts.models import new_id
from app.contacts.suppression import SuppressionRepository
from app.delivery.sender import THROTTLED
from app.digests import hex_digest
from app.errors import Conflict, InvalidInput, TooManyRequests, found
from app.mail import SendBudget
from app.observability import logger
from app.owned import OwnedReads
from app.templates import service as templates
from app.templates.models import TemplateBody
from app.templates.repository import TemplateRepository
from app.transactional.models import TxFromTemplate, TxInline, TxMessage, TxMessagePage, TxSend
from app.transactional.repository import MessageRepository

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

SEND_WAIT_SECONDS = 1  # how long a message waits for the SES rate's share before a 429


@dataclass(frozen=True)
class Sent:
    """The answer to a send: the message, and whether it is the answer to an earlier request."""

    message: TxMessage
    replayed: bool


# One of the owner's messages and a page of them (newest first): GET /api/tx/messages[/{message_id}]
# (a page's cursor is sealed to `tx:<owner>`).
reads = OwnedReads("message", TxMessage, TxMessagePage, scope="tx")
_not_found = reads.missing


def fingerprint(cmd: TxSend) -> str:
    """What makes two requests the same request (a retry), whatever their JSON's key order."""
    canonical = json.dumps(cmd.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hex_digest(canonical)


def _replay(owner_id: str, client_key: str, print_: str, *, messages: MessageRepository) -> Sent | None:
    """The first answer for this key, if it was used; 422 when it was used for another request."""
    use = messages.key_use(owner_id, client_key)
    if use is None:
        return None
    if use.fingerprint != print_:
        raise Conflict(
            "This Idempotency-Key was used for a different request; use a new key for a new message.",
            code="idempotency_key_reused",
        )
    message = found(messages.get(owner_id, use.message_id, consistent=True), _not_found)
    if message.status == "failed":
        raise _rejected(message.id, message.reason or "")
    return Sent(message, replayed=True)


def _rejected(message_id: str, reason: str) -> InvalidInput:
    return InvalidInput(
        f"The mail service refused the message: {reason}",
        code="message_rejected",
        details=[{"message_id": message_id, "reason": reason}],
    )


def _content(owner_id: str, cmd: TxSend, *, repo: TemplateRepository) -> TemplateBody:
    if isinstance(cmd, TxInline):
        return TemplateBody(
            name="inline", subject=cmd.subject, html_body=cmd.html_body, text_body=cmd.text_body
        )
    return templates.reads.one(owner_id, cmd.template_id, repo=repo)


def send_message(
    owner_id: str,
    cmd: TxSend,
    *,
    client_key: str | None,
    templates_repo: TemplateRepository,
    messages: MessageRepository,
    suppressions: SuppressionRepository,
    budget: SendBudget,
    ses: SESV2Client,
    settings: Settings,
    correlation_id: str | None,
) -> Sent:
    """Render and send one message (404 template, 409 suppressed or a key reused for another body,
    422 template error, 429 past the account's hourly messages or the SES rate's share)."""
    print_ = fingerprint(cmd)
    if client_key is not None and (earlier := _replay(owner_id, client_key, print_, messages=messages)):
        return earlier
    content = _content(owner_id, cmd, repo=templates_repo)
    if suppressions.suppressed_among(owner_id, [cmd.to]):
        raise Conflict(
            "The address is on your suppression list (unsubscribed, bounced, complained or erased); "
            "nothing was sent.",
            code="suppressed",
        )
    rendered = templates.render(content, to=cmd.to, data=cmd.data)
    budget.take_transactional(owner_id, settings=settings)  # the account's own limit first
    budget.take_second("transactional", settings=settings, wait=SEND_WAIT_SECONDS)
    claimed = messages.claim(
        owner_id,
        new_id(),
        to=cmd.to,
        subject=rendered.subject,
        template_id=cmd.template_id if isinstance(cmd, TxFromTemplate) else None,
        client_key=client_key,
        fingerprint=print_,
        correlation_id=correlation_id,
    )
    if claimed is None:  # a request with the same key claimed it a moment ago
        assert client_key is not None  # only a key can be taken
        return found(_replay(owner_id, client_key, print_, messages=messages), _not_found)
    try:
        ses_message_id = mail.send_email(
            to=cmd.to,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            ses=ses,
            settings=settings,
            from_address=formataddr((cmd.from_name, settings.sender_email)),
            reply_to=cmd.reply_to,
            tags={"owner": owner_id, "tx": claimed.id},
        )
    except Exception as exc:
        _refused(owner_id, claimed, client_key, exc, messages=messages)
        raise  # no AWS error code: SES may or may not have it; the message stays queued
    sent = messages.transition(
        owner_id, claimed.id, allowed=("queued",), to="sent", ses_message_id=ses_message_id
    )
    logger.info("transactional message sent", extra={"message_id": claimed.id})
    return Sent(
        sent or found(messages.get(owner_id, claimed.id, consistent=True), _not_found), replayed=False
    )


def _refused(
    owner_id: str, claimed: TxMessage, client_key: str | None, exc: Exception, *, messages: MessageRepository
) -> None:
    """SES answered with an error: nothing was sent. Throttling frees the key for the retry (429);
    any other refusal is the message's outcome (422 message_rejected, and on every retry)."""
    code = error_code(exc)
    if not code:
        return
    reason = f"{code}: {getattr(exc, 'response', {}).get('Error', {}).get('Message', '')}".strip(": ")
    messages.transition(owner_id, claimed.id, allowed=("queued",), to="failed", reason=reason)
    if code in THROTTLED:
        if client_key is not None:
            messages.forget_key(owner_id, client_key)
        raise TooManyRequests(
            "Herald is sending as fast as its mail service allows; try again in a second.",
            retry_after=1,
            code="send_rate_limited",
        ) from exc
    raise _rejected(claimed.id, reason) from exc
