"""Step `WaitForSender` (waitForTaskToken): store the token the senders resume the execution with.

The step also feeds the send queue: batches parked while the campaign was paused go back on it,
and it is topped up to its window (start.top_up). The senders resume the execution with `pending`
when the window runs low, which brings the execution back here; between two resumes each batch
done sends a heartbeat, so the wait only times out when no batch finished for its whole length.

The senders may finish before this step runs (the last one then finds no token): the step
resumes the execution itself when every batch is already counted.
"""

from __future__ import annotations

from app.campaigns.repository import CampaignRepository
from app.delivery.batches import BatchRepository
from app.delivery.models import PAUSE_LIMIT_SECONDS, DeliveryState, WaitRequest
from app.delivery.queue import BatchQueue, Resumer
from app.delivery.start import requeue_parked, top_up
from app.errors import NotFound
from app.observability import bind_correlation_id, logger


def wait_for_sender(
    request: WaitRequest,
    *,
    campaigns: CampaignRepository,
    batches: BatchRepository,
    queue: BatchQueue,
    resumer: Resumer,
) -> bool:
    """Store the task token, feed the queue; resume at once when the senders already finished.
    True if resumed.

    A paused campaign waits (up to PAUSE_LIMIT_SECONDS) for its resume; one paused before this
    wait began is sent round the loop once to get that longer wait.
    """
    record = campaigns.store_token(request.owner_id, request.campaign_id, request.task_token)
    if record is None:
        raise NotFound("The campaign no longer exists.", code="campaign_not_found")
    bind_correlation_id(record.correlation_id)
    if record.status == "paused":
        if request.status == "paused":
            return False
        state = DeliveryState.of(record, "paused", PAUSE_LIMIT_SECONDS)
        return resumer.resume(request.task_token, state.model_dump())
    if record.status != "sending":
        state = DeliveryState.of(record, "failed", request.wait_timeout_seconds)
        state.reason = f"The campaign is {record.status}, no longer sending."
        return resumer.resume(request.task_token, state.model_dump())
    requeue_parked(record, batches=batches, queue=queue)
    top_up(record, campaigns=campaigns, batches=batches, queue=queue)
    if record.all_done():
        logger.info("senders already done; resuming", extra={"campaign_id": request.campaign_id})
        state = DeliveryState.of(record, "done", request.wait_timeout_seconds)
        return resumer.resume(request.task_token, state.model_dump())
    return False
