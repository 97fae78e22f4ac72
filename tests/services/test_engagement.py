"""Opens and clicks from SES events: on recipients, per campaign, link and hour, and per address."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from typing import Any

import pytest

from app.delivery import engagement, feedback
from app.delivery.models import SesEvent
from app.delivery.repository import Engagement, recipient_key
from app.engagement import service
from app.engagement.service import EngagementReads
from app.pagination import PageRequest
from app.store import Store
from tests.factories import draft, engagement_event
from tests.helpers import Delivery, FakeQueue, FakeResumer, FakeSes, queued, settings_from

APPLE_PROXY = "Mozilla/5.0"


def _sent(store: Store, members: list[str], **content: Any) -> Delivery:
    d = queued(store, members, **content)
    d.start()
    for batch in d.queue.batches:
        d.send(batch, f"m{batch.batch}:1")
    return d


def _apply(d: Delivery, kit: feedback.FeedbackKit, kind: str, email: str, **fields: Any) -> list[str]:
    event = SesEvent.model_validate(engagement_event(kind, d.owner, d.campaign_id, email, **fields))
    return feedback.apply_ses_event(event, kit=kit)


def _stats(d: Delivery) -> tuple[int, ...]:
    campaign = d.store.campaigns.get(d.owner, d.campaign_id, consistent=True)
    assert campaign is not None
    s = campaign.stats
    return (s.opens, s.unique_opens, s.machine_opens, s.clicks, s.unique_clicks)


@pytest.mark.parametrize(
    ("agent", "machine"),
    [
        (APPLE_PROXY, True),
        ("", True),
        ("Mozilla/5.0 (compatible; Barracuda Sentinel)", True),
        ("Mozilla/5.0 HeadlessChrome/120.0", True),
        ("Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)", False),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)",
            False,
        ),
    ],
)
def test_machine_opens_are_told_from_the_user_agent(agent: str, machine: bool) -> None:
    assert engagement.is_machine_open(agent) is machine


def test_opens_count_each_recipient_once_as_unique_and_replays_count_nothing(store: Store) -> None:
    # Given a campaign sent to two subscribers
    d = _sent(store, ["a@example.com", "b@example.com"])
    kit = d.feedback()

    # When one opens twice and the other once, and every event is delivered twice
    times = [("a@example.com", "2026-12-03T10:15:00.000Z"), ("a@example.com", "2026-12-03T11:20:00.000Z")]
    times.append(("b@example.com", "2026-12-03T10:45:00.000Z"))
    changes = [_apply(d, kit, "Open", email, at=at) for email, at in times + times]
    kit.flush()

    # Then three opens, two unique; the recipient holds its first and last open; the subscriber its last
    assert [c for c in changes if c] == [
        ["a@example.com:opened"],
        ["a@example.com:opened"],
        ["b@example.com:opened"],
    ]
    assert _stats(d) == (3, 2, 0, 0, 0)
    [a] = d.store.engagement.activity(d.owner, "a@example.com", limit=10, start_sk=None)[0]
    assert (a.engagement.open_count, a.engagement.first_open_at, a.engagement.last_open_at) == (
        2,
        "2026-12-03T10:15:00.000+00:00",
        "2026-12-03T11:20:00.000+00:00",
    )
    subscriber = d.store.table.get(f"LIST#{d.owner}#{d.list_id}", "SUB#a@example.com")
    assert subscriber is not None and subscriber["last_open_at"] == "2026-12-03T11:20:00.000+00:00"
    # And the hours hold the same counts
    series = service.series(
        d.owner,
        d.campaign_id,
        PageRequest(),
        kit=EngagementReads.of(d.store),
        key=lambda: b"s" * 32,
    )
    assert [(h.hour.hour, h.opens, h.unique_opens) for h in series.items] == [(10, 2, 2), (11, 1, 0)]


def test_a_subscribers_last_open_only_moves_forward(store: Store) -> None:
    # Given a recipient whose later open was counted in one invocation
    d = _sent(store, ["a@example.com"])
    kit = d.feedback()
    _apply(d, kit, "Click", "a@example.com", at="2026-12-03T12:00:00.000Z")
    kit.flush()

    # When an earlier click of another invocation arrives late
    kit = d.feedback()
    _apply(d, kit, "Open", "a@example.com", at="2026-12-03T09:00:00.000Z")
    kit.flush()

    # Then the subscriber keeps the latest click, and got the open
    subscriber = d.store.table.get(f"LIST#{d.owner}#{d.list_id}", "SUB#a@example.com")
    assert subscriber is not None
    assert (subscriber["last_click_at"], subscriber["last_open_at"]) == (
        "2026-12-03T12:00:00.000+00:00",
        "2026-12-03T09:00:00.000+00:00",
    )


def test_machine_opens_are_counted_apart_and_are_not_opens(store: Store) -> None:
    # Given a campaign sent to a reader on Apple Mail
    d = _sent(store, ["a@example.com"])
    kit = d.feedback()

    # When Apple's proxy fetches the pixel, twice (and the first event comes again)
    first = _apply(d, kit, "Open", "a@example.com", user_agent=APPLE_PROXY, at="2026-12-03T10:00:00.000Z")
    _apply(d, kit, "Open", "a@example.com", user_agent=APPLE_PROXY, at="2026-12-03T10:00:00.000Z")
    _apply(d, kit, "Open", "a@example.com", user_agent=APPLE_PROXY, at="2026-12-03T10:05:00.000Z")
    kit.flush()

    # Then two machine opens, and the recipient has not opened
    assert first == ["a@example.com:machine_opened"]
    assert _stats(d) == (0, 0, 2, 0, 0)
    [a] = d.store.engagement.activity(d.owner, "a@example.com", limit=10, start_sk=None)[0]
    assert (a.engagement.machine_open_count, a.engagement.open_count, a.engagement.first_open_at) == (
        2,
        0,
        None,
    )


def test_clicks_count_per_link_once_per_recipient_and_one_write_per_link(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a campaign sent to two subscribers, and a count of the link counter writes
    d = _sent(store, ["a@example.com", "b@example.com"])
    writes: list[str] = []
    add_link = d.store.engagement.add_link

    def counted_add_link(owner_id: str, campaign_id: str, url: str, counts: Any) -> None:
        writes.append(url)
        add_link(owner_id, campaign_id, url, counts)

    monkeypatch.setattr(d.store.engagement, "add_link", counted_add_link)
    kit = d.feedback()

    # When one clicks the news link twice and the shop once, the other the news link, all replayed
    news, shop = "https://example.com/news", "https://example.com/shop"
    clicks = [
        ("a@example.com", news, "2026-12-03T10:01:00.000Z"),
        ("a@example.com", news, "2026-12-03T10:02:00.000Z"),
        ("a@example.com", shop, "2026-12-03T10:03:00.000Z"),
        ("b@example.com", news, "2026-12-03T10:04:00.000Z"),
    ]
    for email, link, at in clicks + clicks:
        _apply(d, kit, "Click", email, link=link, at=at)
    kit.flush()

    # Then four clicks by two recipients; per link, clicks and the recipients who clicked it
    assert _stats(d) == (0, 0, 0, 4, 2)
    links = service.top_links(d.owner, d.campaign_id, kit=EngagementReads.of(d.store))
    assert [(link.url, link.clicks, link.unique_clicks) for link in links.items] == [
        (news, 3, 2),
        (shop, 1, 1),
    ]
    assert sorted(writes) == [news, shop]
    [a] = d.store.engagement.activity(d.owner, "a@example.com", limit=10, start_sk=None)[0]
    assert (a.engagement.click_count, a.engagement.clicked_links) == (3, (news, shop))


def test_an_open_before_its_send_is_recorded_is_retried(store: Store) -> None:
    # Given a recipient frozen but not yet recorded as sent
    d = queued(store, ["a@example.com"])
    d.start()

    # When its open arrives
    # Then the record fails, to come back later
    with pytest.raises(feedback.FeedbackTooEarly):
        _apply(d, d.feedback(), "Open", "a@example.com")


def test_a_recipient_record_carries_its_engagement_and_a_whole_write_claims_none(store: Store) -> None:
    # Given a campaign sent to two subscribers, one of whom opened it
    d = _sent(store, ["a@example.com", "b@example.com"])
    kit = d.feedback()
    _apply(d, kit, "Open", "a@example.com", at="2026-12-03T10:15:00.000Z")
    kit.flush()

    # When its recipients are read a page at a time, as the API, Finalize and the export read them
    records, _ = d.store.recipients.page(d.owner, d.campaign_id, limit=10, start_sk=None)

    # Then the one who opened carries the open, the other nothing
    seen = {r.email: r.engagement for r in records}
    assert (seen["a@example.com"].open_count, seen["a@example.com"].first_open_at) == (
        1,
        "2026-12-03T10:15:00.000+00:00",
    )
    assert seen["b@example.com"] == Engagement()
    # And the item of the one written whole (frozen, then recorded as sent) holds no engagement field
    item = d.store.table.get(*recipient_key(d.owner, d.campaign_id, "b@example.com"))
    assert item is not None and item["status"] == "sent"
    assert not {f.name for f in fields(Engagement)} & set(item) and "engagement" not in item


def test_an_address_activity_lists_its_campaigns_latest_first_with_their_events(store: Store) -> None:
    # Given two campaigns sent to the same address, the second opened, clicked and then bounced
    first = _sent(store, ["a@example.com"])
    campaign_id = draft(store, first.owner, first.list_id, name="Second")
    store.campaigns.update(first.owner, campaign_id, allowed=("draft",), to="queued")
    second = Delivery(store, first.owner, first.list_id, campaign_id, FakeQueue(), FakeResumer(), FakeSes())
    second.start()
    second.send(second.queue.batches[0], "m0:1")
    kit = second.feedback()
    _apply(second, kit, "Open", "a@example.com", at="2099-01-01T10:00:00.000Z")
    _apply(second, kit, "Click", "a@example.com", at="2099-01-01T10:01:00.000Z")
    kit.flush()

    # When the activity is read a page of one at a time
    def page(cursor: str | None) -> Any:
        return service.activity(
            first.owner,
            first.list_id,
            "A@example.com",
            PageRequest(limit=1, cursor=cursor),
            kit=EngagementReads.of(store),
            key=lambda: b"s" * 32,
        )

    one = page(None)
    two = page(one.next_cursor)

    # Then the second campaign comes first, its events in time order, then the first campaign
    assert [(i.campaign_name, i.open_count, i.click_count) for i in one.items] == [("Second", 1, 1)]
    assert [e.kind for e in one.items[0].events] == ["sent", "opened", "clicked"]
    assert one.items[0].events[-1].detail == "https://example.com/news"
    assert [(i.campaign_id, [e.kind for e in i.events]) for i in two.items] == [(first.campaign_id, ["sent"])]


@pytest.fixture
def two_sets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The tracked configuration set and the one without open and click tracking."""
    yield from settings_from(
        monkeypatch, SES_CONFIGURATION_SET="herald-t", SES_UNTRACKED_CONFIGURATION_SET="herald-t-untracked"
    )


def test_a_campaign_that_turned_tracking_off_goes_out_through_the_untracked_set(
    store: Store, two_sets: None
) -> None:
    # Given a campaign with tracking off and one with tracking on
    private, tracked = _sent(store, ["a@example.com"], track=False), _sent(store, ["b@example.com"])

    # Then SES got each through its own configuration set
    sets = [m["ConfigurationSetName"] for m in private.ses.sent + tracked.ses.sent]
    assert sets == ["herald-t-untracked", "herald-t"]


def test_herald_s_own_links_are_never_tracked_and_the_owner_s_are(store: Store) -> None:
    # Given a campaign linking to a story, the unsubscribe page and the preference centre
    html = (
        '<a href="https://example.com/story">story</a> <a href="{{ unsubscribe_url }}">leave</a>'
        " <a href='{{ preferences_url }}'>choose</a>"
    )

    # When it is sent
    d = _sent(store, ["a@example.com"], html_body=html)

    # Then SES is told to leave Herald's two links alone, and only those
    body = d.ses.sent[0]["Content"]["Simple"]["Body"]["Html"]["Data"]
    assert body.count("ses:no-track") == 2
    assert '<a href="https://example.com/story">' in body
    assert '<a ses:no-track href="http://' in body and "<a ses:no-track href='http://" in body
