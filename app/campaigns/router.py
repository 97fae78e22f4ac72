"""Campaign routes: thin, one service call each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from app import aws, secrets
from app.api.deps import CorrelationId, CurrentUser, SettingsDep
from app.campaigns import service
from app.campaigns.launch import Launcher, StepFunctionsLauncher
from app.campaigns.models import (
    Campaign,
    CampaignCreate,
    CampaignPage,
    CampaignStats,
    CampaignUpdate,
    Preview,
    PreviewRequest,
    RecipientPage,
    ScheduleRequest,
    TestSent,
)
from app.campaigns.repository import CampaignRepository, to_campaign
from app.contacts.repository import ListRepository, SubscriberRepository
from app.db import table
from app.delivery import service as delivery_service
from app.delivery.queue import DeliveryControl, SqsBatchQueue, StepFunctionsResumer
from app.delivery.repository import RecipientRepository
from app.errors import UpstreamUnavailable
from app.users.repository import ProfileRepository


async def get_campaigns() -> CampaignRepository:
    """Campaigns in the single table."""
    return CampaignRepository(table())


async def get_lists() -> ListRepository:
    """Lists in the single table."""
    return ListRepository(table())


async def get_subscribers() -> SubscriberRepository:
    """Subscribers in the single table."""
    return SubscriberRepository(table())


async def get_recipients() -> RecipientRepository:
    """Campaign recipients in the single table."""
    return RecipientRepository(table())


async def get_profiles() -> ProfileRepository:
    """Profiles in the single table."""
    return ProfileRepository(table())


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
    )


async def get_delivery(settings: SettingsDep) -> DeliveryControl:
    """What pause and resume talk to: the waiting execution and the send queue."""
    if not settings.send_queue_url:
        raise UpstreamUnavailable("Campaign delivery is not configured (SEND_QUEUE_URL).")
    return DeliveryControl(
        resumer=StepFunctionsResumer(aws.stepfunctions()),
        queue=SqsBatchQueue(aws.sqs(), settings.send_queue_url),
    )


Campaigns = Annotated[CampaignRepository, Depends(get_campaigns)]
Lists = Annotated[ListRepository, Depends(get_lists)]
Subscribers = Annotated[SubscriberRepository, Depends(get_subscribers)]
Recipients = Annotated[RecipientRepository, Depends(get_recipients)]
Profiles = Annotated[ProfileRepository, Depends(get_profiles)]
LauncherDep = Annotated[Launcher, Depends(get_launcher)]
Delivery = Annotated[DeliveryControl, Depends(get_delivery)]
CampaignId = Annotated[str, Path(min_length=1, max_length=64)]
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=2048)]

router = APIRouter(tags=["campaigns"])


@router.post("/api/campaigns", status_code=status.HTTP_201_CREATED)
async def create_campaign(
    body: CampaignCreate, user: CurrentUser, repo: Campaigns, lists: Lists, correlation_id: CorrelationId
) -> Campaign:
    """A new draft for one of your lists (templates are checked: 422 template_error with the line)."""
    return service.create_campaign(user.user_id, body, repo=repo, lists=lists, correlation_id=correlation_id)


@router.get("/api/campaigns")
async def list_campaigns(
    user: CurrentUser, repo: Campaigns, limit: Limit = 50, cursor: Cursor = None
) -> CampaignPage:
    """Your campaigns, newest first."""
    return service.list_campaigns(
        user.user_id, limit=limit, cursor=cursor, repo=repo, key=secrets.signing_key
    )


@router.get("/api/campaigns/{campaign_id}")
async def get_campaign(campaign_id: CampaignId, user: CurrentUser, repo: Campaigns) -> Campaign:
    """One campaign with its status, timeline and counters."""
    return service.get_campaign(user.user_id, campaign_id, repo=repo)


@router.patch("/api/campaigns/{campaign_id}")
async def update_campaign(
    campaign_id: CampaignId,
    body: CampaignUpdate,
    user: CurrentUser,
    repo: Campaigns,
    lists: Lists,
    correlation_id: CorrelationId,
) -> Campaign:
    """Change a draft (409 campaign_not_editable otherwise)."""
    return service.update_campaign(
        user.user_id, campaign_id, body, repo=repo, lists=lists, correlation_id=correlation_id
    )


@router.delete("/api/campaigns/{campaign_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_campaign(campaign_id: CampaignId, user: CurrentUser, repo: Campaigns) -> None:
    """Delete a draft or a finished campaign."""
    service.delete_campaign(user.user_id, campaign_id, repo=repo)


@router.post("/api/campaigns/{campaign_id}/preview")
async def preview_campaign(
    campaign_id: CampaignId,
    user: CurrentUser,
    repo: Campaigns,
    subscribers: Subscribers,
    settings: SettingsDep,
    body: PreviewRequest | None = None,
) -> Preview:
    """The campaign rendered for one subscriber of its list (`email`), or for a sample subscriber."""
    return service.preview(
        user.user_id,
        campaign_id,
        (body or PreviewRequest()).email,
        repo=repo,
        subscribers=subscribers,
        settings=settings,
        key=secrets.signing_key,
    )


@router.post("/api/campaigns/{campaign_id}/test")
async def send_test(
    campaign_id: CampaignId, user: CurrentUser, repo: Campaigns, profiles: Profiles, settings: SettingsDep
) -> TestSent:
    """Send one copy (subject prefixed "[Test]") to your own address."""
    return service.send_test(
        user.user_id, campaign_id, repo=repo, profiles=profiles, ses=aws.sesv2(), settings=settings
    )


@router.post("/api/campaigns/{campaign_id}/send", status_code=status.HTTP_202_ACCEPTED)
async def send_campaign(
    campaign_id: CampaignId,
    user: CurrentUser,
    repo: Campaigns,
    lists: Lists,
    launcher: LauncherDep,
    correlation_id: CorrelationId,
) -> Campaign:
    """Send a draft now (status queued, then sending, sent | failed); a campaign is sent once (409)."""
    return service.send_now(
        user.user_id, campaign_id, repo=repo, lists=lists, launcher=launcher, correlation_id=correlation_id
    )


@router.post("/api/campaigns/{campaign_id}/schedule")
async def schedule_campaign(
    campaign_id: CampaignId,
    body: ScheduleRequest,
    user: CurrentUser,
    repo: Campaigns,
    lists: Lists,
    launcher: LauncherDep,
    correlation_id: CorrelationId,
) -> Campaign:
    """Send a draft at `send_at` (at least a minute ahead; status scheduled)."""
    return service.schedule(
        user.user_id,
        campaign_id,
        body,
        repo=repo,
        lists=lists,
        launcher=launcher,
        correlation_id=correlation_id,
    )


@router.delete("/api/campaigns/{campaign_id}/schedule")
async def cancel_schedule(
    campaign_id: CampaignId,
    user: CurrentUser,
    repo: Campaigns,
    launcher: LauncherDep,
    correlation_id: CorrelationId,
) -> Campaign:
    """Cancel a scheduled campaign: it is a draft again."""
    return service.cancel_schedule(
        user.user_id, campaign_id, repo=repo, launcher=launcher, correlation_id=correlation_id
    )


@router.post("/api/campaigns/{campaign_id}/pause")
async def pause_campaign(
    campaign_id: CampaignId,
    user: CurrentUser,
    repo: Campaigns,
    delivery: Delivery,
    correlation_id: CorrelationId,
) -> Campaign:
    """Pause a sending campaign (409 `campaign_not_sending` otherwise): batches not yet sent wait
    for the resume; messages already handed to SES are not recalled. After seven days paused
    the campaign fails."""
    item = delivery_service.pause(
        user.user_id, campaign_id, campaigns=repo, resumer=delivery.resumer, correlation_id=correlation_id
    )
    return to_campaign(item)


@router.post("/api/campaigns/{campaign_id}/resume")
async def resume_campaign(
    campaign_id: CampaignId,
    user: CurrentUser,
    repo: Campaigns,
    recipients: Recipients,
    delivery: Delivery,
    correlation_id: CorrelationId,
) -> Campaign:
    """Resume a paused campaign (409 `campaign_not_paused` otherwise); nobody is mailed twice."""
    item = delivery_service.resume(
        user.user_id,
        campaign_id,
        campaigns=repo,
        recipients=recipients,
        queue=delivery.queue,
        resumer=delivery.resumer,
        correlation_id=correlation_id,
    )
    return to_campaign(item)


@router.get("/api/campaigns/{campaign_id}/stats")
async def campaign_stats(campaign_id: CampaignId, user: CurrentUser, repo: Campaigns) -> CampaignStats:
    """Recipients, sent, delivered, bounced, complained, unsubscribed, failed (and suppressed at send)."""
    return service.stats(user.user_id, campaign_id, repo=repo)


@router.get("/api/campaigns/{campaign_id}/recipients")
async def campaign_recipients(
    campaign_id: CampaignId,
    user: CurrentUser,
    repo: Campaigns,
    recipients: Recipients,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> RecipientPage:
    """The frozen audience with each message's status, in email order."""
    return service.recipients(
        user.user_id,
        campaign_id,
        limit=limit,
        cursor=cursor,
        repo=repo,
        recipients_repo=recipients,
        key=secrets.signing_key,
    )
