"""Delivery use cases: the state machine's steps, the batch sender and SES feedback.

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
stores the token and resumes itself when the senders finished before it ran.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from email.utils import formataddr
from typing import TYPE_CHECKING, Any

from app.aws import error_code
from app.campaigns.rendering import CompiledCampaign, RenderFailed, context
from app.campaigns.repository import CampaignRepository
from app.config import Settings
from app.contacts.models import Subscriber
from app.contacts.repository import SubscriberRepository, SuppressionRepository
from app.db import Item, now_iso
from app.delivery import sender
from app.delivery.models import (
    BATCH_SIZE,
    PAUSE_LIMIT_SECONDS,
    CampaignRef,
    DeliveryState,
    ExecutionEnded,
    FailedState,
    SendBatch,
    SesEvent,
    WaitRequest,
)
from app.delivery.queue import BatchQueue, Resumer
from app.delivery.repository import RecipientRepository
from app.delivery.sender import TokenBucket
from app.errors import Conflict, NotFound, UpstreamUnavailable
from app.observability import bind_correlation_id, logger
from app.unsubscribe.tokens import UnsubscribeTarget, make_token

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

SENT_LIKE = frozenset({"sent", "delivered", "bounced", "complained", "unsubscribed"})
AUDIENCE_PAGE = 1000
# Sends are recorded (one BatchWriteItem) every this many messages: soon enough that SES events,
# which come seconds after a send, find it recorded; a crash loses at most these records (those
# recipients then count `failed`/interrupted, see above).
SENT_RECORD_GROUP = 10


class CampaignNotSendable(Conflict):
    """The campaign is not waiting to be sent (cancelled, deleted, or already sent)."""

    code = "campaign_not_sendable"


class FeedbackTooEarly(Exception):
    """An SES event arrived before its send was recorded; the record is retried."""


class RetryBatch(Exception):
    """The batch stops here and comes back from the queue (SES throttled us, or an upstream failed)."""


def unsubscribe_links(app_url: str, token: str) -> tuple[str, str]:
    """(the page a person opens, the URL a mail client POSTs to for one-click unsubscribe)."""
    base = app_url.rstrip("/")
    return f"{base}/unsubscribe/{token}", f"{base}/api/public/unsubscribe/{token}"


# ---------------------------------------------------------------------- StartDelivery


def start_delivery(
    ref: CampaignRef,
    *,
    campaigns: CampaignRepository,
    recipients: RecipientRepository,
    subscribers: SubscriberRepository,
    suppressions: SuppressionRepository,
    queue: BatchQueue,
    settings: Settings,
) -> DeliveryState:
    """Freeze the audience (subscribed, not suppressed), enqueue its batches; safe to retry."""
    owner_id, campaign_id = ref.owner_id, ref.campaign_id
    item = campaigns.get_item(owner_id, campaign_id, consistent=True)
    if item is None:
        raise NotFound("The campaign no longer exists.", code="campaign_not_found")
    bind_correlation_id(ref.correlation_id or item.get("correlation_id"))
    if item["status"] in ("queued", "scheduled"):
        moved = campaigns.update(
            owner_id,
            campaign_id,
            allowed=("queued", "scheduled"),
            to="sending",
            sets={"wait_timeout_seconds": settings.sender_timeout_seconds},
        )
        if moved is None:
            raise CampaignNotSendable("The campaign was changed while it started.")
        item = moved
    elif item["status"] not in ("sending", "paused"):  # paused meanwhile: its batches wait for the resume
        raise CampaignNotSendable(f"The campaign is {item['status']}, not waiting to be sent.")
    timeout = int(item.get("wait_timeout_seconds") or settings.sender_timeout_seconds)
    if not item.get("audience_frozen"):
        item = _freeze(
            item,
            campaigns=campaigns,
            recipients=recipients,
            subscribers=subscribers,
            suppressions=suppressions,
        )
    if not item.get("enqueued"):
        _enqueue(item, recipients=recipients, queue=queue)
        campaigns.update(owner_id, campaign_id, allowed=("sending", "paused"), sets={"enqueued": True})
    state = DeliveryState(
        owner_id=owner_id,
        campaign_id=campaign_id,
        correlation_id=ref.correlation_id or item.get("correlation_id"),
        wait_timeout_seconds=timeout,
        recipients=int(item.get("recipients", 0)),
        batches_total=int(item.get("batches_total", 0)),
    )
    logger.info("delivery started", extra={"campaign_id": campaign_id, "recipients": state.recipients})
    return state


def _freeze(
    item: Item,
    *,
    campaigns: CampaignRepository,
    recipients: RecipientRepository,
    subscribers: SubscriberRepository,
    suppressions: SuppressionRepository,
) -> Item:
    owner_id, campaign_id, list_id = str(item["owner_id"]), str(item["campaign_id"]), str(item["list_id"])
    audience: list[Subscriber] = []
    start: str | None = None
    while True:
        page, start = subscribers.page(owner_id, list_id, prefix="", limit=AUDIENCE_PAGE, start_sk=start)
        audience.extend(s for s in page if s.status == "subscribed")
        if start is None:
            break
    blocked = suppressions.suppressed_among(owner_id, [s.email for s in audience])
    chosen = [s for s in audience if s.email not in blocked]
    items = [
        recipients.new_item(
            owner_id,
            campaign_id,
            email=s.email,
            list_id=list_id,
            name=s.name,
            attributes=s.attributes,
            batch=index // BATCH_SIZE,
        )
        for index, s in enumerate(chosen)
    ]
    recipients.put_many(items)
    batches = (len(items) + BATCH_SIZE - 1) // BATCH_SIZE
    frozen = campaigns.update(
        owner_id,
        campaign_id,
        allowed=("sending", "paused"),
        sets={
            "audience_frozen": True,
            "recipients": len(items),
            "suppressed": len(audience) - len(chosen),
            "batches_total": batches,
        },
    )
    if frozen is None:
        raise CampaignNotSendable("The campaign stopped sending while its audience was frozen.")
    return frozen


def _enqueue(
    item: Item, *, recipients: RecipientRepository, queue: BatchQueue, skip: Collection[int] = ()
) -> int:
    """Put the campaign's batches (but those in `skip`) on the send queue; returns how many."""
    owner_id, campaign_id = str(item["owner_id"]), str(item["campaign_id"])
    by_batch: dict[int, list[str]] = {}
    for recipient in recipients.all_items(owner_id, campaign_id):
        number = int(recipient["batch"])
        if number not in skip:
            by_batch.setdefault(number, []).append(str(recipient["email"]))
    queue.enqueue(
        [
            SendBatch(
                owner_id=owner_id,
                campaign_id=campaign_id,
                batch=number,
                emails=emails,
                correlation_id=item.get("correlation_id"),
            )
            for number, emails in sorted(by_batch.items())
        ]
    )
    return len(by_batch)


# ---------------------------------------------------------------------- WaitForSender


def _state_of(item: Mapping[str, Any], status: str, timeout: int | None = None) -> DeliveryState:
    return DeliveryState(
        owner_id=str(item["owner_id"]),
        campaign_id=str(item["campaign_id"]),
        correlation_id=item.get("correlation_id"),
        status=status,  # type: ignore[arg-type]
        wait_timeout_seconds=int(timeout or item.get("wait_timeout_seconds") or 3600),
        recipients=int(item.get("recipients", 0)),
        batches_total=int(item.get("batches_total", 0)),
        batches_done=int(item.get("batches_done", 0)),
        sent=int(item.get("sent", 0)),
        failed=int(item.get("failed", 0)),
    )


def _all_done(item: Mapping[str, Any]) -> bool:
    return item.get("status") == "sending" and int(item.get("batches_done", 0)) >= int(
        item.get("batches_total", 0)
    )


def wait_for_sender(request: WaitRequest, *, campaigns: CampaignRepository, resumer: Resumer) -> bool:
    """Store the task token; resume at once when the senders already finished. True if resumed.

    A paused campaign waits (up to PAUSE_LIMIT_SECONDS) for its resume; one paused before this
    wait began is sent round the loop once to get that longer wait.
    """
    item = campaigns.store_token(request.owner_id, request.campaign_id, request.task_token)
    if item is None:
        raise NotFound("The campaign no longer exists.", code="campaign_not_found")
    bind_correlation_id(item.get("correlation_id"))
    if item.get("status") == "paused":
        if request.status == "paused":
            return False
        return resumer.resume(request.task_token, _state_of(item, "paused", PAUSE_LIMIT_SECONDS).model_dump())
    if item.get("status") != "sending":
        state = _state_of(item, "failed", request.wait_timeout_seconds)
        state.reason = f"The campaign is {item.get('status')}, no longer sending."
        return resumer.resume(request.task_token, state.model_dump())
    if _all_done(item):
        logger.info("senders already done; resuming", extra={"campaign_id": request.campaign_id})
        return resumer.resume(
            request.task_token, _state_of(item, "done", request.wait_timeout_seconds).model_dump()
        )
    return False


# ---------------------------------------------------------------------- the senders


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

    def campaign(self, owner_id: str, campaign_id: str) -> tuple[Item, CompiledCampaign] | None:
        """The campaign as it is now (read for every batch, so a pause stops the next batch) and
        its compiled templates (compiled once per invocation: a sending campaign cannot be edited)."""
        item = self.campaigns.get_item(owner_id, campaign_id)
        if item is None:
            return None
        key = f"{owner_id}/{campaign_id}"
        if key not in self._compiled:
            self._compiled[key] = CompiledCampaign(
                subject=str(item["subject"]),
                html_body=str(item.get("html_body", "")),
                text_body=str(item.get("text_body", "")),
            )
        return item, self._compiled[key]


@dataclass
class _Tally:
    sent: int = 0
    failed: int = 0
    claimed: list[tuple[Item, str]] = field(default_factory=list)


def send_batch(batch: SendBatch, attempt: str, *, kit: SenderKit) -> str:
    """Send a batch's recipients at most once each; returns "done", "counted" or "skipped".

    Raises RetryBatch (after releasing its claim) when SES throttles or an upstream fails.
    """
    bind_correlation_id(batch.correlation_id)
    found = kit.campaign(batch.owner_id, batch.campaign_id)
    if found is None or found[0].get("status") != "sending":
        logger.info(
            "batch for a campaign that is not sending; dropped", extra={"campaign_id": batch.campaign_id}
        )
        return "skipped"
    item, compiled = found
    tally = _Tally()
    key = kit.signing_key()
    try:
        for email in batch.emails:
            _send_one(batch, email, attempt, item=item, compiled=compiled, key=key, kit=kit, tally=tally)
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
    if _all_done(counted) and counted.get("task_token"):
        kit.resumer.resume(str(counted["task_token"]), _state_of(counted, "done").model_dump())
        logger.info("last batch done; execution resumed", extra={"campaign_id": batch.campaign_id})
    return "done"


def _send_one(
    batch: SendBatch,
    email: str,
    attempt: str,
    *,
    item: Item,
    compiled: CompiledCampaign,
    key: bytes,
    kit: SenderKit,
    tally: _Tally,
) -> None:
    owner_id, campaign_id = batch.owner_id, batch.campaign_id
    claim = kit.recipients.claim(owner_id, campaign_id, email, attempt)
    current = claim.item or {}
    if not claim.won:
        status = current.get("status")
        if status in SENT_LIKE:
            tally.sent += 1
        elif status == "failed":
            tally.failed += 1
        elif status == "claimed" and current.get("attempt") != attempt:
            # Its attempt is dead (see the module docstring): never mail twice, count it failed.
            if kit.recipients.fail(owner_id, campaign_id, email, str(current.get("attempt")), "interrupted"):
                logger.warning("recipient claimed by a dead attempt; not resent", extra={"email": email})
            tally.failed += 1
        return
    try:
        message = _message(current, item=item, compiled=compiled, key=key, settings=kit.settings)
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
    recipient: Item, *, item: Item, compiled: CompiledCampaign, key: bytes, settings: Settings
) -> sender.Message:
    target = UnsubscribeTarget(
        owner_id=str(item["owner_id"]),
        list_id=str(recipient["list_id"]),
        campaign_id=str(item["campaign_id"]),
        email=str(recipient["email"]),
    )
    page_url, one_click_url = unsubscribe_links(settings.app_url, make_token(target, key=key))
    rendered = compiled.render(
        context(
            email=target.email,
            name=str(recipient.get("name", "")),
            attributes=json.loads(str(recipient.get("attributes") or "{}")),
            unsubscribe_url=page_url,
            campaign_name=str(item["name"]),
            subject=str(item["subject"]),
        )
    )
    return sender.Message(
        to=target.email,
        from_address=formataddr((str(item.get("from_name") or ""), settings.sender_email)),
        reply_to=item.get("reply_to") or None,
        subject=rendered.subject,
        html=rendered.html,
        text=rendered.text,
        one_click_url=one_click_url,
        tags={"campaign": target.campaign_id, "owner": target.owner_id},
    )


# ---------------------------------------------------------------------- pause / resume


class CampaignNotSending(Conflict):
    """Only a sending campaign can be paused."""

    code = "campaign_not_sending"


class CampaignNotPaused(Conflict):
    """Only a paused campaign can be resumed."""

    code = "campaign_not_paused"


def _refuse(
    campaigns: CampaignRepository, owner_id: str, campaign_id: str, error: type[Conflict]
) -> Exception:
    current = campaigns.get_item(owner_id, campaign_id, consistent=True)
    if current is None:
        return NotFound("No such campaign.", code="campaign_not_found")
    return error(f"The campaign is {current.get('status')}.")


def pause(
    owner_id: str,
    campaign_id: str,
    *,
    campaigns: CampaignRepository,
    resumer: Resumer,
    correlation_id: str | None,
) -> Item:
    """sending -> paused. Senders drop the batches they get from now on (resume enqueues them
    again); the execution goes round to a wait as long as PAUSE_LIMIT_SECONDS."""
    item = campaigns.update(
        owner_id, campaign_id, allowed=("sending",), to="paused", correlation_id=correlation_id
    )
    if item is None:
        raise _refuse(campaigns, owner_id, campaign_id, CampaignNotSending)
    token = item.get("task_token")
    if token:  # none yet: WaitForSender will see the pause when it stores its token
        state = _state_of(item, "paused", PAUSE_LIMIT_SECONDS)
        try:
            resumer.resume(str(token), state.model_dump())
        except Exception as exc:
            campaigns.update(owner_id, campaign_id, allowed=("paused",), to="sending")
            raise UpstreamUnavailable(
                f"The delivery could not be paused ({error_code(exc) or exc})."
            ) from exc
    logger.info("campaign paused", extra={"campaign_id": campaign_id})
    return item


def resume(
    owner_id: str,
    campaign_id: str,
    *,
    campaigns: CampaignRepository,
    recipients: RecipientRepository,
    queue: BatchQueue,
    resumer: Resumer,
    correlation_id: str | None,
) -> Item:
    """paused -> sending: every batch not counted yet goes back on the send queue (recipients
    already mailed are skipped by their claims), and the execution waits for the senders again."""
    item = campaigns.update(
        owner_id, campaign_id, allowed=("paused",), to="sending", correlation_id=correlation_id
    )
    if item is None:
        raise _refuse(campaigns, owner_id, campaign_id, CampaignNotPaused)
    done = {int(n) for n in item.get("done_batches") or ()}
    requeued = _enqueue(item, recipients=recipients, queue=queue, skip=done) if item.get("enqueued") else 0
    token = item.get("task_token")
    if token:
        status = "done" if _all_done(item) else "pending"
        resumer.resume(str(token), _state_of(item, status).model_dump())
    logger.info("campaign resumed", extra={"campaign_id": campaign_id, "batches_requeued": requeued})
    return item


# ---------------------------------------------------------------------- Finalize / MarkFailed


FINALIZE_PAGE = 500  # recipients per Finalize invocation
SUBSCRIBER_WRITERS = 8  # subscriber updates in flight at once (I/O bound in Lambda)


def finalize(
    state: DeliveryState,
    *,
    campaigns: CampaignRepository,
    recipients: RecipientRepository,
    subscribers: SubscriberRepository,
    page_size: int | None = None,
) -> DeliveryState:
    """Update the subscribers who were sent the campaign, a page per invocation (status
    `finalizing` while pages remain); after the last page the sent/failed stats are recounted
    from the recipients and the campaign is `sent`. A retried step changes nothing."""
    owner_id, campaign_id = state.owner_id, state.campaign_id
    page, next_sk = recipients.items_page(
        owner_id, campaign_id, limit=page_size or FINALIZE_PAGE, start_sk=state.finalize_cursor
    )
    sent = [r for r in page if r.get("status") in SENT_LIKE]
    counted_sent = state.finalize_sent + len(sent)
    counted_failed = state.finalize_failed + sum(1 for r in page if r.get("status") == "failed")
    _note_campaign(sent, campaign_id=campaign_id, subscribers=subscribers)
    if next_sk is not None:
        return state.model_copy(
            update={
                "status": "finalizing",
                "finalize_cursor": next_sk,
                "finalize_sent": counted_sent,
                "finalize_failed": counted_failed,
            }
        )
    done = campaigns.update(
        owner_id,
        campaign_id,
        allowed=("sending", "paused"),  # paused after its last batch went out: it is sent
        to="sent",
        sets={"sent_at": now_iso(), "sent": counted_sent, "failed": counted_failed},
        removes=("task_token",),
    )
    item = done or campaigns.get_item(owner_id, campaign_id, consistent=True) or {}
    logger.info("campaign sent", extra={"campaign_id": campaign_id, "sent": item.get("sent", 0)})
    final = _state_of(
        {**item, "owner_id": owner_id, "campaign_id": campaign_id}, "done", state.wait_timeout_seconds
    )
    return final.model_copy(update={"finalize_sent": counted_sent, "finalize_failed": counted_failed})


def _note_campaign(sent: list[Item], *, campaign_id: str, subscribers: SubscriberRepository) -> None:
    """Each subscriber mailed: one more campaign received, and when (one removed since is skipped)."""
    if not sent:
        return
    from concurrent.futures import ThreadPoolExecutor

    def note(recipient: Item) -> bool:
        return subscribers.note_campaign(
            str(recipient["owner_id"]),
            str(recipient["list_id"]),
            str(recipient["email"]),
            campaign_id,
            str(recipient.get("sent_at") or recipient.get("updated_at") or ""),
        )

    with ThreadPoolExecutor(max_workers=SUBSCRIBER_WRITERS) as pool:
        list(pool.map(note, sent))  # re-raises the first failure: the step is retried


def delivery_ended(ended: ExecutionEnded, *, campaigns: CampaignRepository) -> bool:
    """An execution stopped without finishing: a campaign still on its way becomes failed (one the
    state machine already marked, or that was sent, is left as it is). True when it was marked."""
    ref = ended.campaign()
    if ref is None or ended.status not in ("ABORTED", "TIMED_OUT", "FAILED"):
        return False
    bind_correlation_id(ref.correlation_id)
    if ended.status == "ABORTED":
        code, message = "delivery_aborted", "The delivery was stopped before it finished"
    elif ended.status == "TIMED_OUT":
        code, message = "delivery_timed_out", "The delivery ran out of time"
    else:
        code, message = "delivery_error", "The delivery failed"
    detail = ": ".join(part for part in (ended.error, ended.cause) if part)
    message = (f"{message} ({detail})." if detail else f"{message}.")[:1000]
    moved = campaigns.update(
        ref.owner_id,
        ref.campaign_id,
        allowed=("queued", "sending", "paused"),
        to="failed",
        sets={"failure_code": code, "failure_message": message},
        removes=("task_token",),
    )
    logger.warning(
        "delivery execution ended unfinished",
        extra={"campaign_id": ref.campaign_id, "status": ended.status, "marked": moved is not None},
    )
    return moved is not None


def failure_reason(state: FailedState) -> tuple[str, str]:
    """(code, message) for a failed delivery, from the Catch's error or the resume's reason."""
    error = state.error
    if error is not None and error.error == "States.Timeout":
        return (
            "sender_timeout",
            f"The senders did not finish within {state.wait_timeout_seconds or '?'} seconds; "
            "the recipients not yet sent were not mailed.",
        )
    if error is not None and error.error:
        cause = error.cause
        try:
            parsed = json.loads(cause)
            cause = str(parsed.get("errorMessage") or cause)
        except (ValueError, AttributeError):
            pass
        return "delivery_error", f"{error.error}: {cause}"[:1000]
    return "delivery_failed", (state.reason or "The delivery failed.")[:1000]


def mark_failed(state: FailedState, *, campaigns: CampaignRepository) -> dict[str, Any]:
    """The campaign becomes failed with the reason (only if it was on its way)."""
    code, message = failure_reason(state)
    moved = campaigns.update(
        state.owner_id,
        state.campaign_id,
        allowed=("queued", "sending"),
        to="failed",
        sets={"failure_code": code, "failure_message": message},
        removes=("task_token",),
    )
    logger.warning(
        "campaign delivery failed",
        extra={"campaign_id": state.campaign_id, "code": code, "marked": moved is not None},
    )
    return {"owner_id": state.owner_id, "campaign_id": state.campaign_id, "code": code, "message": message}


# ---------------------------------------------------------------------- SES feedback


@dataclass
class FeedbackKit:
    """What the feedback worker writes to, and the stats it counted but has not added yet."""

    campaigns: CampaignRepository
    recipients: RecipientRepository
    subscribers: SubscriberRepository
    suppressions: SuppressionRepository
    soft_bounce_limit: int
    counted: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)

    def count(self, owner_id: str, campaign_id: str, name: str) -> None:
        """One more `name` (delivered, bounced, complained) for a campaign's stats."""
        self.counted.setdefault((owner_id, campaign_id), Counter())[name] += 1

    def flush(self) -> None:
        """Add what was counted to the stats: one write per campaign per invocation, not per event.

        A campaign's item is a hot key while its events pour in; one ADD per batch of events
        keeps it cheap. A campaign deleted meanwhile has no stats to add to.
        """
        counted, self.counted = self.counted, {}
        for (owner_id, campaign_id), counts in counted.items():
            self.campaigns.add_counters(owner_id, campaign_id, counts)


def _locate(event: SesEvent) -> tuple[str, str] | None:
    """(owner, campaign) from the tags every campaign message carries; None: not campaign mail."""
    owner_id, campaign_id = event.tag("owner"), event.tag("campaign")
    return (owner_id, campaign_id) if owner_id and campaign_id else None


def apply_ses_event(event: SesEvent, *, kit: FeedbackKit) -> list[str]:
    """Recipient status and suppression for one SES event, its stats counted in `kit` (see
    FeedbackKit.flush); returns what changed."""
    changes: list[str] = []
    for raw in event.recipients():
        email = raw.strip().lower()
        where = _locate(event)
        if where is None:
            continue  # not campaign mail (e.g. the welcome email)
        owner_id, campaign_id = where
        if event.event_type == "Delivery" and kit.recipients.deliver(owner_id, campaign_id, email):
            # The usual case in one write: a recorded send, delivered for the first time.
            kit.count(owner_id, campaign_id, "delivered")
            changes.append(f"{email}:delivered")
            continue
        recipient = kit.recipients.get(owner_id, campaign_id, email)
        if recipient is None:
            continue
        if recipient.get("status") in ("pending", "claimed"):
            # SES reported before the sender recorded the send (it does so per batch): retry later.
            raise FeedbackTooEarly(f"{email} is not recorded as sent yet")
        bind_correlation_id(recipient.get("correlation_id"))
        outcome = _apply_one(event, owner_id, campaign_id, email, recipient, kit=kit)
        if outcome:
            changes.append(f"{email}:{outcome}")
    return changes


def _apply_one(
    event: SesEvent, owner_id: str, campaign_id: str, email: str, recipient: Item, *, kit: FeedbackKit
) -> str | None:
    kind = event.event_type
    list_id = str(recipient.get("list_id", ""))
    if kind == "Delivery":
        # SES does not order events: a Complaint may be applied before its Delivery; both count.
        counted = kit.recipients.note_delivery(owner_id, campaign_id, email)
        kit.recipients.transition(owner_id, campaign_id, email, allowed=("sent",), to="delivered")
        if counted:
            kit.count(owner_id, campaign_id, "delivered")
            return "delivered"
        return None
    if kind == "Bounce" and event.bounce is not None:
        permanent = event.bounce.get("bounceType") == "Permanent"
        reason = f"{event.bounce.get('bounceType')}/{event.bounce.get('bounceSubType')}"
        if not kit.recipients.transition(
            owner_id, campaign_id, email, allowed=("sent", "delivered"), to="bounced", reason=reason
        ):
            return None
        kit.count(owner_id, campaign_id, "bounced")
        if permanent or kit.recipients.count_soft_bounce(owner_id, email) >= kit.soft_bounce_limit:
            _suppress(owner_id, list_id, email, "bounced", campaign_id, kit=kit)
        return "bounced"
    if kind == "Complaint":
        if not kit.recipients.transition(
            owner_id, campaign_id, email, allowed=("sent", "delivered", "bounced"), to="complained"
        ):
            return None
        kit.count(owner_id, campaign_id, "complained")
        _suppress(owner_id, list_id, email, "complained", campaign_id, kit=kit)
        return "complained"
    return None


def _suppress(
    owner_id: str, list_id: str, email: str, reason: str, campaign_id: str, *, kit: FeedbackKit
) -> None:
    """The subscriber takes the status (which suppresses account-wide); gone from the list: suppress only."""
    source = f"campaign:{campaign_id}"
    entry = {"reason": reason, "source": source, "correlation_id": None}
    if not (
        list_id
        and kit.subscribers.update(
            owner_id, list_id, email, {"status": reason}, suppress=entry, correlation_id=None
        )
    ):
        kit.suppressions.add(owner_id, email, reason=reason, source=source, correlation_id=None)
    logger.info("address suppressed", extra={"campaign_id": campaign_id, "reason": reason})
