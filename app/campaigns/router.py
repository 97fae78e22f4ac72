"""Campaign routes: thin, one service call each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from starlette.concurrency import run_in_threadpool

from app import aws, secrets
from app.api.deps import Actions, ItemId, Page, SettingsDep
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
from app.pagination import PageRequest


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


class CampaignActions(Actions):
    """The caller's campaign use cases: each method calls the use case of its name (app/campaigns/
    service.py and recipients.py, app/delivery/pause.py and resend.py) with what it works with; the
    launcher and the delivery control come from the routes that need them (503 when not configured)."""

    # A render (a draft's templates are checked once, a preview, a test copy) runs in a worker thread,
    # off the event loop; its collaborators are built here, on the loop, so that no thread builds
    # a shared repository or client.

    async def create_campaign(self, body: CampaignCreate) -> Campaign:
        return await run_in_threadpool(
            service.create_campaign,
            self.owner_id,
            body,
            repo=self.store.campaigns,
            lists=self.store.lists,
            segments=self.store.segments,
            correlation_id=self.correlation_id,
        )

    async def update_campaign(self, campaign_id: str, body: CampaignUpdate) -> Campaign:
        return await run_in_threadpool(
            service.update_campaign,
            self.owner_id,
            campaign_id,
            body,
            repo=self.store.campaigns,
            lists=self.store.lists,
            segments=self.store.segments,
            correlation_id=self.correlation_id,
        )

    async def preview(self, campaign_id: str, email: str | None) -> Preview:
        return await run_in_threadpool(
            service.preview,
            self.owner_id,
            campaign_id,
            email,
            repo=self.store.campaigns,
            subscribers=self.store.subscribers,
            settings=self.settings,
            key=secrets.signing_key,
        )

    async def send_test(self, campaign_id: str) -> TestSent:
        return await run_in_threadpool(
            service.send_test,
            self.owner_id,
            campaign_id,
            repo=self.store.campaigns,
            profiles=self.store.profiles,
            budget=self.store.send_budget,
            ses=aws.sesv2(),
            settings=self.settings,
        )

    def send_now(self, campaign_id: str, launcher: Launcher) -> Campaign:
        return service.send_now(
            self.owner_id,
            campaign_id,
            repo=self.store.campaigns,
            lists=self.store.lists,
            launcher=launcher,
            correlation_id=self.correlation_id,
        )

    def schedule(self, campaign_id: str, body: ScheduleRequest, launcher: Launcher) -> Campaign:
        return service.schedule(
            self.owner_id,
            campaign_id,
            body,
            repo=self.store.campaigns,
            lists=self.store.lists,
            launcher=launcher,
            correlation_id=self.correlation_id,
        )

    def cancel_schedule(self, campaign_id: str, launcher: Launcher) -> Campaign:
        return service.cancel_schedule(
            self.owner_id,
            campaign_id,
            repo=self.store.campaigns,
            launcher=launcher,
            correlation_id=self.correlation_id,
        )

    def pause(self, campaign_id: str, delivery: DeliveryControl) -> Campaign:
        return pause.pause(
            self.owner_id,
            campaign_id,
            campaigns=self.store.campaigns,
            resumer=delivery.resumer,
            correlation_id=self.correlation_id,
        )

    def resume(self, campaign_id: str, delivery: DeliveryControl) -> Campaign:
        return pause.resume(
            self.owner_id,
            campaign_id,
            campaigns=self.store.campaigns,
            batches=self.store.batches,
            queue=delivery.queue,
            resumer=delivery.resumer,
            correlation_id=self.correlation_id,
        )

    def stats(self, campaign_id: str) -> CampaignStats:
        return service.stats(self.owner_id, campaign_id, repo=self.store.campaigns)

    def resend_failed(self, campaign_id: str, launcher: Launcher) -> Campaign:
        return resend.resend_failed(
            self.owner_id,
            campaign_id,
            campaigns=self.store.campaigns,
            launcher=launcher,
            correlation_id=self.correlation_id,
        )

    def recipients(
        self, campaign_id: str, page: PageRequest, status: RecipientFilter | None
    ) -> RecipientPage:
        return recipients.recipients(
            self.owner_id,
            campaign_id,
            page,
            status=status,
            repo=self.store.campaigns,
            recipients_repo=self.store.recipients,
            key=secrets.signing_key,
        )


CampaignsDep = Annotated[CampaignActions, Depends(CampaignActions.of_request)]

router = APIRouter(tags=["campaigns"])
# GET /api/campaigns, GET and DELETE /api/campaigns/{campaign_id}: the lines `campaigns.*` below.
campaigns = OwnedRoutes(router, "/api/campaigns/{campaign_id}", ItemId, repo=lambda store: store.campaigns)


@router.post("/api/campaigns", status_code=status.HTTP_201_CREATED)
async def create_campaign(body: CampaignCreate, actions: CampaignsDep) -> Campaign:
    """A new draft for one of your lists (templates are checked: 422 template_error with the line)."""
    return await actions.create_campaign(body)


campaigns.listed(service.list_campaigns, "Your campaigns, newest first.")


campaigns.one(service.get_campaign, "One campaign with its status, timeline and counters.")


@router.patch("/api/campaigns/{campaign_id}")
async def update_campaign(campaign_id: ItemId, body: CampaignUpdate, actions: CampaignsDep) -> Campaign:
    """Change a draft (409 campaign_not_editable otherwise)."""
    return await actions.update_campaign(campaign_id, body)


campaigns.deleted(service.delete_campaign, "Delete a draft or a finished campaign.")


@router.post("/api/campaigns/{campaign_id}/preview")
async def preview_campaign(
    campaign_id: ItemId, actions: CampaignsDep, body: PreviewRequest | None = None
) -> Preview:
    """The campaign rendered for one subscriber of its list (`email`), or for a sample subscriber."""
    return await actions.preview(campaign_id, (body or PreviewRequest()).email)


@router.post("/api/campaigns/{campaign_id}/test")
async def send_test(campaign_id: ItemId, actions: CampaignsDep) -> TestSent:
    """Send one copy (subject prefixed "[Test]") to your own address (429 `test_send_limit` past
    the account's test copies per hour, `send_rate_limited` when Herald's mail is at its rate)."""
    return await actions.send_test(campaign_id)


@router.post("/api/campaigns/{campaign_id}/send", status_code=status.HTTP_202_ACCEPTED)
async def send_campaign(campaign_id: ItemId, actions: CampaignsDep, launcher: LauncherDep) -> Campaign:
    """Send a draft now (status queued, then sending, sent | failed); a campaign is sent once (409)."""
    return actions.send_now(campaign_id, launcher)


@router.post("/api/campaigns/{campaign_id}/schedule")
async def schedule_campaign(
    campaign_id: ItemId, body: ScheduleRequest, actions: CampaignsDep, launcher: LauncherDep
) -> Campaign:
    """Send a draft at `send_at` (at least a minute ahead; status scheduled)."""
    return actions.schedule(campaign_id, body, launcher)


@router.delete("/api/campaigns/{campaign_id}/schedule")
async def cancel_schedule(campaign_id: ItemId, actions: CampaignsDep, launcher: LauncherDep) -> Campaign:
    """Cancel a scheduled campaign: it is a draft again."""
    return actions.cancel_schedule(campaign_id, launcher)


@router.post("/api/campaigns/{campaign_id}/pause")
async def pause_campaign(campaign_id: ItemId, actions: CampaignsDep, delivery: Delivery) -> Campaign:
    """Pause a sending campaign (409 `campaign_not_sending` otherwise): batches not yet sent wait
    for the resume; messages already handed to SES are not recalled. After seven days paused
    the campaign fails."""
    return actions.pause(campaign_id, delivery)


@router.post("/api/campaigns/{campaign_id}/resume")
async def resume_campaign(campaign_id: ItemId, actions: CampaignsDep, delivery: Delivery) -> Campaign:
    """Resume a paused campaign (409 `campaign_not_paused` otherwise); nobody is mailed twice."""
    return actions.resume(campaign_id, delivery)


@router.get("/api/campaigns/{campaign_id}/stats")
async def campaign_stats(campaign_id: ItemId, actions: CampaignsDep) -> CampaignStats:
    """Recipients, sent, delivered, bounced, complained, unsubscribed, failed (and suppressed at send)."""
    return actions.stats(campaign_id)


@router.post("/api/campaigns/{campaign_id}/resend-failed", status_code=status.HTTP_202_ACCEPTED)
async def resend_failed(campaign_id: ItemId, actions: CampaignsDep, launcher: LauncherDep) -> Campaign:
    """Mail the recipients that ended `failed` (not those who opted out) again, each at most once:
    a sent or failed campaign goes `queued`, `sending`, then back to `sent` or `failed` (409
    `campaign_not_finished` while it is on its way, `nothing_to_resend` when none is left)."""
    return actions.resend_failed(campaign_id, launcher)


@router.get("/api/campaigns/{campaign_id}/recipients")
async def campaign_recipients(
    campaign_id: ItemId,
    actions: CampaignsDep,
    page: Page,
    status_filter: Annotated[RecipientFilter | None, Query(alias="status")] = None,
) -> RecipientPage:
    """The frozen audience with each message's status, in email order; `status` keeps those with
    one status, or who `opened` or `clicked`: such a page reads at most 1,000 recipients and may
    come back short, even empty, with a `next_cursor` to go on from."""
    return actions.recipients(campaign_id, page, status_filter)
