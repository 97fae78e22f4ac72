"""The senders: each send-queue batch is mailed through SES, every recipient at most once.

Exactly once, in practice at most once: before calling SES a sender claims the recipient with a
conditional write (pending -> claimed, with its attempt id = SQS message id + receive count),
and records `sent` with SES's message id after. A redelivered batch skips recipients already
sent; one still `claimed` by an earlier attempt is never mailed again: it is counted `failed`
(reason `interrupted`). That earlier attempt is dead: SQS redelivers only after the visibility
timeout, which the template sets to six times the sender's Lambda timeout. The window: a
crash between SES accepting a message and the `sent` write makes that recipient `failed` though
the mail went out. Throttling releases the claim (back to pending) and reports the batch as a
failure, so SQS brings it back; recipients sent before the throttle are skipped then.

A batch is counted once (its number joins the campaign's `done_batches` set); the sender whose
count makes `batches_done == batches_total` resumes the execution with the totals. WaitForSender
(wait.py) stores the token and resumes itself when the senders finished before it ran.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formataddr
from typing import TYPE_CHECKING

from app.aws import error_code
from app.campaigns.rendering import CompiledCampaign, RenderFailed, context
from app.campaigns.repository import CampaignRecord, CampaignRepository
from app.config import Settings
from app.delivery import sender
from app.delivery.models import SENT_LIKE, DeliveryState, SendBatch
from app.delivery.queue import Resumer
from app.delivery.repository import RecipientRecord, RecipientRepository
from app.delivery.sender import TokenBucket
from app.observability import bind_correlation_id, logger
from app.preferences.tokens import Reader, preferences_url
from app.unsubscribe.links import links_for
from app.unsubscribe.tokens import UnsubscribeTarget

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

# Sends are recorded (one BatchWriteItem) every this many messages: soon enough that SES events,
# which come seconds after a send, find it recorded; a crash loses at most these records (those
# recipients then count `failed`/interrupted, see above).
SENT_RECORD_GROUP = 10


class RetryBatch(Exception):
    """The batch stops here and comes back from the queue (SES throttled us, or an upstream failed)."""


@dataclass
class SenderKit:
    """What one send-worker invocation shares across its batches."""

    campaigns: CampaignRepository
    recipients: RecipientRepository
    ses: SESV2Client
    resumer: Resumer
    settings: Settings
    limiter: TokenBucket
    signing_key: Callable[[], bytes]
    _compiled: dict[str, CompiledCampaign] = field(default_factory=dict)

    def campaign(self, owner_id: str, campaign_id: str) -> tuple[CampaignRecord, CompiledCampaign] | None:
        """The campaign as it is now (read for every batch, so a pause stops the next batch) and
        its compiled templates (compiled once per invocation: a sending campaign cannot be edited)."""
        record = self.campaigns.get_record(owner_id, campaign_id)
        if record is None:
            return None
        key = f"{owner_id}/{campaign_id}"
        if key not in self._compiled:
            content = record.campaign
            self._compiled[key] = CompiledCampaign(
                subject=content.subject, html_body=content.html_body, text_body=content.text_body
            )
        return record, self._compiled[key]


@dataclass
class _Tally:
    sent: int = 0
    failed: int = 0
    claimed: list[tuple[RecipientRecord, str]] = field(default_factory=list)


def send_batch(batch: SendBatch, attempt: str, *, kit: SenderKit) -> str:
    """Send a batch's recipients at most once each; returns "done", "counted" or "skipped".

    Raises RetryBatch (after releasing its claim) when SES throttles or an upstream fails.
    """
    bind_correlation_id(batch.correlation_id)
    found = kit.campaign(batch.owner_id, batch.campaign_id)
    if found is None or found[0].status != "sending":
        logger.info(
            "batch for a campaign that is not sending; dropped", extra={"campaign_id": batch.campaign_id}
        )
        return "skipped"
    record, compiled = found
    tally = _Tally()
    key = kit.signing_key()
    try:
        for email in batch.emails:
            _send_one(batch, email, attempt, record=record, compiled=compiled, key=key, kit=kit, tally=tally)
            if len(tally.claimed) >= SENT_RECORD_GROUP:
                kit.recipients.mark_sent(tally.claimed)
                tally.claimed.clear()
    finally:
        kit.recipients.mark_sent(tally.claimed)  # what went out is recorded even when the batch stops
    counted = kit.campaigns.complete_batch(
        batch.owner_id, batch.campaign_id, batch.batch, {"sent": tally.sent, "failed": tally.failed}
    )
    if counted is None:
        return "counted"  # a redelivery of a batch that was already counted
    if counted.all_done() and counted.task_token:
        kit.resumer.resume(counted.task_token, DeliveryState.of(counted, "done").model_dump())
        logger.info("last batch done; execution resumed", extra={"campaign_id": batch.campaign_id})
    return "done"


def _send_one(
    batch: SendBatch,
    email: str,
    attempt: str,
    *,
    record: CampaignRecord,
    compiled: CompiledCampaign,
    key: bytes,
    kit: SenderKit,
    tally: _Tally,
) -> None:
    owner_id, campaign_id = batch.owner_id, batch.campaign_id
    claim = kit.recipients.claim(owner_id, campaign_id, email, attempt)
    current = claim.recipient
    if current is None:
        return  # the campaign's recipients are gone (it was deleted)
    if not claim.won:
        if current.status in SENT_LIKE:
            tally.sent += 1
        elif current.status == "failed":
            tally.failed += 1
        elif current.status == "claimed" and current.attempt != attempt:
            # Its attempt is dead (see the module docstring): never mail twice, count it failed.
            if kit.recipients.fail(owner_id, campaign_id, email, str(current.attempt), "interrupted"):
                logger.warning("recipient claimed by a dead attempt; not resent", extra={"email": email})
            tally.failed += 1
        return
    try:
        message = _message(current, record=record, compiled=compiled, key=key, settings=kit.settings)
    except RenderFailed as exc:
        kit.recipients.fail(owner_id, campaign_id, email, attempt, f"render_error: {exc}"[:500])
        tally.failed += 1
        return
    kit.limiter.acquire()
    try:
        message_id = sender.send(message, ses=kit.ses, configuration_set=kit.settings.ses_configuration_set)
    except Exception as exc:
        code = error_code(exc)
        if code in sender.RECIPIENT_ERRORS:
            kit.recipients.fail(owner_id, campaign_id, email, attempt, f"{code}: {exc}"[:500])
            tally.failed += 1
            return
        kit.recipients.release(owner_id, campaign_id, email, attempt)
        logger.info("send stopped; the batch comes back", extra={"error": code or type(exc).__name__})
        raise RetryBatch(code or type(exc).__name__) from exc
    tally.claimed.append((current, message_id))
    tally.sent += 1


def _message(
    recipient: RecipientRecord,
    *,
    record: CampaignRecord,
    compiled: CompiledCampaign,
    key: bytes,
    settings: Settings,
) -> sender.Message:
    content = record.campaign
    target = UnsubscribeTarget(
        owner_id=record.owner_id, list_id=recipient.list_id, campaign_id=record.id, email=recipient.email
    )
    page_url, one_click_url = links_for(settings.app_url, target, key=key)
    rendered = compiled.render(
        context(
            email=target.email,
            name=recipient.name,
            attributes=recipient.attributes,
            unsubscribe_url=page_url,
            campaign_name=content.name,
            subject=content.subject,
            preferences_url=preferences_url(settings.app_url, Reader(record.owner_id, target.email), key=key),
        )
    )
    return sender.Message(
        to=target.email,
        from_address=formataddr((content.from_name, settings.sender_email)),
        reply_to=content.reply_to,
        subject=rendered.subject,
        html=rendered.html,
        text=rendered.text,
        one_click_url=one_click_url,
        tags={"campaign": target.campaign_id, "owner": target.owner_id},
    )
