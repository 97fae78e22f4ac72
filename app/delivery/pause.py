"""Pause and resume a sending campaign (API use cases that steer the running delivery).

A pause stops the senders at their next batch (each reads the campaign first and parks the batch
it got, see send.py); a resume puts the parked batches back on the send queue and brings the
execution back to WaitForSender, which tops the queue up again. Nobody is mailed twice (the
claims), and everybody's opt-out since the pause is honoured (checked at send time).
"""

from __future__ import annotations

from app.aws import error_code
from app.campaigns.models import Campaign
from app.campaigns.repository import MAX_REPEATS, CampaignRepository
from app.delivery.batches import BatchRepository
from app.delivery.models import PAUSE_LIMIT_SECONDS, DeliveryState, StateStatus
from app.delivery.queue import BatchQueue, Resumer
from app.delivery.start import requeue_parked
from app.errors import Conflict, NotFound, UpstreamUnavailable
from app.observability import logger


class CampaignNotSending(Conflict, code="campaign_not_sending"):
    """Only a sending campaign can be paused."""


class CampaignNotPaused(Conflict, code="campaign_not_paused"):
    """Only a paused campaign can be resumed."""


class PauseLimitReached(Conflict, code="pause_limit_reached"):
    """A campaign may be paused MAX_REPEATS times."""


def _refuse(
    campaigns: CampaignRepository, owner_id: str, campaign_id: str, error: type[Conflict]
) -> Exception:
    current = campaigns.get_record(owner_id, campaign_id, consistent=True)
    if current is None:
        return NotFound("No such campaign.", code="campaign_not_found")
    if error is CampaignNotSending and current.status == "sending" and current.pauses() >= MAX_REPEATS:
        return PauseLimitReached(f"The campaign was paused {MAX_REPEATS} times, the most it may be.")
    return error(f"The campaign is {current.status}.")


def pause(
    owner_id: str,
    campaign_id: str,
    *,
    campaigns: CampaignRepository,
    resumer: Resumer,
    correlation_id: str | None,
) -> Campaign:
    """sending -> paused. Senders park the batches they get from now on (resume enqueues them
    again); the execution goes round to a wait as long as PAUSE_LIMIT_SECONDS."""
    record = campaigns.repeat(
        owner_id, campaign_id, "pauses", allowed=("sending",), to="paused", correlation_id=correlation_id
    )
    if record is None:
        raise _refuse(campaigns, owner_id, campaign_id, CampaignNotSending)
    if record.task_token:  # none yet: WaitForSender will see the pause when it stores its token
        state = DeliveryState.of(record, "paused", PAUSE_LIMIT_SECONDS)
        try:
            resumer.resume(record.task_token, state.model_dump())
        except Exception as exc:
            campaigns.update(owner_id, campaign_id, allowed=("paused",), to="sending")
            raise UpstreamUnavailable(
                f"The delivery could not be paused ({error_code(exc) or exc})."
            ) from exc
    logger.info("campaign paused", extra={"campaign_id": campaign_id})
    return record.campaign


def resume(
    owner_id: str,
    campaign_id: str,
    *,
    campaigns: CampaignRepository,
    batches: BatchRepository,
    queue: BatchQueue,
    resumer: Resumer,
    correlation_id: str | None,
) -> Campaign:
    """paused -> sending: the batches parked meanwhile go back on the send queue (recipients
    already mailed are skipped by their claims), and the execution waits for the senders again."""
    record = campaigns.update(
        owner_id, campaign_id, allowed=("paused",), to="sending", correlation_id=correlation_id
    )
    if record is None:
        raise _refuse(campaigns, owner_id, campaign_id, CampaignNotPaused)
    requeued = requeue_parked(record, batches=batches, queue=queue)
    if record.task_token:
        status: StateStatus = "done" if record.all_done() else "pending"
        resumer.resume(record.task_token, DeliveryState.of(record, status).model_dump())
    logger.info("campaign resumed", extra={"campaign_id": campaign_id, "batches_requeued": len(requeued)})
    return record.campaign
