"""A campaign's recipients as the API pages them: all, or those with one status (or who opened or
clicked), a bounded number of items read per request."""

from __future__ import annotations

from app.campaigns.models import RecipientFilter, RecipientPage
from app.campaigns.repository import CampaignRepository
from app.delivery import filters
from app.delivery.repository import RecipientRecord, RecipientRepository
from app.errors import NotFound, found
from app.pagination import KeySource, PageRequest, next_cursor, start_after

# A filtered page reads at most FILTERED_READS Queries of FILTERED_READ_SIZE recipients (1,000 items
# read per request, whatever the filter keeps); the cursor continues where the reading stopped.
FILTERED_READ_SIZE = 200
FILTERED_READS = 5


def recipients(
    owner_id: str,
    campaign_id: str,
    page: PageRequest,
    *,
    status: RecipientFilter | None = None,
    repo: CampaignRepository,
    recipients_repo: RecipientRepository,
    key: KeySource,
) -> RecipientPage:
    """A page of the campaign's frozen audience with each message's status, in email order (only
    those with `status`, when given: such a page may be short, even empty, before the last)."""
    found(repo.get(owner_id, campaign_id), lambda: NotFound("No such campaign.", code="campaign_not_found"))
    scope = f"recipients:{owner_id}:{campaign_id}"
    start = start_after(page.cursor, scope=scope, prefix="RCPT#", key=key)
    if status is None:
        rows, last = recipients_repo.page(owner_id, campaign_id, limit=page.limit, start_sk=start)
    else:
        rows, last = _filtered(owner_id, campaign_id, status, page.limit, start, recipients_repo)
    return RecipientPage(items=[r.view() for r in rows], next_cursor=next_cursor(last, scope=scope, key=key))


def _filtered(
    owner_id: str,
    campaign_id: str,
    status: RecipientFilter,
    limit: int,
    start: str | None,
    repo: RecipientRepository,
) -> tuple[list[RecipientRecord], str | None]:
    """Up to `limit` recipients that match, from at most FILTERED_READS reads; the sort key to go on
    after (the last one returned when more matched than fit)."""
    where = filters.where(status)
    rows: list[RecipientRecord] = []
    last = start
    for _ in range(FILTERED_READS):
        chunk, last = repo.page(owner_id, campaign_id, limit=FILTERED_READ_SIZE, start_sk=last, where=where)
        rows += chunk
        if last is None or len(rows) >= limit:
            break
    if len(rows) > limit:
        rows = rows[:limit]
        last = f"RCPT#{rows[-1].email}"
    return rows, last
