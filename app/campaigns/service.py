"""Campaign use cases: drafts, preview, test copy, send now, schedule/cancel, stats (recipients:
recipients.py; a resend to the failed: app/delivery/resend.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from app.campaigns import rendering
from app.campaigns.launch import Launcher
from app.campaigns.models import (
    DELETABLE,
    EDITABLE,
    MAX_CONTENT_BYTES,
    Campaign,
    CampaignCreate,
    CampaignPage,
    CampaignStats,
    CampaignUpdate,
    Preview,
    ScheduleRequest,
    TestSent,
)
from app.campaigns.repository import CONTENT_FIELDS, MAX_REPEATS, CampaignRepository
from app.config import Settings
from app.contacts.lists import ListRepository
from app.contacts.models import new_id
from app.contacts.subscribers import SubscriberRepository
from app.delivery import sender
from app.errors import Conflict, InvalidInput, NotFound, found
from app.mail import SendBudget
from app.observability import logger
from app.pagination import KeySource, PageRequest, next_cursor, start_after
from app.preferences.tokens import Reader, preferences_url
from app.segments.audience import check_target
from app.segments.repository import SegmentRepository
from app.unsubscribe.links import links_for, unsubscribe_links
from app.unsubscribe.tokens import UnsubscribeTarget
from app.users.repository import ProfileRepository

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

MIN_LEAD = timedelta(seconds=60)
TEST_WAIT_SECONDS = 2  # how long a test copy waits for the SES rate's share before a 429


def _not_found() -> NotFound:
    return NotFound("No such campaign.", code="campaign_not_found")


def _list_not_found() -> NotFound:
    return NotFound("No such list.", code="list_not_found")


def _refused(current: Campaign | None, action: str, code: str) -> Exception:
    if current is None:
        return _not_found()
    return Conflict(f"A {current.status} campaign cannot be {action}.", code=code)


def _check_size(content: dict[str, Any]) -> None:
    """The content fits on the campaign item with room for its bookkeeping (422 otherwise)."""
    size = sum(len(str(v).encode()) for k, v in content.items() if k in CONTENT_FIELDS and v is not None)
    if size > MAX_CONTENT_BYTES:
        raise InvalidInput(
            f"The subject and bodies take {size // 1024} KB together; a campaign holds at most "
            f"{MAX_CONTENT_BYTES // 1024} KB.",
            code="content_too_large",
            details=[{"size_bytes": size, "max_bytes": MAX_CONTENT_BYTES}],
        )


def get_campaign(owner_id: str, campaign_id: str, *, repo: CampaignRepository) -> Campaign:
    """One of the owner's campaigns."""
    return found(repo.get(owner_id, campaign_id), _not_found)


def create_campaign(
    owner_id: str,
    cmd: CampaignCreate,
    *,
    repo: CampaignRepository,
    lists: ListRepository,
    segments: SegmentRepository,
    correlation_id: str | None,
) -> Campaign:
    """A new draft (templates checked; the list, and the segment if any, must be the owner's)."""
    if lists.get(owner_id, cmd.list_id) is None:
        raise _list_not_found()
    check_target(owner_id, cmd.list_id, cmd.segment_id, segments=segments)
    _check_size(cmd.model_dump())
    rendering.check(
        subject=cmd.subject, html_body=cmd.html_body, text_body=cmd.text_body, campaign_name=cmd.name
    )
    created = repo.create(owner_id, new_id(), cmd.model_dump(), correlation_id=correlation_id)
    logger.info("campaign created", extra={"campaign_id": created.id})
    return created


def list_campaigns(
    owner_id: str, page: PageRequest, *, repo: CampaignRepository, key: KeySource
) -> CampaignPage:
    """A page of the owner's campaigns, newest first."""
    scope = f"campaigns:{owner_id}"
    start = start_after(page.cursor, scope=scope, prefix="CAMPAIGN#", key=key)
    items, last = repo.page(owner_id, limit=page.limit, start_sk=start)
    return CampaignPage(items=items, next_cursor=next_cursor(last, scope=scope, key=key))


REQUIRED = frozenset({"name", "subject", "list_id", "track"})


def update_campaign(
    owner_id: str,
    campaign_id: str,
    cmd: CampaignUpdate,
    *,
    repo: CampaignRepository,
    lists: ListRepository,
    segments: SegmentRepository,
    correlation_id: str | None,
) -> Campaign:
    """Change a draft (scheduled, sending or sent campaigns are not editable)."""
    current = get_campaign(owner_id, campaign_id, repo=repo)
    # null clears an optional field; a required one (name, subject, list) keeps its value.
    changes = {
        k: v for k, v in cmd.model_dump(exclude_unset=True).items() if v is not None or k not in REQUIRED
    }
    if "list_id" in changes and lists.get(owner_id, str(changes["list_id"])) is None:
        raise _list_not_found()
    merged = {**current.model_dump(), **changes}
    if {"list_id", "segment_id"} & set(changes):
        check_target(owner_id, merged["list_id"], merged["segment_id"], segments=segments)
    _check_size(merged)
    rendering.check(
        subject=merged["subject"],
        html_body=merged["html_body"] or "",
        text_body=merged["text_body"] or "",
        campaign_name=merged["name"],
    )
    if not changes:
        return current
    removes = [k for k, v in changes.items() if v is None]
    sets = {k: v for k, v in changes.items() if v is not None}
    record = repo.update(
        owner_id, campaign_id, allowed=EDITABLE, sets=sets, removes=removes, correlation_id=correlation_id
    )
    if record is None:
        raise _refused(repo.get(owner_id, campaign_id, consistent=True), "edited", "campaign_not_editable")
    return record.campaign


def delete_campaign(owner_id: str, campaign_id: str, *, repo: CampaignRepository) -> None:
    """Delete a draft or a finished campaign (not one that is scheduled or on its way)."""
    if not repo.delete(owner_id, campaign_id, allowed=DELETABLE):
        raise _refused(repo.get(owner_id, campaign_id, consistent=True), "deleted", "campaign_not_deletable")


def preview(
    owner_id: str,
    campaign_id: str,
    email: str | None,
    *,
    repo: CampaignRepository,
    subscribers: SubscriberRepository,
    settings: Settings,
    key: KeySource,
) -> Preview:
    """The campaign rendered for one subscriber of its list (or a sample one)."""
    campaign = get_campaign(owner_id, campaign_id, repo=repo)
    if email is None:
        name, attributes, address = "Sample Subscriber", {}, rendering.SAMPLE_EMAIL
        unsubscribe_url = unsubscribe_links(settings.app_url, "sample")[0]
        preferences = f"{settings.app_url.rstrip('/')}/preferences/sample"
    else:
        subscriber = subscribers.get(owner_id, campaign.list_id, email)
        if subscriber is None:
            raise NotFound("No such subscriber on the campaign's list.", code="subscriber_not_found")
        name, attributes, address = subscriber.name, subscriber.attributes, subscriber.email
        target = UnsubscribeTarget(
            owner_id=owner_id, list_id=campaign.list_id, campaign_id=campaign_id, email=address
        )
        unsubscribe_url = links_for(settings.app_url, target, key=key())[0]
        preferences = preferences_url(settings.app_url, Reader(owner_id, address), key=key())
    rendered = _render(
        campaign,
        email=address,
        name=name,
        attributes=attributes,
        unsubscribe_url=unsubscribe_url,
        preferences_url=preferences,
    )
    return Preview(email=address, subject=rendered.subject, html=rendered.html, text=rendered.text)


def _render(
    campaign: Campaign,
    *,
    email: str,
    name: str,
    attributes: dict[str, Any],
    unsubscribe_url: str,
    preferences_url: str = "",
) -> rendering.Rendered:
    compiled = rendering.CompiledCampaign(
        subject=campaign.subject, html_body=campaign.html_body, text_body=campaign.text_body
    )
    try:
        return compiled.render(
            rendering.context(
                email=email,
                name=name,
                attributes=attributes,
                unsubscribe_url=unsubscribe_url,
                campaign_name=campaign.name,
                subject=campaign.subject,
                preferences_url=preferences_url,
            )
        )
    except rendering.RenderFailed as exc:
        raise InvalidInput(f"The campaign cannot be rendered: {exc}", code="template_error") from exc


def send_test(
    owner_id: str,
    campaign_id: str,
    *,
    repo: CampaignRepository,
    profiles: ProfileRepository,
    budget: SendBudget,
    ses: SESV2Client,
    settings: Settings,
) -> TestSent:
    """One copy, rendered for a sample subscriber, to the owner's own address: within the
    account's test copies per hour and the share of the SES rate kept for such mail (429)."""
    campaign = get_campaign(owner_id, campaign_id, repo=repo)
    profile = profiles.get(owner_id)
    if profile is None:
        raise NotFound("Your profile has no address to send the test to.", code="profile_not_found")
    page_url, one_click = unsubscribe_links(settings.app_url, "test")
    rendered = _render(
        campaign,
        email=profile.email,
        name=profile.name,
        attributes={},
        unsubscribe_url=page_url,
        preferences_url=f"{settings.app_url.rstrip('/')}/preferences/test",
    )
    budget.take_test(owner_id, settings=settings)  # the account's own limit first: its refusals cost no one
    budget.take_second("test", settings=settings, wait=TEST_WAIT_SECONDS)
    from email.utils import formataddr

    message_id = sender.send(
        sender.Message(
            to=profile.email,
            from_address=formataddr((campaign.from_name, settings.sender_email)),
            reply_to=campaign.reply_to,
            subject=f"[Test] {rendered.subject}",
            html=rendered.html,
            text=rendered.text,
            one_click_url=one_click,
            tags={"test": "true"},
        ),
        ses=ses,
        configuration_set=settings.ses_configuration_set,
    )
    return TestSent(to=profile.email, message_id=message_id)


def send_now(
    owner_id: str,
    campaign_id: str,
    *,
    repo: CampaignRepository,
    lists: ListRepository,
    launcher: Launcher,
    correlation_id: str | None,
) -> Campaign:
    """Queue the campaign and start its delivery (at most once: draft -> queued is conditional)."""
    current = get_campaign(owner_id, campaign_id, repo=repo)
    if lists.get(owner_id, current.list_id) is None:
        raise _list_not_found()
    record = repo.update(owner_id, campaign_id, allowed=EDITABLE, to="queued", correlation_id=correlation_id)
    if record is None:
        raise _already(repo.get(owner_id, campaign_id, consistent=True))
    try:
        execution = launcher.start(owner_id, campaign_id, correlation_id)
    except Exception:
        repo.update(owner_id, campaign_id, allowed=("queued",), to="draft")
        raise
    logger.info("campaign queued", extra={"campaign_id": campaign_id, "execution": execution})
    return record.campaign


def _already(current: Campaign | None) -> Exception:
    if current is None:
        return _not_found()
    if current.status == "scheduled":
        return Conflict("The campaign is scheduled; cancel the schedule first.", code="campaign_scheduled")
    return Conflict(
        f"The campaign is {current.status}; a campaign is sent once.", code="campaign_already_sent"
    )


def schedule(
    owner_id: str,
    campaign_id: str,
    cmd: ScheduleRequest,
    *,
    repo: CampaignRepository,
    lists: ListRepository,
    launcher: Launcher,
    correlation_id: str | None,
    now: datetime | None = None,
) -> Campaign:
    """Send at a future time (EventBridge Scheduler); draft -> scheduled."""
    when = cmd.send_at
    if when.tzinfo is None:
        raise InvalidInput("send_at needs a time zone (e.g. 2030-01-01T09:00:00Z).", code="invalid_send_at")
    current = get_campaign(owner_id, campaign_id, repo=repo)
    if when < (now or datetime.now(UTC)) + MIN_LEAD:
        # A well-formed time that has passed conflicts with the clock, not with the schema: 409.
        raise Conflict("send_at must be at least a minute in the future.", code="invalid_send_at")
    if lists.get(owner_id, current.list_id) is None:
        raise _list_not_found()
    record = repo.repeat(
        owner_id,
        campaign_id,
        "schedules",
        allowed=EDITABLE,
        to="scheduled",
        sets={"scheduled_at": when.astimezone(UTC).isoformat()},
        correlation_id=correlation_id,
    )
    if record is None:
        latest = repo.get_record(owner_id, campaign_id, consistent=True)
        if latest is not None and latest.status in EDITABLE and latest.schedules() >= MAX_REPEATS:
            raise Conflict(
                f"The campaign was scheduled {MAX_REPEATS} times, the most it may be; send it now.",
                code="schedule_limit_reached",
            )
        raise _already(latest.campaign if latest else None)
    try:
        launcher.schedule(owner_id, campaign_id, when, correlation_id)
    except Exception:
        repo.update(owner_id, campaign_id, allowed=("scheduled",), to="draft", removes=("scheduled_at",))
        raise
    return record.campaign


def cancel_schedule(
    owner_id: str,
    campaign_id: str,
    *,
    repo: CampaignRepository,
    launcher: Launcher,
    correlation_id: str | None,
) -> Campaign:
    """A scheduled campaign goes back to draft (if the schedule fired meanwhile, it is too late: 409)."""
    record = repo.update(
        owner_id,
        campaign_id,
        allowed=("scheduled",),
        to="draft",
        removes=("scheduled_at",),
        correlation_id=correlation_id,
    )
    if record is None:
        current = repo.get(owner_id, campaign_id, consistent=True)
        if current is None:
            raise _not_found()
        raise Conflict(f"The campaign is {current.status}, not scheduled.", code="campaign_not_scheduled")
    launcher.unschedule(owner_id, campaign_id)
    return record.campaign


def stats(owner_id: str, campaign_id: str, *, repo: CampaignRepository) -> CampaignStats:
    """The campaign's counters."""
    return get_campaign(owner_id, campaign_id, repo=repo).stats
