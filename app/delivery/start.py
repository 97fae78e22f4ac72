"""Step `StartDelivery`: freeze the campaign's audience a page at a time, and feed the send queue.

A resend to the failed recipients (resend.py) freezes, in the same way, pages of the campaign's
failed recipients instead of its audience.

The audience is frozen in pages of AUDIENCE_PAGE subscribers, as many per invocation as its time
allows: each page's recipients and batches are written, then counted on the campaign under the
condition that its cursor is still where the page began, so a retried page is never counted twice.
The step returns `freezing` while pages remain and the state machine runs it again (any audience
size, in bounded memory and time).

The send queue gets a campaign's batches progressively (`top_up`): at most SEND_WINDOW batches
beyond those done, so the queue never holds a whole large campaign of one tenant, and a pause
leaves little to set aside. StartDelivery, each WaitForSender and the pause's resume top it up;
the senders resume the execution (`pending`) when the window runs low.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.campaigns.repository import CampaignRecord, CampaignRepository
from app.campaigns.went_out import began_sending
from app.config import Settings
from app.contacts.lists import ListRepository
from app.contacts.subscribers import SubscriberRepository
from app.contacts.suppression import SuppressionRepository
from app.delivery import resend
from app.delivery.batches import BatchRecord, BatchRepository
from app.delivery.models import BATCH_SIZE, CampaignRef, DeliveryState, SendBatch
from app.delivery.queue import BatchQueue
from app.delivery.repository import RecipientRepository
from app.errors import Conflict, NotFound
from app.observability import bind_correlation_id, logger
from app.segments.audience import audience_page
from app.segments.repository import SegmentRepository
from app.store import Kit

AUDIENCE_PAGE = 1000  # subscribers read (and recipients written) per page
FREEZE_RESERVE_SECONDS = 20.0  # no new page is begun with less time than this left
SEND_WINDOW = 100  # batches of one campaign on the queue beyond those done (5,000 recipients)
REFILL_AT = SEND_WINDOW // 2  # a sender resumes the execution to top up when this few are left


class CampaignNotSendable(Conflict, code="campaign_not_sendable"):
    """The campaign is not waiting to be sent (cancelled, deleted, sent, or another delivery's)."""


@dataclass(frozen=True)
class Freezing(Kit):
    """The repositories that freezing a campaign's audience reads and writes."""

    campaigns: CampaignRepository
    recipients: RecipientRepository
    batches: BatchRepository
    subscribers: SubscriberRepository
    lists: ListRepository
    segments: SegmentRepository
    suppressions: SuppressionRepository


def _forever() -> float:
    return float("inf")


def start_delivery(
    ref: CampaignRef,
    *,
    execution: str,
    repos: Freezing,
    queue: BatchQueue,
    settings: Settings,
    time_left: Callable[[], float] = _forever,
) -> DeliveryState:
    """Freeze pages of the audience while time allows (status `freezing` until all are), and top
    up the send queue; safe to retry. Only the execution that started sending may continue."""
    owner_id, campaign_id = ref.owner_id, ref.campaign_id
    campaigns = repos.campaigns
    record = campaigns.get_record(owner_id, campaign_id, consistent=True)
    if record is None:
        raise NotFound("The campaign no longer exists.", code="campaign_not_found")
    bind_correlation_id(ref.correlation_id or record.correlation_id)
    if record.status in ("queued", "scheduled"):
        moved = campaigns.start_sending(
            owner_id, campaign_id, execution=execution, wait_timeout_seconds=settings.sender_timeout_seconds
        )
        if moved is None:
            raise CampaignNotSendable("The campaign was changed while it started.")
        record = moved
    elif record.status not in ("sending", "paused"):  # paused meanwhile: its batches wait for the resume
        raise CampaignNotSendable(f"The campaign is {record.status}, not waiting to be sent.")
    elif record.execution not in (None, execution):
        raise CampaignNotSendable(f"The campaign is delivered by execution {record.execution}.")
    began = began_sending(record.campaign)
    if began is not None and record.audience_cursor is None and not record.audience_frozen:
        campaigns.note_went_out(owner_id, campaign_id, began)  # before its first page (again on a retry)
    while not record.audience_frozen and time_left() > FREEZE_RESERVE_SECONDS:
        record = _freeze_page(record, repos)
        top_up(record, campaigns=campaigns, batches=repos.batches, queue=queue)  # the first go out now
    state = DeliveryState(
        owner_id=owner_id,
        campaign_id=campaign_id,
        correlation_id=ref.correlation_id or record.correlation_id,
        status="started" if record.audience_frozen else "freezing",
        wait_timeout_seconds=record.wait_timeout_seconds or settings.sender_timeout_seconds,
        recipients=record.stats.recipients,
        batches_total=record.batches_total,
        batches_done=record.batches_done,
    )
    logger.info(
        "delivery started" if record.audience_frozen else "audience partly frozen",
        extra={"campaign_id": campaign_id, "recipients": state.recipients, "batches": state.batches_total},
    )
    return state


def _freeze_page(record: CampaignRecord, repos: Freezing) -> CampaignRecord:
    """Freeze the next page, counted once: of the audience, its recipients (not suppressed) in
    batches numbered after the last; of a resend, the failed recipients taken again (resend.py)."""
    owner_id, campaign_id, campaigns = record.owner_id, record.id, repos.campaigns
    if record.stats.resends:
        next_cursor, counts = resend.take_page(record, recipients=repos.recipients, batches=repos.batches)
    else:
        next_cursor, counts = _audience_page(record, repos)
    frozen = campaigns.advance_freeze(
        owner_id, campaign_id, cursor=record.audience_cursor, next_cursor=next_cursor, counts=counts
    )
    if frozen is not None:
        return frozen
    current = campaigns.get_record(owner_id, campaign_id, consistent=True)
    if current is None or current.status not in ("sending", "paused"):
        raise CampaignNotSendable("The campaign stopped sending while its audience was frozen.")
    return current  # an earlier try counted this page: go on from where it left the cursor


def _audience_page(record: CampaignRecord, repos: Freezing) -> tuple[str | None, dict[str, int]]:
    """The next page of the audience written as recipients and batches; where the next page starts,
    and what to count."""
    owner_id, campaign_id = record.owner_id, record.id
    cursor, first = record.audience_cursor, record.batches_total
    page = audience_page(
        owner_id,
        record.campaign,
        cursor=cursor,
        limit=AUDIENCE_PAGE,
        subscribers=repos.subscribers,
        lists=repos.lists,
        segments=repos.segments,
        campaigns=repos.campaigns,
    )
    found = page.members
    if page.spans_lists:  # an address on several lists: only its first list's page mails it
        earlier = repos.recipients.frozen_before(owner_id, campaign_id, [s.email for s in found], batch=first)
        found = [s for s in found if s.email not in earlier]
    blocked = repos.suppressions.suppressed_among(owner_id, [s.email for s in found])
    chosen = [s for s in found if s.email not in blocked]
    groups = [chosen[offset : offset + BATCH_SIZE] for offset in range(0, len(chosen), BATCH_SIZE)]
    repos.recipients.freeze(owner_id, campaign_id, record.campaign.list_id, groups, first=first)
    counts = {"recipients": len(chosen), "suppressed": len(found) - len(chosen), "batches_total": len(groups)}
    return page.next_cursor, counts


def top_up(
    record: CampaignRecord,
    *,
    campaigns: CampaignRepository,
    batches: BatchRepository,
    queue: BatchQueue,
) -> int:
    """Put the next batches on the send queue, up to SEND_WINDOW beyond those done (a sending
    campaign only); returns how many. Steps of one execution call it one at a time."""
    if record.status != "sending":
        return 0
    first, target = record.batches_enqueued, min(record.batches_total, record.batches_done + SEND_WINDOW)
    if first >= target:
        return 0
    _enqueue(record, batches.get_many(record.owner_id, record.id, range(first, target)), queue)
    if not campaigns.note_enqueued(record.owner_id, record.id, before=first, after=target):
        logger.warning("the enqueued count moved meanwhile", extra={"campaign_id": record.id})
    return target - first


def requeue_parked(record: CampaignRecord, *, batches: BatchRepository, queue: BatchQueue) -> list[int]:
    """The batches senders set aside while the campaign was paused go back on the queue (a
    sending campaign only); returns their numbers."""
    if record.status != "sending":
        return []
    numbers = batches.take_parked(record.owner_id, record.id)
    if not numbers:
        return []
    _enqueue(record, batches.get_many(record.owner_id, record.id, numbers), queue)
    batches.forget_parked(record.owner_id, record.id, numbers)
    return numbers


def _enqueue(record: CampaignRecord, found: list[BatchRecord], queue: BatchQueue) -> None:
    """A message for each of these batches not done yet."""
    queue.enqueue(
        [
            SendBatch(
                owner_id=record.owner_id,
                campaign_id=record.id,
                batch=b.batch,
                emails=list(b.emails),
                list_id=b.list_id,
                correlation_id=record.correlation_id,
            )
            for b in found
            if not b.done
        ]
    )
