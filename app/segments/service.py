"""Segment use cases: saved rules (create, read, change, delete), a bounded live count with a
sample, and what the CSV export of the members holds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from app.campaigns.went_out import WentOutLog
from app.contacts.lists import ListRepository
from app.contacts.models import Subscriber, new_id
from app.contacts.subscribers import SubscriberRepository
from app.digests import hex_digest
from app.errors import NotFound, found
from app.observability import logger
from app.owned import OwnedReads
from app.pagination import KeySource, decode_cursor, encode_cursor
from app.segments import members
from app.segments.models import (
    Rule,
    Segment,
    SegmentCreate,
    SegmentPage,
    SegmentPreview,
    SegmentPreviewRequest,
    SegmentUpdate,
)
from app.segments.repository import SegmentRepository
from app.segments.rules import rule_filter

PREVIEW_BUDGET = 2000  # subscribers one preview call may read (two Queries)
SAMPLE_SIZE = 10


# One of the owner's segments and a page of them (oldest first): GET /api/segments[/{segment_id}].
reads = OwnedReads("segment", Segment, SegmentPage)
_not_found = reads.missing


def _check_list(owner_id: str, list_id: str | None, lists: ListRepository) -> None:
    if list_id is not None and lists.get(owner_id, list_id) is None:
        raise NotFound("No such list.", code="list_not_found")


def create_segment(
    owner_id: str, cmd: SegmentCreate, *, repo: SegmentRepository, lists: ListRepository
) -> Segment:
    """A saved rule over one of the owner's lists, or over all of them."""
    _check_list(owner_id, cmd.list_id, lists)
    created = repo.create(owner_id, new_id(), name=cmd.name, list_id=cmd.list_id, rule=cmd.rule)
    logger.info("segment created", extra={"segment_id": created.id, "conditions": len(cmd.rule.conditions)})
    return created


def update_segment(
    owner_id: str, segment_id: str, cmd: SegmentUpdate, *, repo: SegmentRepository, lists: ListRepository
) -> Segment:
    """Change a segment (a campaign sent to it later sees the new rule)."""
    scope = "list_id" in cmd.model_fields_set
    if scope:
        _check_list(owner_id, cmd.list_id, lists)
    updated = repo.update(
        owner_id, segment_id, name=cmd.name, list_id=cmd.list_id, rule=cmd.rule, scope=scope
    )
    return found(updated, _not_found)


def delete_segment(owner_id: str, segment_id: str, *, repo: SegmentRepository) -> None:
    """Delete a segment (campaigns already sent to it keep their recipients)."""
    if not repo.delete(owner_id, segment_id):
        raise _not_found()


def _preview_scope(owner_id: str, list_id: str | None, rule: Rule) -> str:
    # A cursor continues one count: another rule or list must start again from the beginning.
    return f"segment-preview:{owner_id}:{list_id or '*'}:{hex_digest(rule.model_dump_json(), 16)}"


def preview(
    owner_id: str,
    cmd: SegmentPreviewRequest,
    *,
    lists: ListRepository,
    subscribers: SubscriberRepository,
    campaigns: WentOutLog,
    key: KeySource,
    now: datetime | None = None,
    budget: int = PREVIEW_BUDGET,
) -> SegmentPreview:
    """One bounded step of counting a rule's matches (at most `budget` subscribers read), with a
    sample and a cursor to the next step: a live count while the rule is being edited."""
    _check_list(owner_id, cmd.list_id, lists)
    scope = _preview_scope(owner_id, cmd.list_id, cmd.rule)
    start = None
    if cmd.cursor:
        position = decode_cursor(cmd.cursor, scope=scope, key=key)
        start = members.Position(list_id=str(position.get("l", "")), sk=position.get("s"))
    matched = subscribed = read = 0
    sample: list[Subscriber] = []
    last: members.Position | None = None
    where = rule_filter(owner_id, cmd.rule, now=now or datetime.now(UTC), campaigns=campaigns)
    for step in members.steps(
        owner_id,
        cmd.list_id,
        where,
        start=start,
        lists=lists,
        subscribers=subscribers,
        page_size=min(members.QUERY_PAGE, budget),
    ):
        matched += len(step.matches)
        subscribed += sum(1 for s in step.matches if s.status == "subscribed")
        sample.extend(step.matches[: SAMPLE_SIZE - len(sample)])
        read += step.read
        last = step.next
        if last is None or read >= budget:
            break
    cursor = encode_cursor({"l": last.list_id, "s": last.sk}, scope=scope, key=key) if last else None
    return SegmentPreview(matched=matched, subscribed=subscribed, sample=sample, next_cursor=cursor)


def export_segment(
    owner_id: str,
    segment_id: str,
    *,
    repo: SegmentRepository,
    lists: ListRepository,
    subscribers: SubscriberRepository,
    campaigns: WentOutLog,
) -> tuple[str, Iterator[Subscriber]]:
    """What a segment's export holds (as a list's): the file's name and the members, read as they are
    consumed. An address on several of the lists has a row per list."""
    segment = reads.one(owner_id, segment_id, repo=repo)
    where = rule_filter(owner_id, segment.rule, now=datetime.now(UTC), campaigns=campaigns)
    matches = members.everyone(owner_id, segment.list_id, where, lists=lists, subscribers=subscribers)
    return f"segment-{segment.id}.csv", matches
