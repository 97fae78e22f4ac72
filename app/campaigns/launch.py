"""How a campaign's delivery is started: Step Functions now, or EventBridge Scheduler later."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from app.aws import error_code
from app.errors import UpstreamUnavailable

if TYPE_CHECKING:
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_stepfunctions import SFNClient


class Launcher(Protocol):
    """Starts deliveries and manages their schedules."""

    def start(self, owner_id: str, campaign_id: str, correlation_id: str | None) -> str:
        """Start the delivery now; returns the execution ARN."""
        ...

    def schedule(self, owner_id: str, campaign_id: str, at: datetime, correlation_id: str | None) -> str:
        """Start the delivery at `at`; returns the schedule's name."""
        ...

    def unschedule(self, owner_id: str, campaign_id: str) -> None:
        """Forget the schedule (missing is fine)."""
        ...


def schedule_name(stage_prefix: str, campaign_id: str) -> str:
    """The one schedule a campaign can have."""
    return f"{stage_prefix}-campaign-{campaign_id}"[:64]


def at_expression(when: datetime) -> str:
    """EventBridge Scheduler's one-time expression, in UTC."""
    return f"at({when.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S')})"


class StepFunctionsLauncher:
    """The CampaignDelivery state machine and EventBridge Scheduler."""

    def __init__(
        self,
        *,
        sfn: SFNClient,
        scheduler: EventBridgeSchedulerClient,
        state_machine_arn: str,
        scheduler_role_arn: str,
        stage: str,
    ) -> None:
        self.sfn = sfn
        self.scheduler = scheduler
        self.state_machine_arn = state_machine_arn
        self.scheduler_role_arn = scheduler_role_arn
        self.prefix = f"herald-{stage}"

    @staticmethod
    def _input(owner_id: str, campaign_id: str, correlation_id: str | None) -> str:
        return json.dumps(
            {"owner_id": owner_id, "campaign_id": campaign_id, "correlation_id": correlation_id}
        )

    def start(self, owner_id: str, campaign_id: str, correlation_id: str | None) -> str:
        """StartExecution named after the campaign (a campaign has one execution)."""
        try:
            response = self.sfn.start_execution(
                stateMachineArn=self.state_machine_arn,
                name=campaign_id,
                input=self._input(owner_id, campaign_id, correlation_id),
            )
        except Exception as exc:
            raise UpstreamUnavailable(f"The delivery could not start ({error_code(exc) or exc}).") from exc
        return str(response["executionArn"])

    def schedule(self, owner_id: str, campaign_id: str, at: datetime, correlation_id: str | None) -> str:
        """A one-time schedule that starts the execution, deleted after it ran."""
        name = schedule_name(self.prefix, campaign_id)
        try:
            self.scheduler.create_schedule(
                Name=name,
                ScheduleExpression=at_expression(at),
                ScheduleExpressionTimezone="UTC",
                FlexibleTimeWindow={"Mode": "OFF"},
                Target={
                    "Arn": self.state_machine_arn,
                    "RoleArn": self.scheduler_role_arn,
                    "Input": self._input(owner_id, campaign_id, correlation_id),
                },
                ActionAfterCompletion="DELETE",
            )
        except Exception as exc:
            raise UpstreamUnavailable(
                f"The schedule could not be created ({error_code(exc) or exc})."
            ) from exc
        return name

    def unschedule(self, owner_id: str, campaign_id: str) -> None:
        """DeleteSchedule (already gone is fine)."""
        del owner_id
        try:
            self.scheduler.delete_schedule(Name=schedule_name(self.prefix, campaign_id))
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise UpstreamUnavailable(
                    f"The schedule could not be deleted ({error_code(exc) or exc})."
                ) from exc
