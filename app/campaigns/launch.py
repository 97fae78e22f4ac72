"""How a campaign's delivery is started: Step Functions now, or EventBridge Scheduler later.

An execution is named after its campaign, so a start whose answer was lost cannot start a second
one: the retry finds the execution by its name and adopts it while it runs. A name stays taken for
90 days after its execution ended; a campaign that needs a new execution then (its first one
failed before it began sending) gets its name with a suffix. Only the execution that moves the
campaign to `sending` may deliver it (app/delivery/start.py).
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from app.aws import error_code
from app.errors import UpstreamUnavailable

if TYPE_CHECKING:
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_stepfunctions import SFNClient


class Launcher(Protocol):
    """Starts deliveries and manages their schedules."""

    def start(
        self, owner_id: str, campaign_id: str, correlation_id: str | None, *, name: str | None = None
    ) -> str:
        """Start the delivery now (an execution named `name`, else after the campaign); returns its ARN."""
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
        schedule_dlq_arn: str | None = None,
    ) -> None:
        self.sfn = sfn
        self.scheduler = scheduler
        self.state_machine_arn = state_machine_arn
        self.scheduler_role_arn = scheduler_role_arn
        self.schedule_dlq_arn = schedule_dlq_arn
        self.prefix = f"herald-{stage}"

    @staticmethod
    def _input(owner_id: str, campaign_id: str, correlation_id: str | None) -> str:
        return json.dumps(
            {"owner_id": owner_id, "campaign_id": campaign_id, "correlation_id": correlation_id}
        )

    def start(
        self, owner_id: str, campaign_id: str, correlation_id: str | None, *, name: str | None = None
    ) -> str:
        """StartExecution named after the campaign (or `name`: a resend's); one that already runs
        under that name (a start whose answer was lost) is adopted, one that ended leaves the name
        to a suffixed one."""
        payload = self._input(owner_id, campaign_id, correlation_id)
        name = name or campaign_id
        try:
            return self._start(name, payload)
        except Exception as exc:
            running = self._running(name)
            if running is not None:
                return running
            if error_code(exc) != "ExecutionAlreadyExists":
                raise UpstreamUnavailable(
                    f"The delivery could not start ({error_code(exc) or exc})."
                ) from exc
        try:
            return self._start(f"{name}-{secrets.token_hex(4)}", payload)
        except Exception as exc:
            raise UpstreamUnavailable(f"The delivery could not start ({error_code(exc) or exc}).") from exc

    def _start(self, name: str, payload: str) -> str:
        response = self.sfn.start_execution(stateMachineArn=self.state_machine_arn, name=name, input=payload)
        return str(response["executionArn"])

    def _running(self, name: str) -> str | None:
        """The ARN of the execution of this name while it runs (None: none, it ended, or unknown)."""
        arn = self.state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"
        try:
            described = self.sfn.describe_execution(executionArn=arn)
        except Exception:
            return None
        return arn if described.get("status") == "RUNNING" else None

    def schedule(self, owner_id: str, campaign_id: str, at: datetime, correlation_id: str | None) -> str:
        """A one-time schedule that starts the execution, deleted after it ran."""
        name = schedule_name(self.prefix, campaign_id)
        target: dict[str, Any] = {
            "Arn": self.state_machine_arn,
            "RoleArn": self.scheduler_role_arn,
            "Input": self._input(owner_id, campaign_id, correlation_id),
            "RetryPolicy": {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 10},
        }
        if self.schedule_dlq_arn:
            target["DeadLetterConfig"] = {"Arn": self.schedule_dlq_arn}
        try:
            self.scheduler.create_schedule(
                Name=name,
                ScheduleExpression=at_expression(at),
                ScheduleExpressionTimezone="UTC",
                FlexibleTimeWindow={"Mode": "OFF"},
                Target=target,  # type: ignore[arg-type]
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
