"""Campaign routes: thin, one service call each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from starlette.concurrency import run_in_threadpool

from app import aws, secrets
from app.api.deps import CorrelationId, CurrentUser, ItemId, Page, SettingsDep, StoreDep
from app.api.owned import OwnedRoutes
from app.campaigns import recipients, service
from app.campaigns.launch import Launcher, StepFunctionsLauncher
from app.campaigns.models import (
    Campaign,
    CampaignCreate,
    CampaignStats,
    CampaignUpdate,
    Preview,
    PreviewRequest,
    RecipientFilter,
    RecipientPage,
    ScheduleRequest,
    TestSent,
)
from app.delivery import pause, resend
from app.delivery.queue import DeliveryControl, SqsBatchQueue, StepFunctionsResumer
from app.errors import UpstreamUnavailable


async def get_launcher(settings: SettingsDep) -> Launcher:
    """The state machine and the scheduler."""
    if not settings.state_machine_arn:
        raise UpstreamUnavailable("Campaign delivery is not configured (STATE_MACHINE_ARN).")
    return StepFunctionsLauncher(
        sfn=aws.stepfunctions(),
        scheduler=aws.scheduler(),
        state_machine_arn=settings.state_machine_arn,
        scheduler_role_arn=settings.campaign_scheduler_role_arn or "",
        stage=settings.stage,
        schedule_dlq_arn=settings.campaign_schedule_dlq_arn,
    )


async def get_delivery(settings: SettingsDep) -> DeliveryControl:
    """What pause and resume talk to: the waiting execution and the send queue."""
    if not settings.send_queue_url:
        raise UpstreamUnavailable("Campaign delivery is not configured (SEND_QUEUE_URL).")
    return DeliveryControl(
        resumer=StepFunctionsResumer(aws.stepfunctions()),
        queue=SqsBatchQueue(aws.sqs(), settings.send_queue_url),
    )


LauncherDep = Annotated[Launcher, Depends(get_launcher)]
Delivery = Annotated[DeliveryControl, Depends(get_delivery)]

router = APIRouter(tags=["campaigns"])
# GET /api/campaigns, GET and DELETE /api/campaigns/{campaign_id}: the lines `campaigns.*` below.
campaigns = OwnedRoutes(router, "/api/campaigns/{campaign_id}", ItemId, repo=lambda store: store.campaigns)


@router.post("/api/campaigns", status_code=status.HTTP_201_CREATED)
async def create_campaign(
    body: CampaignCreate, user: CurrentUser, store: StoreDep, correlation_id: CorrelationId
) -> Campaign:
    """A new draft for one of your lists (templates are checked: 422 template_error with the line)."""
    return await run_in_threadpool(  # the templates are rendered once: off the event loop
        service.create_campaign,
        user.user_id,
        body,
        repo=store.campaigns,
        lists=store.lists,
        segments=store.segments,
        correlation_id=correlation_id,
    )


campaigns.listed(service.list_campaigns, "Your campaigns, newest first.")


campaigns.one(service.get_campaign, "One campaign with its status, timeline and counters.")


@router.patch("/api/campaigns/{campaign_id}")
async def update_campaign(
    campaign_id: ItemId,
    body: CampaignUpdate,
    user: CurrentUser,
    store: StoreDep,
    correlation_id: CorrelationId,
) -> Campaign:
    """Change a draft (409 campaign_not_editable otherwise)."""
    return await run_in_threadpool(
        service.update_campaign,
        user.user_id,
        campaign_id,
        body,
        repo=store.campaigns,
        lists=store.lists,
        segments=store.segments,
        correlation_id=correlation_id,
    )


campaigns.deleted(service.delete_campaign, "Delete a draft or a finished campaign.")


@router.post("/api/campaigns/{campaign_id}/preview")
async def preview_campaign(
    campaign_id: ItemId,
    user: CurrentUser,
    store: StoreDep,
    settings: SettingsDep,
    body: PreviewRequest | None = None,
) -> Preview:
    """The campaign rendered for one subscriber of its list (`email`), or for a sample subscriber."""
    return await run_in_threadpool(
        service.preview,
        user.user_id,
        campaign_id,
        (body or PreviewRequest()).email,
        repo=store.campaigns,
        subscribers=store.subscribers,
        settings=settings,
        key=secrets.signing_key,
    )


@router.post("/api/campaigns/{campaign_id}/test")
async def send_test(
    campaign_id: ItemId, user: CurrentUser, store: StoreDep, settings: SettingsDep
) -> TestSent:
    """Send one copy (subject prefixed "[Test]") to your own address (429 `test_send_limit` past
    the account's test copies per hour, `send_rate_limited` when Herald's mail is at its rate)."""
    return await run_in_threadpool(
        service.send_test,
        user.user_id,
        campaign_id,
        repo=store.campaigns,
        profiles=store.profiles,
        budget=store.send_budget,
        ses=aws.sesv2(),
        settings=settings,
    )


@router.post("/api/campaigns/{campaign_id}/send", status_code=status.HTTP_202_ACCEPTED)
async def send_campaign(
    campaign_id: ItemId,
    user: CurrentUser,
    store: StoreDep,
    launcher: LauncherDep,
    correlation_id: CorrelationId,
) -> Campaign:
    """Send a draft now (status queued, then sending, sent | failed); a campaign is sent once (409)."""
    return service.send_now(
        user.user_id,
        campaign_id,
        repo=store.campaigns,
        lists=store.lists,
        launcher=launcher,
        correlation_id=correlation_id,
    )


@router.post("/api/campaigns/{campaign_id}/schedule")
async def schedule_campaign(
    campaign_id: ItemId,
    body: ScheduleRequest,
    user: CurrentUser,
    store: StoreDep,
    launcher: LauncherDep,
    correlation_id: CorrelationId,
) -> Campaign:
    """Send a draft at `send_at` (at least a minute ahead; status scheduled)."""
    return service.schedule(
        user.user_id,
        campaign_id,
        body,
        repo=store.campaigns,
        lists=store.lists,
        launcher=launcher,
        correlation_id=correlation_id,
    )


@router.delete("/api/campaigns/{campaign_id}/schedule")
async def cancel_schedule(
    campaign_id: ItemId,
    user: CurrentUser,
    store: StoreDep,
    launcher: LauncherDep,
    correlation_id: CorrelationId,
) -> Campaign:
    """Cancel a scheduled campaign: it is a draft again."""
    return service.cancel_schedule(
        user.user_id, campaign_id, repo=store.campaigns, launcher=launcher, correlation_id=correlation_id
    )


@router.post("/api/campaigns/{campaign_id}/pause")
async def pause_campaign(
    campaign_id: ItemId,
    user: CurrentUser,
    store: StoreDep,
    delivery: Delivery,
    correlation_id: CorrelationId,
) -> Campaign:
    """Pause a sending campaign (409 `campaign_not_sending` otherwise): batches not yet sent wait
    for the resume; messages already handed to SES are not recalled. After seven days paused
    the campaign fails."""
    return pause.pause(
        user.user_id,
        campaign_id,
        campaigns=store.campaigns,
        resumer=delivery.resumer,
        correlation_id=correlation_id,
    )


@router.post("/api/campaigns/{campaign_id}/resume")
async def resume_campaign(
    campaign_id: ItemId,
    user: CurrentUser,
    store: StoreDep,
    delivery: Delivery,
    correlation_id: CorrelationId,
) -> Campaign:
    """Resume a paused campaign (409 `campaign_not_paused` otherwise); nobody is mailed twice."""
    return pause.resume(
        user.user_id,
        campaign_id,
        campaigns=store.campaigns,
        batches=store.batches,
        queue=delivery.queue,
        resumer=delivery.resumer,
        correlation_id=correlation_id,
    )


@router.get("/api/campaigns/{campaign_id}/stats")
async def campaign_stats(campaign_id: ItemId, user: CurrentUser, store: StoreDep) -> CampaignStats:
    """Recipients, sent, delivered, bounced, complained, unsubscribed, failed (and suppressed at send)."""
    return service.stats(user.user_id, campaign_id, repo=store.campaigns)


@router.post("/api/campaigns/{campaign_id}/resend-failed", status_code=status.HTTP_202_ACCEPTED)
async def resend_failed(
    campaign_id: ItemId,
    user: CurrentUser,
    store: StoreDep,
    launcher: LauncherDep,
    correlation_id: CorrelationId,
) -> Campaign:
    """Mail the recipients that ended `failed` (not those who opted out) again, each at most once:
    a sent or failed campaign goes `queued`, `sending`, then back to `sent` or `failed` (409
    `campaign_not_finished` while it is on its way, `nothing_to_resend` when none is left)."""
    return resend.resend_failed(
        user.user_id, campaign_id, campaigns=store.campaigns, launcher=launcher, correlation_id=correlation_id
    )


@router.get("/api/campaigns/{campaign_id}/recipients")
async def campaign_recipients(
    campaign_id: ItemId,
    user: CurrentUser,
    store: StoreDep,
    page: Page,
    status_filter: Annotated[RecipientFilter | None, Query(alias="status")] = None,
) -> RecipientPage:
    """The frozen audience with each message's status, in email order; `status` keeps those with
    one status, or who `opened` or `clicked`: such a page reads at most 1,000 recipients and may
    come back short, even empty, with a `next_cursor` to go on from."""
    return recipients.recipients(
        user.user_id,
        campaign_id,
        page,
        status=status_filter,
        repo=store.campaigns,
        recipients_repo=store.recipients,
        key=secrets.signing_key,
    )
