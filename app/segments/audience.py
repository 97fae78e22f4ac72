"""Who a campaign goes to: the one function delivery's freeze reads its audience through.

A campaign names a list, and optionally a segment: without one its audience is the list's
subscribers; with one it is the segment's members, over the segment's list or over all lists
(each address once: the first list it is found on carries it). Only `subscribed` members are ever
mailed (unconfirmed ones wait for their link); suppression is applied by the freeze.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.campaigns.models import Campaign
from app.contacts.lists import ListRepository
from app.contacts.models import Subscriber
from app.contacts.subscribers import Filter, SubscriberRepository
from app.errors import InvalidInput, NotFound
from app.segments import members
from app.segments.repository import SegmentRepository
from app.segments.rules import compile_rule


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


def members_of(
    owner_id: str,
    campaign: Campaign,
    *,
    subscribers: SubscriberRepository,
    lists: ListRepository,
    segments: SegmentRepository,
) -> Iterator[Subscriber]:
    """The subscribed members a campaign may mail (before suppression), each address once;
    NotFound when its segment was deleted before it was sent."""
    where: Filter = Filter()
    scope: str | None = campaign.list_id
    if campaign.segment_id is not None:
        segment = segments.get(owner_id, campaign.segment_id)
        if segment is None:
            raise NotFound("The campaign's segment no longer exists.", code="segment_not_found")
        where, scope = compile_rule(segment.rule), segment.list_id
    seen: set[str] = set()
    for member in members.everyone(owner_id, scope, where, lists=lists, subscribers=subscribers):
        if member.status == "subscribed" and member.email not in seen:
            seen.add(member.email)
            yield member
