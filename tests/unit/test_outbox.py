"""The outbox turns table changes into domain events, and nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.events import DomainEvent, OwnerActivity, UserSignedUp
from app.outbox import REACTS_TO, TableChange, events_for, react

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


def _stream_filters() -> Any:
    from localcloud.pollers import _matcher
    from localcloud.template import load_template

    template = load_template(Path(__file__).resolve().parents[2] / "template.yaml")
    events = template["Resources"]["OnTableChangeFunction"]["Properties"]["Events"]
    return _matcher(events["Stream"]["Properties"]["FilterCriteria"]["Filters"])


def _record(kind: str, image: str, entity: str) -> dict[str, Any]:
    side = "NewImage" if image == "new" else "OldImage"
    return {"eventName": kind, "dynamodb": {side: {"type": {"S": entity}, "PK": {"S": "x"}}}}


def test_the_stream_filter_lets_through_every_change_the_outbox_reacts_to_and_nothing_else() -> None:
    passes = _stream_filters()
    for entity, image in REACTS_TO:
        assert passes(_record("MODIFY" if image == "new" else "REMOVE", image, entity)), entity
    for entity in ("campaign_recipient", "subscriber", "ws_connection", "delivery_lease"):
        assert not passes(_record("MODIFY", "new", entity)), entity
    assert not passes(_record("MODIFY", "new", "list"))  # a renamed list: nothing to do


def _subscriber(kind: str, before: str | None, after: str) -> dict[str, Any]:
    new = {"type": {"S": "subscriber"}, "status": {"S": after}}
    old = {"type": {"S": "subscriber"}, "status": {"S": before}} if before else None
    return {"eventName": kind, "dynamodb": {"NewImage": new, **({"OldImage": old} if old else {})}}


def test_the_stream_filter_lets_through_only_the_subscriber_changes_webhooks_announce() -> None:
    passes = _stream_filters()
    assert passes(_subscriber("INSERT", None, "unconfirmed"))
    assert passes(_subscriber("MODIFY", "unconfirmed", "subscribed"))
    assert passes(_subscriber("MODIFY", "subscribed", "unsubscribed"))
    assert not passes(_subscriber("MODIFY", "subscribed", "subscribed"))  # a send's counters
    assert not passes(_subscriber("MODIFY", "subscribed", "bounced"))


SUBSCRIBER = {"type": "subscriber", "owner_id": "o1", "list_id": "l1", "email": "a@example.com"}
CAMPAIGN = {"type": "campaign", "owner_id": "o1", "campaign_id": "c1"}


def _webhooks(kind: str, old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    change = TableChange(kind=kind, old=old, new=new)  # type: ignore[arg-type]
    return [e.webhook_type() if isinstance(e, OwnerActivity) else "" for e in events_for(change)]


def test_subscriber_and_campaign_changes_become_the_activity_webhooks_announce() -> None:
    unconfirmed, subscribed = {**SUBSCRIBER, "status": "unconfirmed"}, {**SUBSCRIBER, "status": "subscribed"}
    assert _webhooks("INSERT", None, unconfirmed) == ["subscriber.created"]
    assert _webhooks("MODIFY", unconfirmed, subscribed) == ["subscriber.confirmed"]
    assert _webhooks("MODIFY", subscribed, {**SUBSCRIBER, "status": "unsubscribed"}) == [
        "subscriber.unsubscribed"
    ]
    assert _webhooks("MODIFY", subscribed, {**subscribed, "name": "A"}) == []
    queued, sending = {**CAMPAIGN, "status": "queued"}, {**CAMPAIGN, "status": "sending"}
    assert _webhooks("MODIFY", queued, sending) == ["campaign.started"]
    assert _webhooks("MODIFY", {**CAMPAIGN, "status": "paused"}, sending) == []  # a resume
    assert _webhooks("MODIFY", sending, {**CAMPAIGN, "status": "sent"}) == ["campaign.sent"]
    assert _webhooks("MODIFY", sending, {**CAMPAIGN, "status": "failed"}) == ["campaign.failed"]
