"""Who a campaign goes to: the one function delivery's freeze reads its audience through.

A campaign names a list, and optionally a segment: without one its audience is the list's
subscribers; with one it is the segment's members, over the segment's list or over all lists
(each address once: the first list it is found on carries it; the freeze drops the later ones).
Only `subscribed` members are ever mailed (unconfirmed ones wait for their link); suppression is
applied by the freeze. The rule is evaluated as of the moment the campaign began going out, so
every page of one freeze reads the same rule ("the last N campaigns" are those before this one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from app.campaigns.models import Campaign
from app.campaigns.went_out import WentOutLog, began_sending
from app.contacts.attributes import Filter
from app.contacts.lists import ListRepository
from app.contacts.models import Subscriber
from app.contacts.subscribers import SubscriberRepository
from app.errors import InvalidInput, NotFound
from app.segments import members
from app.segments.repository import SegmentRepository
from app.segments.rules import rule_filter


def check_target(owner_id: str, list_id: str, segment_id: str | None, *, segments: SegmentRepository) -> None:
    """A campaign may name a segment of the owner's that reads its list (or all lists)."""
    if segment_id is None:
        return
    segment = segments.get(owner_id, segment_id)
    if segment is None:
        raise NotFound("No such segment.", code="segment_not_found")
    if segment.list_id is not None and segment.list_id != list_id:
        raise InvalidInput(
            "The segment reads another list: choose that list for the campaign.",
            code="segment_list_mismatch",
            details=[{"field": "segment_id", "list_id": segment.list_id}],
        )


@dataclass(frozen=True)
class AudiencePage:
    """One page of a campaign's audience: subscribed members of one list (before suppression)."""

    members: list[Subscriber]
    next_cursor: str | None  # None: this was the last page
    spans_lists: bool  # over all lists: an address may come again from another list


def _position(cursor: str | None) -> members.Position | None:
    if cursor is None:
        return None
    found = json.loads(cursor)
    return members.Position(list_id=str(found["list"]), sk=found.get("sk"))


def _cursor(position: members.Position | None) -> str | None:
    return None if position is None else json.dumps({"list": position.list_id, "sk": position.sk})


def audience_page(
    owner_id: str,
    campaign: Campaign,
    *,
    cursor: str | None,
    limit: int,
    subscribers: SubscriberRepository,
    lists: ListRepository,
    segments: SegmentRepository,
    campaigns: WentOutLog,
) -> AudiencePage:
    """The page of the audience that begins at `cursor` (None: the first): one Query of one list,
    its subscribed members; NotFound when the campaign's segment was deleted before it was sent.

    A page never spans two lists, so each batch of it belongs to one list (a sender checks
    opt-outs against that list)."""
    where: Filter = Filter()
    scope: str | None = campaign.list_id
    if campaign.segment_id is not None:
        segment = segments.get(owner_id, campaign.segment_id)
        if segment is None:
            raise NotFound("The campaign's segment no longer exists.", code="segment_not_found")
        now = began_sending(campaign) or datetime.now(UTC)
        where = rule_filter(owner_id, segment.rule, now=now, campaigns=campaigns)
        scope = segment.list_id
    reads = members.steps(
        owner_id, scope, where, start=_position(cursor), lists=lists, subscribers=subscribers, page_size=limit
    )
    step = next(reads, None)
    if step is None:  # no list to read (all lists, and the owner has none)
        return AudiencePage(members=[], next_cursor=None, spans_lists=scope is None)
    return AudiencePage(
        members=[m for m in step.matches if m.status == "subscribed"],
        next_cursor=_cursor(step.next),
        spans_lists=scope is None,
    )
