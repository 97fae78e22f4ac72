"""Fixed-window rate limits in the table: counted per subject, refused with the wait, reset per window."""

from __future__ import annotations

import uuid

import pytest

from app.digests import hex_digest
from app.errors import TooManyRequests
from app.ratelimit import Limit, enforce
from app.store import Store

LIMIT = Limit("test-login", max_hits=3, window_seconds=60)
START = 1_800_000_000.0  # on a window boundary (a multiple of 60)


def _subject() -> str:
    return f"203.0.113.{uuid.uuid4().int % 250}-{uuid.uuid4().hex[:6]}"


def test_hits_within_the_limit_pass_and_the_next_is_refused_with_the_rest_of_the_window(store: Store) -> None:
    # Given a subject that has used its three hits 20 s into a window
    subject = _subject()
    allowed = [store.limits.hit(LIMIT, subject, now=START + 20) for _ in range(3)]

    # When it tries a fourth time, 25 s into the window
    refused = store.limits.hit(LIMIT, subject, now=START + 25)

    # Then the first three passed and the fourth waits for the window's last 35 s
    assert allowed == [None, None, None]
    assert refused == 35


def test_a_new_window_starts_afresh_and_refused_hits_are_not_counted(store: Store) -> None:
    subject = _subject()
    for _ in range(5):  # three counted, two refused
        store.limits.hit(LIMIT, subject, now=START + 1)

    assert store.limits.hit(LIMIT, subject, now=START + 60) is None
    assert store.limits.hit(LIMIT, subject, now=START + 61) is None
    assert store.limits.hit(LIMIT, subject, now=START + 62) is None
    assert store.limits.hit(LIMIT, subject, now=START + 63) == 57


def test_subjects_and_limits_are_counted_apart_and_the_table_holds_no_subject(store: Store) -> None:
    # Given one subject that spent its hits
    spent, other = _subject(), _subject()
    for _ in range(3):
        store.limits.hit(LIMIT, spent, now=START)

    # Then another subject, and the same subject under another limit, still pass
    assert store.limits.hit(LIMIT, other, now=START) is None
    assert store.limits.hit(Limit("test-other", 3, 60), spent, now=START) is None
    # And the counter's key carries a digest, with a TTL past the window's end
    item = store.table.get(f"LIMIT#{LIMIT.name}#{hex_digest(spent, 32)}", f"W#{int(START)}")
    assert item is not None and item["hits"] == 3 and spent not in str(item)
    assert int(START) + 60 < item["ttl"] <= int(START) + 60 + 120


def test_enforce_raises_too_many_requests_with_retry_after_at_the_first_spent_limit(store: Store) -> None:
    address, account = _subject(), _subject()
    by_address, by_account = Limit("test-address", 5, 600), Limit("test-account", 1, 60)
    enforce([(by_address, address), (by_account, account)], repo=store.limits, now=START)

    with pytest.raises(TooManyRequests) as refused:
        enforce([(by_address, address), (by_account, account)], repo=store.limits, now=START + 10)

    assert refused.value.retry_after == 50 and refused.value.code == "rate_limited"
    # The address's own limit counted both attempts; the account's refused one was not counted
    assert store.limits.hit(by_address, address, now=START + 10) is None
    counted = store.table.get(f"LIMIT#test-address#{hex_digest(address, 32)}", f"W#{int(START)}")
    assert counted is not None and counted["hits"] == 3
