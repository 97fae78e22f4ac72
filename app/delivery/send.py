"""The senders: each send-queue batch is mailed through SES, every recipient at most once.

Exactly once, in practice at most once: before calling SES a sender claims the batch's next
addresses (at most SENT_RECORD_GROUP) by moving the batch's cursor from where it found it to past
them, one conditional write (batches.py), and records them `sent` with SES's message ids after,
one BatchWriteItem. So every address is claimed by exactly one attempt (attempt id = SQS message
id + receive count). A redelivered batch finds the cursor where earlier attempts left it: of the
addresses before it, those recorded are counted, and one still unrecorded belongs to an attempt
that is dead and is never mailed again: it is counted `failed` (reason `interrupted`). That earlier
attempt is dead: SQS redelivers only after the visibility timeout, which the template sets to six
times the sender's Lambda timeout. The window: a crash after SES accepted a message and before
the range's `sent` write makes each unrecorded address of that range (at most SENT_RECORD_GROUP,
some perhaps not yet mailed) `failed`, though mail may have gone out; a resend to the failed
mails those that were not. An attempt that stops by itself (throttled, out of time, or any
exception) records what went out and moves the cursor back to the first address it did not send.
Throttling stops the batch that way and reports it as a failure, so SQS brings it back. On the
batch's LAST_RECEIVE-th delivery the sender gives up instead: the recipient SES refused and those
after it end `failed` (reason `throttled: ...`), the batch is counted and the campaign finishes;
a resend to the failed (resend.py) mails them later, once.

Opt-outs win: a batch starts with one BatchGetItem of its subscribers and their suppressions, and
a recipient who unsubscribed, was removed or suppressed since the audience was frozen is not
mailed (`failed`, reason `opted_out: ...`). A sender with less than SENDER_RESERVE_SECONDS of its
Lambda time left takes no further recipient: it puts the batch back on the queue (those already
done are recorded, and the cursor is back at the first not sent) and the batch is counted by
whichever attempt finishes it.

A batch is counted once (its batch item becomes done in the transaction that adds its counts to
the campaign); the sender whose count completes the campaign resumes the execution with the
totals. Others send a heartbeat (the wait's timeout counts from the last batch done), or resume
it with `pending` when the queue's window runs low (start.top_up). WaitForSender (wait.py)
stores the token and resumes itself when the senders finished before it ran. A batch of a paused
campaign is parked for the resume (pause.py), unless the campaign was resumed meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from email.utils import formataddr
from typing import TYPE_CHECKING

from app.aws import error_code
from app.campaigns.rendering import CompiledCampaign, RenderFailed, context
from app.campaigns.repository import CampaignRecord, CampaignRepository
from app.config import Settings
from app.delivery import sender, start
from app.delivery.batches import BatchRepository
from app.delivery.filters import OPTED_OUT
from app.delivery.models import SENT_LIKE, DeliveryState, SendBatch
from app.delivery.queue import BatchQueue, Resumer
from app.delivery.repository import RecipientRecord, RecipientRepository
from app.delivery.sender import TokenBucket
from app.observability import bind_correlation_id, logger
from app.preferences.tokens import Reader, preferences_url
from app.unsubscribe.links import links_for, untracked
from app.unsubscribe.tokens import UnsubscribeTarget

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

# Addresses claimed at once, and sends recorded (one BatchWriteItem) together: soon enough that SES
# events, which come seconds after a send, find it recorded; a crash loses at most these records
# (those recipients then count `failed`/interrupted, see above).
SENT_RECORD_GROUP = 10
# What one more recipient may need at worst (a render, the rate limiter, two SES attempts of the
# campaign client's timeouts), plus recording the batch: a sender never starts one with less left.
SENDER_RESERVE_SECONDS = 30.0
# The delivery of a batch from the send queue that is its last try: the queue's maxReceiveCount
# (10, template.yaml) leaves two more for a sender that dies during it.
LAST_RECEIVE = 8


class RetryBatch(Exception):
    """The batch stops here and comes back from the queue (SES throttled us, or an upstream failed)."""


@dataclass
class SenderKit:
    """What one send-worker invocation shares across its batches."""

    campaigns: CampaignRepository
    recipients: RecipientRepository
    batches: BatchRepository
    queue: BatchQueue
    ses: SESV2Client
    resumer: Resumer
    settings: Settings
    limiter: TokenBucket
    signing_key: Callable[[], bytes]
    # Seconds left of the invocation (the Lambda context's remaining time): no recipient is begun
    # with less than SENDER_RESERVE_SECONDS left.
    time_left: Callable[[], float] = field(default=lambda: float("inf"))
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
    resendable: int = 0  # of the failed, those a resend to the failed would mail
    claimed: list[tuple[RecipientRecord, str]] = field(default_factory=list)
    gave_up: str | None = None  # the last try was refused: the rest fail with this reason

    def fail(self, recipient: RecipientRecord, reason: str) -> None:
        """One more recipient failed, for `reason`."""
        self.failed += 1
        if replace(recipient, status="failed", reason=reason).resendable():
            self.resendable += 1

    def settled(self, recipient: RecipientRecord) -> bool:
        """Count a recipient already sent or failed as it is; False for one still to settle."""
        if recipient.status in SENT_LIKE:
            self.sent += 1
        elif recipient.status == "failed":
            self.fail(recipient, recipient.reason or "")
        else:
            return False
        return True


@dataclass
class _Run:
    """One attempt at one batch: what each recipient's send reads, and the tally they keep."""

    batch: SendBatch
    attempt: str
    record: CampaignRecord
    compiled: CompiledCampaign
    key: bytes
    kit: SenderKit
    last_try: bool
    tally: _Tally = field(default_factory=_Tally)

    def fail(self, recipient: RecipientRecord, reason: str) -> None:
        """A recipient this attempt claimed is not mailed, for `reason` (kept on the recipient)."""
        reason = reason[:500]
        self.kit.recipients.fail(
            recipient.owner_id, recipient.campaign_id, recipient.email, self.attempt, reason
        )
        self.tally.fail(recipient, reason)


def send_batch(batch: SendBatch, attempt: str, *, kit: SenderKit, last_try: bool = False) -> str:
    """Send a batch's recipients at most once each; returns "done", "counted" (a batch counted
    before), "skipped" (the campaign is not sending, or this batch is of an earlier round: paused
    batches are parked) or "handed_back" (time ran short: the batch is back on the queue).

    Raises RetryBatch (the addresses not sent given back) when SES throttles or an upstream fails,
    unless this is the batch's `last_try`: then the rest of it fails, and it is counted.
    """
    bind_correlation_id(batch.correlation_id)
    found = kit.campaign(batch.owner_id, batch.campaign_id)
    if found is not None and found[0].status == "paused" and _parked(batch, kit=kit):
        return "skipped"
    if found is None or found[0].status not in ("sending", "paused") or batch.batch < found[0].round_first:
        # An earlier round's batch (a failed campaign's, redriven or late) never mails in a resend.
        logger.info(
            "batch for a campaign that is not sending it; dropped", extra={"campaign_id": batch.campaign_id}
        )
        return "skipped"
    record, compiled = found
    opted_out = kit.recipients.opted_out(
        batch.owner_id, batch.list_id or record.campaign.list_id, batch.emails
    )
    run = _Run(batch, attempt, record, compiled, kit.signing_key(), kit, last_try)
    tally = run.tally
    handed_back = False
    try:
        position = _count_earlier_claims(run)
        while position < len(batch.emails) and not handed_back:
            end = min(position + SENT_RECORD_GROUP, len(batch.emails))
            if not kit.batches.claim(
                batch.owner_id, batch.campaign_id, batch.batch, attempt, start=position, end=end
            ):
                if kit.batches.get(batch.owner_id, batch.campaign_id, batch.batch) is None:
                    return "skipped"  # the campaign's recipients are gone (it was deleted)
                raise RetryBatch("another attempt is sending this batch")
            handed_back = _send_range(run, position, end, opted_out)
            kit.recipients.mark_sent(tally.claimed)
            tally.claimed.clear()
            position = end
    finally:
        kit.recipients.mark_sent(tally.claimed)  # what went out is recorded even when the batch stops
    if handed_back:
        kit.queue.enqueue([batch])  # after the records: the next attempt must find them
        logger.info("time ran short; batch handed back", extra={"campaign_id": batch.campaign_id})
        return "handed_back"
    counts = {"sent": tally.sent, "failed": tally.failed, "resendable": tally.resendable}
    if not kit.batches.complete(batch.owner_id, batch.campaign_id, batch.batch, counts):
        return "counted"  # a redelivery of a batch that was already counted
    _report_progress(batch, kit=kit)
    return "done"


def _parked(batch: SendBatch, *, kit: SenderKit) -> bool:
    """Park a paused campaign's batch; False when it was resumed meanwhile and the batch is ours to
    send (the resume takes the marks it finds: a mark taken back first is not requeued)."""
    kit.batches.park(batch.owner_id, batch.campaign_id, batch.batch)
    current = kit.campaigns.get_record(batch.owner_id, batch.campaign_id, consistent=True)
    if current is None or current.status != "sending":
        logger.info("campaign paused; batch parked", extra={"campaign_id": batch.campaign_id})
        return True
    return not kit.batches.unpark(batch.owner_id, batch.campaign_id, batch.batch)


def _report_progress(batch: SendBatch, *, kit: SenderKit) -> None:
    """After a batch is counted: resume the execution when all are done, or when the queue needs
    topping up; otherwise a heartbeat, so its wait counts from this batch."""
    counted = kit.campaigns.get_record(batch.owner_id, batch.campaign_id, consistent=True)
    if counted is None or not counted.task_token or counted.status != "sending":
        return
    if counted.all_done():
        kit.resumer.resume(counted.task_token, DeliveryState.of(counted, "done").model_dump())
        logger.info("last batch done; execution resumed", extra={"campaign_id": batch.campaign_id})
    elif (
        counted.batches_enqueued < counted.batches_total
        and counted.batches_enqueued - counted.batches_done <= start.REFILL_AT
    ):
        kit.resumer.resume(counted.task_token, DeliveryState.of(counted, "pending").model_dump())
    else:
        kit.resumer.heartbeat(counted.task_token)


def _count_earlier_claims(run: _Run) -> int:
    """Count what earlier attempts at this batch claimed (its cursor, returned): recorded sends and
    failures as they are; an address claimed and not recorded fails `interrupted` (its attempt is
    dead, see the module docstring: never mailed twice)."""
    batch, kit, tally = run.batch, run.kit, run.tally
    found = kit.batches.get(batch.owner_id, batch.campaign_id, batch.batch)
    claimed = found.claimed if found is not None else 0
    earlier = batch.emails[:claimed]
    for current in kit.recipients.get_many(batch.owner_id, batch.campaign_id, earlier).values():
        if tally.settled(current):
            continue
        if kit.recipients.fail(batch.owner_id, batch.campaign_id, current.email, run.attempt, "interrupted"):
            # No address in logs: the recipient is the campaign's one marked `interrupted`.
            logger.warning(
                "recipient claimed by a dead attempt; not resent",
                extra={"campaign_id": batch.campaign_id, "batch": batch.batch},
            )
            tally.fail(current, "interrupted")
        else:  # recorded meanwhile (by an attempt still alive): counted as that one counts it
            tally.sent += 1
    return claimed


def _send_range(run: _Run, start: int, end: int, opted_out: Mapping[str, str]) -> bool:
    """Send the addresses `start` to `end` this attempt claimed; True when time ran short. Stopping
    early moves the cursor back to the first address not sent (batches.give_back)."""
    batch, kit = run.batch, run.kit
    emails = batch.emails[start:end]
    found = kit.recipients.get_many(batch.owner_id, batch.campaign_id, emails)

    def give_back(first_not_sent: int) -> None:
        kit.batches.give_back(
            batch.owner_id, batch.campaign_id, batch.batch, run.attempt, claimed=end, back_to=first_not_sent
        )

    at = start
    try:
        for at, email in enumerate(emails, start):
            if kit.time_left() < SENDER_RESERVE_SECONDS:
                give_back(at)
                return True
            _send_one(run, found.get(email), opted_out=opted_out.get(email))
    except Exception:  # SES did not take this one (or it was not begun): from it on
        give_back(at)
        raise
    except BaseException:  # the process is going down mid-send: this one may have gone out
        give_back(at + 1)
        raise
    return False


def _send_one(run: _Run, current: RecipientRecord | None, *, opted_out: str | None) -> None:
    tally, kit = run.tally, run.kit
    if current is None:
        return  # the campaign's recipients are gone (it was deleted)
    if tally.settled(current):  # a claimed range has none, but one is counted as it is
        return
    if current.status == "claimed":  # claimed alone by a sender before ranges: its attempt is dead
        run.fail(current, "interrupted")
        return
    reason = tally.gave_up or (f"{OPTED_OUT}: {opted_out}" if opted_out is not None else None)
    if reason is not None:
        run.fail(current, reason)
        return
    try:
        message = _message(current, run)
    except RenderFailed as exc:
        run.fail(current, f"render_error: {exc}")
        return
    kit.limiter.acquire()
    try:
        configuration_set = _configuration_set(run.record, kit.settings)
        message_id = sender.send(message, ses=kit.ses, configuration_set=configuration_set)
    except Exception as exc:
        code = error_code(exc)
        if code in sender.RECIPIENT_ERRORS:
            run.fail(current, f"{code}: {exc}")
            return
        if run.last_try:  # the batch's last delivery: this recipient and the rest fail, the batch counts
            why = "throttled" if code in sender.THROTTLED else "unsent"
            tally.gave_up = f"{why}: {code or type(exc).__name__}"
            logger.warning("last try of the batch refused; the rest fail", extra={"error": tally.gave_up})
            run.fail(current, tally.gave_up)
            return
        logger.info("send stopped; the batch comes back", extra={"error": code or type(exc).__name__})
        raise RetryBatch(code or type(exc).__name__) from exc
    tally.claimed.append((current, message_id))
    tally.sent += 1


def _configuration_set(record: CampaignRecord, settings: Settings) -> str | None:
    """The tracked set, or for a campaign that turned tracking off the one without open and click
    tracking (the same event destinations otherwise). The template always names both; without the
    second, such a campaign goes out with no set at all rather than tracked against its owner's word."""
    if record.campaign.track:
        return settings.ses_configuration_set
    return settings.ses_untracked_configuration_set


def _message(recipient: RecipientRecord, run: _Run) -> sender.Message:
    """The recipient's message: the campaign rendered for it, with its own unsubscribe links."""
    record, key, settings = run.record, run.key, run.kit.settings
    content = record.campaign
    target = UnsubscribeTarget(
        owner_id=record.owner_id, list_id=recipient.list_id, campaign_id=record.id, email=recipient.email
    )
    page_url, one_click_url = links_for(settings.app_url, target, key=key)
    prefs_url = preferences_url(settings.app_url, Reader(record.owner_id, target.email), key=key)
    rendered = run.compiled.render(
        context(
            email=target.email,
            name=recipient.name,
            attributes=recipient.attributes,
            unsubscribe_url=page_url,
            campaign_name=content.name,
            subject=content.subject,
            preferences_url=prefs_url,
        )
    )
    return sender.Message(
        to=target.email,
        from_address=formataddr((content.from_name, settings.sender_email)),
        reply_to=content.reply_to,
        subject=rendered.subject,
        html=untracked(rendered.html, page_url, prefs_url),
        text=rendered.text,
        one_click_url=one_click_url,
        tags={"campaign": target.campaign_id, "owner": target.owner_id},
    )
