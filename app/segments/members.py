"""Who matches a rule: a list's partition (or each list's, in turn) read through the rule's filter.

Every read is a Query of one list's partition with the rule as FilterExpression, `QUERY_PAGE`
subscribers at a time. DynamoDB reads (and bills) every subscriber of the partition whatever the
filter keeps, so the cost of a segment is the size of its lists: a preview reads at most `budget`
subscribers per call and hands back a cursor; a send or an export reads them all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from app.contacts.attributes import Filter
from app.contacts.lists import ListRepository
from app.contacts.models import Subscriber
from app.contacts.subscribers import SubscriberRepository

QUERY_PAGE = 1000


@dataclass(frozen=True)
class Position:
    """Where reading stopped: in which list, after which sort key (None: from its start)."""

    list_id: str
    sk: str | None


@dataclass(frozen=True)
class Step:
    """One Query's worth: the matches, how many subscribers it may have read, where to go on."""

    matches: list[Subscriber]
    read: int
    next: Position | None


def _scope(owner_id: str, list_id: str | None, lists: ListRepository) -> list[str]:
    """The lists a segment reads, in a stable order (every list of the owner, when none is named)."""
    return [list_id] if list_id else [found.id for found in lists.all(owner_id)]


def steps(
    owner_id: str,
    list_id: str | None,
    where: Filter,
    *,
    start: Position | None,
    lists: ListRepository,
    subscribers: SubscriberRepository,
    page_size: int = QUERY_PAGE,
) -> Iterator[Step]:
    """The Queries that read the segment from `start` to its end, one step each."""
    scope = _scope(owner_id, list_id, lists)
    if start is not None:
        if start.list_id not in scope:
            return
        scope = scope[scope.index(start.list_id) :]
    for index, current in enumerate(scope):
        sk = start.sk if start is not None and index == 0 else None
        while True:
            matches, sk = subscribers.page(
                owner_id, current, prefix="", limit=page_size, start_sk=sk, where=where
            )
            if sk is not None:
                yield Step(matches, page_size, Position(current, sk))
                continue
            following = scope[index + 1] if index + 1 < len(scope) else None
            yield Step(matches, page_size, Position(following, None) if following else None)
            break


def everyone(
    owner_id: str,
    list_id: str | None,
    where: Filter,
    *,
    lists: ListRepository,
    subscribers: SubscriberRepository,
) -> Iterator[Subscriber]:
    """Every match, list after list (an address on several lists comes once per list)."""
    for step in steps(owner_id, list_id, where, start=None, lists=lists, subscribers=subscribers):
        yield from step.matches
