"""Engagement conditions of segments against the module's own table: opened or clicked any of the
last N campaigns (the Nth campaign's boundary, fewer than N sent, other tenants' campaigns), in the
last D days, never; the live count, and a campaign frozen from such a segment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from app.segments import members, service
from app.segments.models import Rule, SegmentCreate, SegmentPreviewRequest
from app.segments.rules import rule_filter
from app.store import Store
from tests.factories import draft, engaged, list_with, owner_id
from tests.helpers import Delivery, FakeQueue, FakeResumer, FakeSes

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
MS = timedelta(milliseconds=1)


def key() -> bytes:
    return b"e" * 32


def rule(*conditions: dict[str, Any], match: str = "all") -> Rule:
    return Rule.model_validate({"match": match, "conditions": list(conditions)})


def matching(store: Store, owner: str, list_id: str | None, found: Rule, *, now: datetime = NOW) -> set[str]:
    where = rule_filter(owner, found, now=now, campaigns=store.campaigns)
    return {
        s.email
        for s in members.everyone(owner, list_id, where, lists=store.lists, subscribers=store.subscribers)
    }


def went_out(store: Store, owner: str, *days_ago: int) -> list[datetime]:
    """Campaigns of `owner` that began going out these many days before NOW."""
    moments = [NOW - days * DAY for days in days_ago]
    for n, at in enumerate(moments):
        store.campaigns.note_went_out(owner, f"c{n}", at)
    return moments


@pytest.fixture
def readers(store: Store) -> tuple[str, str]:
    """An owner whose campaigns went out 30, 20, 10 and 1 days ago, and a list of readers: one who
    opened 2 days ago and clicked, one who opened 15 days ago, one who opened exactly when the
    campaign of 20 days ago went out, one a millisecond before it, and one who never opened."""
    owner = owner_id()
    emails = ["recent@x.test", "middle@x.test", "edge@x.test", "before@x.test", "never@x.test"]
    list_id = list_with(store, owner, emails)
    went_out(store, owner, 30, 20, 10, 1)
    engaged(store, owner, list_id, "recent@x.test", opened=NOW - 2 * DAY, clicked=NOW - 2 * DAY)
    engaged(store, owner, list_id, "middle@x.test", opened=NOW - 15 * DAY)
    engaged(store, owner, list_id, "edge@x.test", opened=NOW - 20 * DAY)
    engaged(store, owner, list_id, "before@x.test", opened=NOW - 20 * DAY - MS)
    return owner, list_id


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "opened", "op": "in_last_campaigns", "value": 1}, set()),
        ({"field": "opened", "op": "in_last_campaigns", "value": 2}, {"recent"}),
        ({"field": "opened", "op": "in_last_campaigns", "value": 3}, {"recent", "middle", "edge"}),
        ({"field": "opened", "op": "in_last_campaigns", "value": 4}, {"recent", "middle", "edge", "before"}),
        ({"field": "clicked", "op": "in_last_campaigns", "value": 2}, {"recent"}),
        ({"field": "opened", "op": "within_last_days", "value": 16}, {"recent", "middle"}),
        ({"field": "clicked", "op": "within_last_days", "value": 1}, set()),
        ({"field": "opened", "op": "never"}, {"never"}),
        ({"field": "clicked", "op": "never"}, {"middle", "edge", "before", "never"}),
    ],
)
def test_each_engagement_condition_matches_from_the_nth_campaign_on(
    store: Store, readers: tuple[str, str], condition: dict[str, Any], expected: set[str]
) -> None:
    # Given the readers (the fixture); When the condition is evaluated as of NOW
    owner, list_id = readers
    found = matching(store, owner, list_id, rule(condition))

    # Then those who opened (clicked) at or after the Nth-last campaign went out match, the edge
    # to the millisecond
    assert found == {f"{name}@x.test" for name in expected}


def test_with_fewer_than_n_campaigns_sent_anyone_who_ever_opened_matches(store: Store) -> None:
    # Given an owner with two campaigns sent, and a reader who opened long before either
    owner = owner_id()
    list_id = list_with(store, owner, ["old@x.test", "never@x.test"])
    went_out(store, owner, 5, 3)
    engaged(store, owner, list_id, "old@x.test", opened=NOW - 400 * DAY)

    # When "opened any of the last 10" is evaluated
    found = matching(store, owner, list_id, rule({"field": "opened", "op": "in_last_campaigns", "value": 10}))

    # Then every open is of one of those campaigns: the opener matches, the other does not
    assert found == {"old@x.test"}


def test_only_the_owners_own_campaigns_and_those_before_the_moment_count(store: Store) -> None:
    # Given an owner whose last campaign went out 10 days ago, a reader who opened 5 days ago, and
    # another tenant who sent campaigns since
    owner, other = owner_id(), owner_id()
    list_id = list_with(store, owner, ["ada@x.test"])
    went_out(store, owner, 10)
    went_out(store, other, 4, 3, 2)
    engaged(store, owner, list_id, "ada@x.test", opened=NOW - 5 * DAY)
    last_one = rule({"field": "opened", "op": "in_last_campaigns", "value": 1})

    # When "opened the last campaign" is evaluated now, and as of before the owner's campaign
    now_found = matching(store, owner, list_id, last_one)
    earlier = matching(store, owner, list_id, last_one, now=NOW - 10 * DAY)

    # Then the other tenant's campaigns do not move the owner's boundary; and as of the moment the
    # campaign went out, it is not one of "the last" (there was none before it: any open counts)
    assert now_found == {"ada@x.test"}
    assert earlier == {"ada@x.test"}
    store.campaigns.note_went_out(owner, "later", NOW - 1 * DAY)
    assert matching(store, owner, list_id, last_one) == set()


def test_the_live_count_and_sample_reflect_engagement(store: Store, readers: tuple[str, str]) -> None:
    # Given the readers; When "opened any of the last 3 and never clicked" is counted
    owner, list_id = readers
    found = rule(
        {"field": "opened", "op": "in_last_campaigns", "value": 3},
        {"field": "clicked", "op": "never"},
    )
    preview = service.preview(
        owner,
        SegmentPreviewRequest(list_id=list_id, rule=found),
        lists=store.lists,
        subscribers=store.subscribers,
        campaigns=store.campaigns,
        key=key,
        now=NOW,
    )

    # Then the count and the sample are those two readers
    assert (preview.matched, preview.next_cursor) == (2, None)
    assert {s.email for s in preview.sample} == {"middle@x.test", "edge@x.test"}


def test_a_campaign_to_an_engagement_segment_mails_those_who_opened_before_it(store: Store) -> None:
    # Given a list where one reader opened the owner's previous campaign and one never opened
    owner = owner_id()
    list_id = list_with(store, owner, ["fan@x.test", "quiet@x.test"])
    previous = datetime.now(UTC) - 3 * DAY
    store.campaigns.note_went_out(owner, "previous", previous)
    engaged(store, owner, list_id, "fan@x.test", opened=previous + DAY)
    segment = service.create_segment(
        owner,
        SegmentCreate(
            name="Openers",
            list_id=list_id,
            rule=rule({"field": "opened", "op": "in_last_campaigns", "value": 1}),
        ),
        repo=store.segments,
        lists=store.lists,
    )

    # When a campaign to that segment is frozen
    campaign_id = draft(store, owner, list_id, segment_id=segment.id)
    assert store.campaigns.update(owner, campaign_id, allowed=("draft",), to="queued") is not None
    delivery = Delivery(store, owner, list_id, campaign_id, FakeQueue(), FakeResumer(), FakeSes())
    state = delivery.start()

    # Then "the last campaign" is the one before this one (not itself): only the opener is mailed,
    # and this campaign is now the last to have gone out
    frozen, _ = store.recipients.page(owner, campaign_id, limit=10, start_sk=None)
    assert (state.recipients, [r.email for r in frozen]) == (1, ["fan@x.test"])
    assert len(store.campaigns.went_out_before(owner, datetime.now(UTC) + MS, limit=5)) == 2


@pytest.mark.parametrize(
    "condition",
    [
        {"field": "opened", "op": "in_last_campaigns", "value": 51},
        {"field": "opened", "op": "in_last_campaigns"},
        {"field": "clicked", "op": "within_last_days"},
        {"field": "clicked", "op": "never", "value": 3},
        {"field": "opened", "op": "in_last_campaigns", "value": 0},
    ],
)
def test_an_engagement_condition_without_a_fitting_value_is_refused(condition: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        rule(condition)
