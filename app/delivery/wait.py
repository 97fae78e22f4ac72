"""Step `WaitForSender` (waitForTaskToken): store the token the senders resume the execution with.

The senders may finish before this step runs (the last one then finds no token): the step
resumes the execution itself when every batch is already counted.
"""

from __future__ import annotations

from app.campaigns.repository import CampaignRepository
from app.delivery.models import PAUSE_LIMIT_SECONDS, DeliveryState, WaitRequest
from app.delivery.queue import Resumer
from app.errors import NotFound
from app.observability import bind_correlation_id, logger


def wait_for_sender(request: WaitRequest, *, campaigns: CampaignRepository, resumer: Resumer) -> bool:
    """Store the task token; resume at once when the senders already finished. True if resumed.

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
    if record.all_done():
        logger.info("senders already done; resuming", extra={"campaign_id": request.campaign_id})
        state = DeliveryState.of(record, "done", request.wait_timeout_seconds)
        return resumer.resume(request.task_token, state.model_dump())
    return False
