"""Campaign use cases against the module's own table, with a launcher that only remembers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.campaigns import service
from app.campaigns.models import Campaign, CampaignCreate, CampaignUpdate, ScheduleRequest
from app.config import get_settings
from app.errors import Conflict, NotFound, UpstreamUnavailable
from app.store import Store
from tests.factories import draft, list_with, owner_id
from tests.helpers import FakeLauncher


def edit(store: Store, owner: str, campaign_id: str, **changes: str) -> Campaign:
    """Change a campaign's content."""
    return service.update_campaign(
        owner,
        campaign_id,
        CampaignUpdate.model_validate(changes),
        repo=store.campaigns,
        lists=store.lists,
        segments=store.segments,
        correlation_id=None,
    )


def test_a_draft_needs_a_list_of_its_owner(store: Store) -> None:
    # Given one owner's list
    owner, stranger = owner_id(), owner_id()
    list_id = list_with(store, owner, [])
    cmd = CampaignCreate(name="News", subject="Hi", list_id=list_id, text_body="Hello")

    # When the owner and a stranger create drafts for it
    created = service.create_campaign(
        owner, cmd, repo=store.campaigns, lists=store.lists, segments=store.segments, correlation_id="c"
    )
    with pytest.raises(NotFound) as refused:
        service.create_campaign(
            stranger,
            cmd,
            repo=store.campaigns,
            lists=store.lists,
            segments=store.segments,
            correlation_id="c",
        )

    # Then only the owner's is made, as a draft with its first timeline entry
    assert (created.status, [t.status for t in created.timeline]) == ("draft", ["draft"])
    assert refused.value.code == "list_not_found"


def test_a_campaign_is_sent_once(store: Store) -> None:
    # Given a draft
    owner = owner_id()
    campaign_id = draft(store, owner, list_with(store, owner, ["a@example.com"]))
    launcher = FakeLauncher()

    # When it is sent twice
    queued = service.send_now(
        owner, campaign_id, repo=store.campaigns, lists=store.lists, launcher=launcher, correlation_id="c"
    )
    with pytest.raises(Conflict) as again:
        service.send_now(
            owner, campaign_id, repo=store.campaigns, lists=store.lists, launcher=launcher, correlation_id="c"
        )

    # Then one delivery started, and the campaign is queued with its timeline
    assert queued.status == "queued" and [t.status for t in queued.timeline] == ["draft", "queued"]
    assert again.value.code == "campaign_already_sent"
    assert launcher.started == [(owner, campaign_id, "c")]


def test_a_delivery_that_cannot_start_leaves_a_draft(store: Store) -> None:
    # Given a draft and a state machine that is unavailable
    owner = owner_id()
    campaign_id = draft(store, owner, list_with(store, owner, []))

    # When it is sent
    with pytest.raises(UpstreamUnavailable):
        service.send_now(
            owner,
            campaign_id,
            repo=store.campaigns,
            lists=store.lists,
            launcher=FakeLauncher(fail=True),
            correlation_id=None,
        )

    # Then it is a draft again, and still editable
    changed = edit(store, owner, campaign_id, subject="Second try")
    assert (changed.status, changed.subject) == ("draft", "Second try")


def test_a_schedule_is_kept_until_cancelled_and_blocks_edits(store: Store) -> None:
    # Given a draft
    owner = owner_id()
    campaign_id = draft(store, owner, list_with(store, owner, []))
    launcher, at = FakeLauncher(), datetime.now(UTC) + timedelta(hours=1)

    # When it is scheduled, edited, then cancelled twice
    scheduled = service.schedule(
        owner,
        campaign_id,
        ScheduleRequest(send_at=at),
        repo=store.campaigns,
        lists=store.lists,
        launcher=launcher,
        correlation_id=None,
    )
    with pytest.raises(Conflict) as edited:
        edit(store, owner, campaign_id, name="x")
    cancelled = service.cancel_schedule(
        owner, campaign_id, repo=store.campaigns, launcher=launcher, correlation_id=None
    )
    with pytest.raises(Conflict) as twice:
        service.cancel_schedule(
            owner, campaign_id, repo=store.campaigns, launcher=launcher, correlation_id=None
        )

    # Then the schedule existed only while the campaign was scheduled
    assert scheduled.status == "scheduled" and scheduled.scheduled_at == at
    assert edited.value.code == "campaign_not_editable"
    assert (cancelled.status, cancelled.scheduled_at, launcher.scheduled) == ("draft", None, {})
    assert twice.value.code == "campaign_not_scheduled"


def test_a_preview_renders_a_subscriber_with_a_signed_unsubscribe_link(
    store: Store, signing_key: bytes
) -> None:
    # Given a subscriber and a draft for their list
    owner = owner_id()
    list_id = list_with(store, owner, ["ada@example.com"])
    campaign_id = draft(store, owner, list_id)

    # When it is previewed for them
    preview = service.preview(
        owner,
        campaign_id,
        "ada@example.com",
        repo=store.campaigns,
        subscribers=store.subscribers,
        settings=get_settings(),
        key=lambda: signing_key,
    )

    # Then the merge tags are theirs, and the link leads to their unsubscribe page
    assert preview.subject == "Hello Ada"
    assert f"{get_settings().app_url.rstrip('/')}/unsubscribe/" in preview.text
