"""Segments against the module's own table: each kind of condition, a rule over 1,000 subscribers,
the bounded live count with its cursor, all lists, and the CSV export."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from app.contacts.models import NewSubscriber
from app.segments import members, service
from app.segments.models import Rule, SegmentCreate, SegmentPreview, SegmentPreviewRequest
from app.segments.rules import compile_rule
from app.store import Store
from tests.factories import list_with, owner_id

KEY = b"g" * 32


def key() -> bytes:
    return KEY


def people(store: Store, owner: str, rows: dict[str, dict[str, Any]], *, list_id: str | None = None) -> str:
    """A list holding these addresses with these attributes."""
    target = list_id or list_with(store, owner, [])
    store.subscribers.put_many(
        owner, target, [NewSubscriber(email=email, attributes=attrs) for email, attrs in rows.items()]
    )
    return target


def count_steps(
    store: Store, owner: str, request: SegmentPreviewRequest, *, budget: int
) -> list[SegmentPreview]:
    """Every step of a live count, cursor to cursor, as the SPA asks for them."""
    steps: list[SegmentPreview] = []
    cursor = None
    while not steps or cursor is not None:
        step = service.preview(
            owner,
            request.model_copy(update={"cursor": cursor}),
            lists=store.lists,
            subscribers=store.subscribers,
            campaigns=store.campaigns,
            key=key,
            budget=budget,
        )
        steps.append(step)
        cursor = step.next_cursor
    return steps


def matching(store: Store, owner: str, list_id: str | None, rule: dict[str, Any]) -> set[str]:
    where = compile_rule(Rule.model_validate(rule))
    found = members.everyone(owner, list_id, where, lists=store.lists, subscribers=store.subscribers)
    return {s.email for s in found}


SAMPLE: dict[str, dict[str, Any]] = {
    "a@x.test": {
        "city": "Oslo",
        "age": 42,
        "plan": "pro",
        "joined": "2024-03-01",
        "tags": ["vip", "beta"],
        "vip": True,
    },
    "b@x.test": {"city": "oslo", "age": "29", "plan": "", "joined": "2024-03-02T10:00:00Z", "tags": ["beta"]},
    "c@x.test": {"city": "Bergen", "age": 30.5, "joined": "2023-12-31", "vip": False},
    "d@x.test": {"city": "New Oslo", "age": "unknown", "joined": "not a date"},
    "e@x.test": {},
}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"key": "city", "op": "equals", "value": "OSLO"}, {"a", "b"}),
        ({"key": "city", "op": "not_equals", "value": "oslo"}, {"c", "d", "e"}),
        ({"key": "city", "op": "contains", "value": "osl"}, {"a", "b", "d"}),
        ({"key": "city", "op": "not_contains", "value": "osl"}, {"c", "e"}),
        ({"key": "tags", "op": "contains", "value": "VIP"}, {"a"}),
        ({"key": "plan", "op": "exists"}, {"a", "b"}),
        ({"key": "plan", "op": "not_exists"}, {"c", "d", "e"}),
        ({"key": "age", "op": "at_least", "value": 30}, {"a", "c"}),
        ({"key": "age", "op": "greater_than", "value": "30.5"}, {"a"}),
        ({"key": "age", "op": "less_than", "value": 30}, {"b"}),
        ({"key": "age", "op": "at_most", "value": 29}, {"b"}),
        ({"key": "age", "op": "equals", "value": "29"}, {"b"}),
        ({"key": "vip", "op": "equals", "value": "true"}, {"a"}),
        ({"key": "joined", "op": "before", "value": "2024-03-01"}, {"c"}),
        ({"key": "joined", "op": "after", "value": "2024-03-01"}, {"b"}),
        ({"key": "joined", "op": "on", "value": "2024-03-02"}, {"b"}),
    ],
    ids=lambda v: f"{v['op']} {v.get('value', '')}" if isinstance(v, dict) else "",
)
def test_each_attribute_condition_matches_what_a_person_would_expect(
    store: Store, condition: dict[str, Any], expected: set[str]
) -> None:
    # Given subscribers whose attributes differ in case, type and shape
    owner = owner_id()
    list_id = people(store, owner, SAMPLE)

    # When one condition is applied
    found = matching(store, owner, list_id, {"conditions": [{"field": "attribute", **condition}]})

    # Then exactly the expected subscribers match
    assert found == {f"{name}@x.test" for name in expected}


def test_all_and_any_combine_conditions_and_status_and_date_conditions_apply(store: Store) -> None:
    # Given the sample list, where b has unsubscribed
    owner = owner_id()
    list_id = people(store, owner, SAMPLE)
    store.subscribers.update(
        owner, list_id, "b@x.test", status="unsubscribed", suppress=None, correlation_id=None
    )
    oslo = {"field": "attribute", "key": "city", "op": "equals", "value": "oslo"}
    bergen = {"field": "attribute", "key": "city", "op": "equals", "value": "bergen"}
    subscribed = {"field": "status", "op": "is", "value": "subscribed"}
    today = datetime.now(UTC).date()

    # Then all, any, status and the subscription date each narrow as they say
    assert matching(store, owner, list_id, {"match": "all", "conditions": [oslo, subscribed]}) == {"a@x.test"}
    assert matching(store, owner, list_id, {"match": "any", "conditions": [oslo, bergen]}) == {
        "a@x.test",
        "b@x.test",
        "c@x.test",
    }
    assert matching(
        store, owner, list_id, {"conditions": [{"field": "status", "op": "is_not", "value": "subscribed"}]}
    ) == {"b@x.test"}
    since = {"field": "subscribed_at", "op": "within_last_days", "value": 1}
    assert matching(store, owner, list_id, {"conditions": [since]}) == set(SAMPLE)
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert (
        matching(
            store,
            owner,
            list_id,
            {"conditions": [{"field": "subscribed_at", "op": "after", "value": tomorrow}]},
        )
        == set()
    )
    on_today = {"field": "subscribed_at", "op": "on", "value": today.isoformat()}
    assert matching(store, owner, list_id, {"conditions": [on_today]}) == set(SAMPLE)


def thousand(seed: int = 7) -> dict[str, dict[str, Any]]:
    """1,000 subscribers with varied attributes (numbers sometimes as text, as a CSV import writes)."""
    rng = random.Random(seed)
    cities = ["Oslo", "oslo", "Bergen", "Paris", "Lyon"]
    rows = {}
    for i in range(1000):
        age = rng.randint(18, 80)
        attrs: dict[str, Any] = {
            "city": rng.choice(cities),
            "age": age if i % 2 else str(age),
            "signed": (date(2023, 1, 1) + timedelta(days=rng.randint(0, 700))).isoformat(),
        }
        if i % 3:
            attrs["plan"] = rng.choice(["free", "pro"])
        rows[f"reader{i:04d}@example.com"] = attrs
    return rows


RULE = {
    "match": "all",
    "conditions": [
        {"field": "attribute", "key": "city", "op": "equals", "value": "Oslo"},
        {"field": "attribute", "key": "age", "op": "at_least", "value": 40},
        {"field": "attribute", "key": "plan", "op": "exists"},
        {"field": "attribute", "key": "signed", "op": "before", "value": "2024-06-01"},
    ],
}


def expected_for(rows: dict[str, dict[str, Any]]) -> set[str]:
    return {
        email
        for email, a in rows.items()
        if a["city"].lower() == "oslo" and int(a["age"]) >= 40 and "plan" in a and a["signed"] < "2024-06-01"
    }


def test_a_rule_over_1000_subscribers_matches_exactly_the_expected_set(store: Store) -> None:
    # Given 1,000 subscribers with attributes
    owner = owner_id()
    rows = thousand()
    list_id = people(store, owner, rows)
    expected = expected_for(rows)
    assert 20 < len(expected) < 200  # the rule is selective, not trivially all or none

    # When the rule is evaluated over the list
    found = matching(store, owner, list_id, RULE)

    # Then exactly the expected subscribers match
    assert found == expected


def test_the_live_count_is_bounded_per_call_and_adds_up_over_its_cursor(store: Store) -> None:
    # Given the 1,000 subscribers
    owner = owner_id()
    rows = thousand(seed=11)
    list_id = people(store, owner, rows)
    request = SegmentPreviewRequest(list_id=list_id, rule=Rule.model_validate(RULE))

    # When the count runs with a budget of 300 subscribers a call
    steps = count_steps(store, owner, request, budget=300)
    sample = [s for step in steps for s in step.sample]

    # Then it took several bounded calls, and they add up to the exact count, with a sample of matches
    assert len(steps) >= 1000 // 300
    assert sum(step.matched for step in steps) == len(expected_for(rows))
    assert sample and {s.email for s in sample} <= expected_for(rows)
    assert all(len(s.attributes) >= 3 for s in sample)


def test_a_segment_over_all_lists_reads_each_list_in_turn(store: Store) -> None:
    # Given two lists with a match each, and a non-matching member
    owner = owner_id()
    first = people(store, owner, {"a@x.test": {"plan": "pro"}, "z@x.test": {}})
    second = people(store, owner, {"b@x.test": {"plan": "PRO"}})
    rule = {"conditions": [{"field": "attribute", "key": "plan", "op": "equals", "value": "pro"}]}

    # When a segment over all lists is saved and counted one Query at a time
    segment = service.create_segment(
        owner,
        SegmentCreate(name="Pro", list_id=None, rule=Rule.model_validate(rule)),
        repo=store.segments,
        lists=store.lists,
    )
    steps = count_steps(store, owner, SegmentPreviewRequest(list_id=None, rule=segment.rule), budget=1)

    # Then both lists were read, in turn, and each match counted
    assert sum(s.matched for s in steps) == 2
    assert {s.list_id for step in steps for s in step.sample} == {first, second}
    assert matching(store, owner, None, rule) == {"a@x.test", "b@x.test"}


def test_a_cursor_of_another_rule_is_refused(store: Store) -> None:
    owner = owner_id()
    list_id = people(store, owner, {f"p{i}@x.test": {} for i in range(5)})
    first = service.preview(
        owner,
        SegmentPreviewRequest(list_id=list_id, rule=Rule()),
        lists=store.lists,
        subscribers=store.subscribers,
        campaigns=store.campaigns,
        key=key,
        budget=2,
    )
    assert first.next_cursor is not None
    other = Rule.model_validate(RULE)
    with pytest.raises(Exception) as refused:
        service.preview(
            owner,
            SegmentPreviewRequest(list_id=list_id, rule=other, cursor=first.next_cursor),
            lists=store.lists,
            subscribers=store.subscribers,
            campaigns=store.campaigns,
            key=key,
        )
    assert getattr(refused.value, "code", "") == "invalid_cursor"


@pytest.mark.parametrize(
    "condition",
    [
        {"field": "attribute", "key": "age", "op": "at_least", "value": "many"},
        {"field": "attribute", "key": "joined", "op": "before", "value": "03/01/2024"},
        {"field": "attribute", "key": "city", "op": "equals"},
        {"field": "subscribed_at", "op": "within_last_days", "value": 0},
        {"field": "status", "op": "is", "value": "gone"},
        {"field": "opened", "op": "any", "value": 3},
    ],
)
def test_a_condition_that_cannot_be_evaluated_is_refused(condition: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Rule.model_validate({"conditions": [condition]})
