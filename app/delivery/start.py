"""Step `StartDelivery`: freeze the campaign's audience and put its batches on the send queue.

Safe to retry: each part records that it is done on the campaign (`audience_frozen`, then
`enqueued`), so a retried start skips what an earlier attempt finished.
"""

from __future__ import annotations

from collections.abc import Collection

from app.campaigns.repository import CampaignRecord, CampaignRepository
from app.config import Settings
from app.contacts.lists import ListRepository
from app.contacts.subscribers import SubscriberRepository
from app.contacts.suppression import SuppressionRepository
from app.delivery.models import BATCH_SIZE, CampaignRef, DeliveryState, SendBatch
from app.delivery.queue import BatchQueue
from app.delivery.repository import RecipientRepository
from app.errors import Conflict, NotFound
from app.observability import bind_correlation_id, logger
from app.segments.audience import members_of
from app.segments.repository import SegmentRepository


class CampaignNotSendable(Conflict):
    """The campaign is not waiting to be sent (cancelled, deleted, or already sent)."""

    code = "campaign_not_sendable"


def start_delivery(
    ref: CampaignRef,
    *,
    campaigns: CampaignRepository,
    recipients: RecipientRepository,
    subscribers: SubscriberRepository,
    lists: ListRepository,
    segments: SegmentRepository,
    suppressions: SuppressionRepository,
    queue: BatchQueue,
    settings: Settings,
) -> DeliveryState:
    """Freeze the audience (subscribed, not suppressed), enqueue its batches; safe to retry."""
    owner_id, campaign_id = ref.owner_id, ref.campaign_id
    record = campaigns.get_record(owner_id, campaign_id, consistent=True)
    if record is None:
        raise NotFound("The campaign no longer exists.", code="campaign_not_found")
    bind_correlation_id(ref.correlation_id or record.correlation_id)
    if record.status in ("queued", "scheduled"):
        moved = campaigns.update(
            owner_id,
            campaign_id,
            allowed=("queued", "scheduled"),
            to="sending",
            sets={"wait_timeout_seconds": settings.sender_timeout_seconds},
        )
        if moved is None:
            raise CampaignNotSendable("The campaign was changed while it started.")
        record = moved
    elif record.status not in ("sending", "paused"):  # paused meanwhile: its batches wait for the resume
        raise CampaignNotSendable(f"The campaign is {record.status}, not waiting to be sent.")
    timeout = record.wait_timeout_seconds or settings.sender_timeout_seconds
    if not record.audience_frozen:
        record = _freeze(
            record,
            campaigns=campaigns,
            recipients=recipients,
            subscribers=subscribers,
            lists=lists,
            segments=segments,
            suppressions=suppressions,
        )
    if not record.enqueued:
        enqueue(record, recipients=recipients, queue=queue)
        campaigns.update(owner_id, campaign_id, allowed=("sending", "paused"), sets={"enqueued": True})
    state = DeliveryState(
        owner_id=owner_id,
        campaign_id=campaign_id,
        correlation_id=ref.correlation_id or record.correlation_id,
        wait_timeout_seconds=timeout,
        recipients=record.stats.recipients,
        batches_total=record.batches_total,
    )
    logger.info("delivery started", extra={"campaign_id": campaign_id, "recipients": state.recipients})
    return state


def _freeze(
    record: CampaignRecord,
    *,
    campaigns: CampaignRepository,
    recipients: RecipientRepository,
    subscribers: SubscriberRepository,
    lists: ListRepository,
    segments: SegmentRepository,
    suppressions: SuppressionRepository,
) -> CampaignRecord:
    owner_id, campaign_id, list_id = record.owner_id, record.id, record.campaign.list_id
    audience = list(
        members_of(owner_id, record.campaign, subscribers=subscribers, lists=lists, segments=segments)
    )
    blocked = suppressions.suppressed_among(owner_id, [s.email for s in audience])
    chosen = [s for s in audience if s.email not in blocked]
    batches = [chosen[offset : offset + BATCH_SIZE] for offset in range(0, len(chosen), BATCH_SIZE)]
    recipients.freeze(owner_id, campaign_id, list_id, batches)
    frozen = campaigns.update(
        owner_id,
        campaign_id,
        allowed=("sending", "paused"),
        sets={
            "audience_frozen": True,
            "recipients": len(chosen),
            "suppressed": len(audience) - len(chosen),
            "batches_total": len(batches),
        },
    )
    if frozen is None:
        raise CampaignNotSendable("The campaign stopped sending while its audience was frozen.")
    return frozen


def enqueue(
    record: CampaignRecord, *, recipients: RecipientRepository, queue: BatchQueue, skip: Collection[int] = ()
) -> int:
    """Put the campaign's batches (but those in `skip`) on the send queue; returns how many."""
    by_batch: dict[int, list[str]] = {}
    for recipient in recipients.all(record.owner_id, record.id):
        if recipient.batch not in skip:
            by_batch.setdefault(recipient.batch, []).append(recipient.email)
    queue.enqueue(
        [
            SendBatch(
                owner_id=record.owner_id,
                campaign_id=record.id,
                batch=number,
                emails=emails,
                correlation_id=record.correlation_id,
            )
            for number, emails in sorted(by_batch.items())
        ]
    )
    return len(by_batch)
