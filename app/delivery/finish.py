"""How a delivery ends: `Finalize` (sent), `MarkFailed`, and an execution that stopped unfinished.

A campaign whose every batch was counted went out: whatever fails after that (Finalize, the
execution), it becomes `sent` with the counts the senders recorded, never `failed`.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from app.campaigns.repository import CampaignRepository
from app.contacts.subscribers import SubscriberRepository
from app.delivery.models import SENT_LIKE, DeliveryState, ExecutionEnded, FailedState
from app.delivery.repository import RecipientRecord, RecipientRepository
from app.observability import bind_correlation_id, logger

# Recipients per Finalize invocation: a 1M campaign takes 1,000 runs, 7,000 of the 25,000 history
# events an execution may have.
FINALIZE_PAGE = 1000
SUBSCRIBER_WRITERS = 8  # subscriber updates in flight at once (I/O bound in Lambda)


def finalize(
    state: DeliveryState,
    *,
    campaigns: CampaignRepository,
    recipients: RecipientRepository,
    subscribers: SubscriberRepository,
    page_size: int | None = None,
) -> DeliveryState:
    """Update the subscribers who were sent the campaign (in this round: a resend's), a page per
    invocation (status `finalizing` while pages remain); after the last page the sent, failed and
    resendable stats are recounted from the recipients and the campaign is `sent` (a resend: as it
    ended before). A retried step changes nothing."""
    owner_id, campaign_id = state.owner_id, state.campaign_id
    page, next_sk = recipients.page(
        owner_id, campaign_id, limit=page_size or FINALIZE_PAGE, start_sk=state.finalize_cursor
    )
    sent = [r for r in page if r.status in SENT_LIKE]
    counted = {
        "finalize_sent": state.finalize_sent + len(sent),
        "finalize_failed": state.finalize_failed + sum(1 for r in page if r.status == "failed"),
        "finalize_resendable": state.finalize_resendable + sum(1 for r in page if r.resendable()),
    }
    this_round = [r for r in sent if r.batch >= state.round_first]  # earlier rounds' were noted then
    _note_campaign(this_round, campaign_id=campaign_id, subscribers=subscribers)
    if next_sk is not None:
        return state.model_copy(update={"status": "finalizing", "finalize_cursor": next_sk, **counted})
    totals = {name.removeprefix("finalize_"): value for name, value in counted.items()}
    done = campaigns.mark_sent(owner_id, campaign_id, counts=totals, to=state.ends_as)
    record = done or campaigns.get_record(owner_id, campaign_id, consistent=True)
    logger.info(
        "campaign sent", extra={"campaign_id": campaign_id, "sent": record.stats.sent if record else 0}
    )
    if record is None:  # deleted meanwhile: nothing left to count
        final = DeliveryState(
            owner_id=owner_id,
            campaign_id=campaign_id,
            status="done",
            wait_timeout_seconds=state.wait_timeout_seconds,
        )
    else:
        final = DeliveryState.of(record, "done", state.wait_timeout_seconds)
    return final.model_copy(update=counted)


def _note_campaign(
    sent: list[RecipientRecord], *, campaign_id: str, subscribers: SubscriberRepository
) -> None:
    """Each subscriber mailed: one more campaign received, and when (one removed since is skipped)."""
    if not sent:
        return

    def note(recipient: RecipientRecord) -> bool:
        return subscribers.note_campaign(
            recipient.owner_id,
            recipient.list_id,
            recipient.email,
            campaign_id,
            recipient.sent_at or recipient.updated_at,
        )

    with ThreadPoolExecutor(max_workers=SUBSCRIBER_WRITERS) as pool:
        list(pool.map(note, sent))  # re-raises the first failure: the step is retried


def _sent_anyway(owner_id: str, campaign_id: str, *, campaigns: CampaignRepository) -> bool:
    """A campaign whose senders all finished is sent (a resend: as it ended before) with their
    counts, instead of failed."""
    record = campaigns.get_record(owner_id, campaign_id, consistent=True)
    if record is None or record.status not in ("sending", "paused") or not record.senders_finished():
        return False
    counts = {"sent": record.stats.sent, "failed": record.stats.failed}
    done = campaigns.mark_sent(owner_id, campaign_id, counts=counts, to=record.ended_as)
    logger.warning(
        "delivery ended early but every batch went out; campaign sent",
        extra={"campaign_id": campaign_id, "marked": done is not None},
    )
    return done is not None


def delivery_ended(ended: ExecutionEnded, *, campaigns: CampaignRepository) -> bool:
    """An execution stopped without finishing: a campaign still on its way becomes failed (one the
    state machine already marked, that was sent, or whose senders all finished, is not). True when
    it was marked."""
    ref = ended.campaign()
    if ref is None or ended.status not in ("ABORTED", "TIMED_OUT", "FAILED"):
        return False
    bind_correlation_id(ref.correlation_id)
    if _sent_anyway(ref.owner_id, ref.campaign_id, campaigns=campaigns):
        return False
    if ended.status == "ABORTED":
        code, message = "delivery_aborted", "The delivery was stopped before it finished"
    elif ended.status == "TIMED_OUT":
        code, message = "delivery_timed_out", "The delivery ran out of time"
    else:
        code, message = "delivery_error", "The delivery failed"
    detail = ": ".join(part for part in (ended.error, ended.cause) if part)
    message = (f"{message} ({detail})." if detail else f"{message}.")[:1000]
    execution = ended.execution_arn.rsplit(":", 1)[-1]
    marked = _fail(ref.owner_id, ref.campaign_id, code, message, execution=execution, campaigns=campaigns)
    logger.warning(
        "delivery execution ended unfinished",
        extra={"campaign_id": ref.campaign_id, "status": ended.status, "marked": marked},
    )
    return marked


def _fail(
    owner_id: str,
    campaign_id: str,
    code: str,
    message: str,
    *,
    execution: str | None,
    campaigns: CampaignRepository,
) -> bool:
    """A campaign still on its way (queued, sending, paused) becomes failed; True when it did."""
    moved = campaigns.mark_failed(
        owner_id,
        campaign_id,
        allowed=("queued", "sending", "paused"),
        code=code,
        message=message,
        execution=execution,
    )
    return moved is not None


def failure_reason(state: FailedState) -> tuple[str, str]:
    """(code, message) for a failed delivery, from the Catch's error or the resume's reason."""
    error = state.error
    if error is not None and error.error in ("States.Timeout", "States.HeartbeatTimeout"):
        if state.status == "paused":
            return "pause_expired", "The campaign stayed paused too long; the rest was not mailed."
        return (
            "sender_timeout",
            f"The senders did not finish within {state.wait_timeout_seconds or '?'} seconds of their "
            "last batch; the recipients not yet sent were not mailed.",
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
    """The campaign becomes failed with the reason: only if it was on its way, delivered by this
    execution, and not every batch went out (then it is sent)."""
    code, message = failure_reason(state)
    if _sent_anyway(state.owner_id, state.campaign_id, campaigns=campaigns):
        return {"owner_id": state.owner_id, "campaign_id": state.campaign_id, "code": "sent", "message": ""}
    marked = _fail(
        state.owner_id, state.campaign_id, code, message, execution=state.execution, campaigns=campaigns
    )
    logger.warning(
        "campaign delivery failed", extra={"campaign_id": state.campaign_id, "code": code, "marked": marked}
    )
    return {"owner_id": state.owner_id, "campaign_id": state.campaign_id, "code": code, "message": message}
