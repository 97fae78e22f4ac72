"""The outbox turns table changes into domain events, and nothing else."""

from __future__ import annotations

from collections.abc import Sequence

from app.events import DomainEvent, UserSignedUp
from app.outbox import TableChange, events_for, react

PROFILE = {
    "PK": "USER#u1",
    "SK": "PROFILE",
    "type": "user",
    "user_id": "u1",
    "email": "ada@example.com",
    "name": "Ada",
    "correlation_id": "c-1",
}


def test_a_new_profile_becomes_user_signed_up_with_the_correlation_id() -> None:
    events = events_for(TableChange(kind="INSERT", old=None, new=PROFILE))
    assert events == [UserSignedUp(user_id="u1", email="ada@example.com", name="Ada", correlation_id="c-1")]


def test_a_renamed_profile_or_a_non_domain_item_publishes_nothing() -> None:
    assert events_for(TableChange(kind="MODIFY", old=PROFILE, new={**PROFILE, "name": "A"})) == []
    idempotency_record = {"PK": "IDEMPOTENCY#x", "SK": "abc", "status": "COMPLETED"}
    assert events_for(TableChange(kind="INSERT", old=None, new=idempotency_record)) == []
    assert events_for(TableChange(kind="REMOVE", old=PROFILE, new=None)) == []


def test_react_publishes_only_when_there_is_something_to_say() -> None:
    published: list[Sequence[DomainEvent]] = []
    react(TableChange(kind="INSERT", old=None, new=PROFILE), publish=published.append)
    react(TableChange(kind="MODIFY", old=PROFILE, new=PROFILE), publish=published.append)
    assert [[e.detail_type() for e in batch] for batch in published] == [["UserSignedUp"]]
