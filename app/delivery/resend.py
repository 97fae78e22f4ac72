"""A resend to a campaign's failed recipients: a round of its own, through the same delivery.

Who: the recipients that ended `failed` for any reason but an opt-out (throttled on their batch's
last try, interrupted, a render or recipient error), each at most once: the move back to pending
is a conditional write on `attribute_not_exists(resent_at)`. An `interrupted` recipient may have
been mailed (its sender died after SES took the message): a resend may reach it a second time.

How: the API moves a finished campaign (sent or failed) to `queued` and starts another execution
of the same state machine. Its StartDelivery reads the campaign's recipients a page at a time (a
Query with a FilterExpression over the campaign's partition, no Scan) instead of the audience, and
puts the failed ones back to pending in new batches numbered from the round's first
(`round_first`); the same send queue, senders and claims mail them, opt-outs and suppressions
checked at send time as always. Finalize recounts the stats and notes the subscribers mailed in
this round. The lifecycle: sent -> queued -> sending -> sent, and failed -> queued -> sending ->
failed (the first delivery's failure kept: those it left pending are not part of a resend); a
resend that fails itself leaves the campaign failed with its own reason.

The counters stay consistent: a recipient taken again leaves `failed` and `resendable` when its
page is counted, and joins `sent` or `failed` when its batch is (a recipient failed again is not
resendable). A batch of an earlier round (a failed campaign's, late or redriven from the DLQ) is
dropped by the senders and never counted (send.py, batches.py).
"""

from __future__ import annotations

from app.campaigns.launch import Launcher
from app.campaigns.models import FINISHED, Campaign
from app.campaigns.repository import MAX_REPEATS, CampaignRecord, CampaignRepository
from app.delivery import filters
from app.delivery.batches import BatchRepository
from app.delivery.models import BATCH_SIZE
from app.delivery.repository import RecipientRecord, RecipientRepository
from app.errors import Conflict, NotFound
from app.observability import logger

RESEND_PAGE = 1000  # recipients read per page of a resend's freeze


class CampaignNotFinished(Conflict, code="campaign_not_finished"):
    """Only a sent or failed campaign can be resent to (one delivery at a time)."""


class NothingToResend(Conflict, code="nothing_to_resend"):
    """No failed recipient is left that a resend would mail."""


class ResendLimitReached(Conflict, code="resend_limit_reached"):
    """A campaign may be resent to MAX_REPEATS times."""


def resend_failed(
    owner_id: str,
    campaign_id: str,
    *,
    campaigns: CampaignRepository,
    launcher: Launcher,
    correlation_id: str | None,
) -> Campaign:
    """sent|failed -> queued, and a delivery of the failed recipients starts (409 while the
    campaign is on its way, or when none is left to resend to)."""
    record = campaigns.get_record(owner_id, campaign_id, consistent=True)
    if record is None:
        raise NotFound("No such campaign.", code="campaign_not_found")
    if record.status not in FINISHED:
        raise CampaignNotFinished(f"The campaign is {record.status}; resend once it is sent or failed.")
    if record.stats.resendable <= 0:
        raise NothingToResend(
            "No failed recipient is left to resend to (each is resent once; opt-outs never are)."
        )
    if record.stats.resends >= MAX_REPEATS:
        raise ResendLimitReached(f"The campaign was resent to {MAX_REPEATS} times, the most it may be.")
    total, name = record.batches_total, f"{campaign_id}-resend-{record.stats.resends + 1}"
    queued = campaigns.update(
        owner_id,
        campaign_id,
        allowed=(record.status,),
        to="queued",
        sets={
            "round_first": total,
            "batches_done": total,
            "batches_enqueued": total,
            "ended_as": record.status,
            # the earlier execution's end (its event may come late) must not fail this round
            "execution": name,
        },
        removes=("audience_frozen", "audience_cursor", "task_token"),
        adds={"resends": 1},
        correlation_id=correlation_id,
        condition="batches_total = :total",
        values={":total": total},
    )
    if queued is None:  # another resend (or a delete) came first
        current = campaigns.get_record(owner_id, campaign_id, consistent=True)
        if current is None:
            raise NotFound("No such campaign.", code="campaign_not_found")
        raise CampaignNotFinished(f"The campaign is {current.status}; resend once it is sent or failed.")
    try:
        execution = launcher.start(owner_id, campaign_id, correlation_id, name=name)
    except Exception:
        _undo(record, campaigns=campaigns)
        raise
    logger.info("resend to the failed queued", extra={"campaign_id": campaign_id, "execution": execution})
    return queued.campaign


def _undo(record: CampaignRecord, *, campaigns: CampaignRepository) -> None:
    """The campaign back as it was, when its resend could not start."""
    campaigns.update(
        record.owner_id,
        record.id,
        allowed=("queued",),
        to=record.status,
        sets={
            "round_first": record.round_first,
            "batches_done": record.batches_done,
            "batches_enqueued": record.batches_enqueued,
            "audience_frozen": True,
            "execution": record.execution,
        },
        adds={"resends": -1},
    )


def take_page(
    record: CampaignRecord, *, recipients: RecipientRepository, batches: BatchRepository
) -> tuple[str | None, dict[str, int]]:
    """A resend's next page: its failed recipients back to pending, in batches of one list each
    numbered after the last; where the next page starts, and what to count (a retried page takes
    again what it took: the counting happens once, in StartDelivery)."""
    owner_id, campaign_id = record.owner_id, record.id
    where = filters.resend_candidates(record.round_first)
    page, next_sk = recipients.page(
        owner_id, campaign_id, limit=RESEND_PAGE, start_sk=record.audience_cursor, where=where
    )
    by_list: dict[str, list[RecipientRecord]] = {}
    for recipient in page:
        by_list.setdefault(recipient.list_id, []).append(recipient)
    groups = [
        members[offset : offset + BATCH_SIZE]
        for members in by_list.values()
        for offset in range(0, len(members), BATCH_SIZE)
    ]
    written: list[tuple[int, str, list[str]]] = []
    for number, group in enumerate(groups, start=record.batches_total):
        taken = [
            r.email
            for r in group
            if recipients.take_again(owner_id, campaign_id, r.email, batch=number, where=where)
        ]
        written.append((number, group[0].list_id or record.campaign.list_id, taken))
    batches.add(owner_id, campaign_id, written)
    taken_count = sum(len(emails) for _, _, emails in written)
    return next_sk, {"batches_total": len(written), "failed": -taken_count, "resendable": -taken_count}
