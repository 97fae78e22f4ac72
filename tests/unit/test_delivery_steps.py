"""The delivery's state machine and its starts survive passing failures.

Each test here fails on the code whose state machine retried only Lambda's service errors, timed
its wait out after an hour whatever the progress, and whose start made a campaign unsendable for
good when StartExecution's answer was lost.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from app.campaigns.launch import StepFunctionsLauncher
from app.delivery.retries import TransientError, retried_when_transient
from app.errors import UpstreamUnavailable

ROOT = Path(__file__).resolve().parents[2]
STATES = json.loads((ROOT / "statemachines" / "campaign_delivery.asl.json").read_text())["States"]
LAMBDA_STEPS = [
    name for name, s in STATES.items() if str(s.get("Resource", "")).startswith("arn:aws:states:::lambda")
]
PASSING = {"TransientError", "Lambda.ServiceException", "Lambda.TooManyRequestsException", "Lambda.Unknown"}


@pytest.mark.parametrize("step", LAMBDA_STEPS)
def test_every_step_retries_passing_errors_with_backoff(step: str) -> None:
    retries = STATES[step]["Retry"]
    covered = {error for retry in retries for error in retry["ErrorEquals"]}
    assert PASSING <= covered or "States.ALL" in covered, step
    assert all(
        r["BackoffRate"] >= 2 and r["MaxAttempts"] >= 3 and r["JitterStrategy"] == "FULL" for r in retries
    )
    if step != "WaitForSender":  # its timeout is the senders' silence, which a retry would not cure
        assert "States.Timeout" in covered or "States.ALL" in covered, step


def test_the_wait_lasts_while_the_senders_progress() -> None:
    wait = STATES["WaitForSender"]
    assert wait["HeartbeatSecondsPath"] == "$.wait_timeout_seconds"
    assert "TimeoutSecondsPath" not in wait and "TimeoutSeconds" not in wait


def test_the_audience_is_frozen_in_a_loop_and_steps_know_their_execution() -> None:
    assert STATES["StartDelivery"]["Next"] == "AudienceFrozen?"
    loop = STATES["AudienceFrozen?"]["Choices"][0]
    assert (loop["StringEquals"], loop["Next"]) == ("freezing", "StartDelivery")
    for step in ("StartDelivery", "MarkFailed"):
        assert STATES[step]["Parameters"]["Payload"]["execution.$"] == "$$.Execution.Name"


def _client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "Operation")


@pytest.mark.parametrize(
    "error",
    [
        _client_error("ThrottlingException"),
        _client_error("ProvisionedThroughputExceededException"),
        EndpointConnectionError(endpoint_url="https://dynamodb"),
    ],
    ids=["throttled", "over-capacity", "connection"],
)
def test_a_passing_aws_failure_is_raised_as_transient(error: Exception) -> None:
    @retried_when_transient
    def step() -> None:
        raise error

    with pytest.raises(TransientError):
        step()


def test_other_failures_are_raised_as_they_are() -> None:
    @retried_when_transient
    def step() -> None:
        raise _client_error("AccessDeniedException")

    with pytest.raises(ClientError):
        step()


class FakeSfn:
    """Step Functions' executions by name: `lose` answers are lost after the execution started."""

    def __init__(self, *, lose: int = 0, ended: set[str] | None = None) -> None:
        self.lose = lose
        self.executions: dict[str, str] = dict.fromkeys(ended or set(), "FAILED")
        self.inputs: dict[str, str] = {}

    def start_execution(self, *, stateMachineArn: str, name: str, input: str) -> dict[str, Any]:
        if name in self.executions:
            raise _client_error("ExecutionAlreadyExists")
        self.executions[name], self.inputs[name] = "RUNNING", input
        if self.lose:
            self.lose -= 1
            raise EndpointConnectionError(endpoint_url="https://states")
        return {"executionArn": f"{stateMachineArn.replace(':stateMachine:', ':execution:')}:{name}"}

    def describe_execution(self, *, executionArn: str) -> dict[str, Any]:
        name = executionArn.rsplit(":", 1)[-1]
        if name not in self.executions:
            raise _client_error("ExecutionDoesNotExist")
        return {"status": self.executions[name]}


def launcher(sfn: FakeSfn) -> StepFunctionsLauncher:
    return StepFunctionsLauncher(
        sfn=sfn,  # type: ignore[arg-type]
        scheduler=None,  # type: ignore[arg-type]
        state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:herald-test",
        scheduler_role_arn="",
        stage="test",
    )


def test_a_start_whose_answer_was_lost_adopts_the_execution_it_started() -> None:
    # Given Step Functions that started the execution but whose answer never arrived
    sfn = FakeSfn(lose=1)

    # When the campaign's delivery is started
    arn = launcher(sfn).start("owner", "c1", "corr")

    # Then the running execution is adopted: one execution, named after the campaign
    assert arn.endswith(":execution:herald-test:c1") and sfn.executions == {"c1": "RUNNING"}
    assert json.loads(sfn.inputs["c1"]) == {
        "owner_id": "owner",
        "campaign_id": "c1",
        "correlation_id": "corr",
    }


def test_a_name_left_by_an_ended_execution_is_not_a_dead_end() -> None:
    # Given an execution named after the campaign that ended (its start had failed, then the
    # campaign went back to draft)
    sfn = FakeSfn(ended={"c1"})

    # When the campaign is sent again
    arn = launcher(sfn).start("owner", "c1", "corr")

    # Then a new execution runs under the campaign's name with a suffix
    [new] = [name for name, status in sfn.executions.items() if status == "RUNNING"]
    assert new.startswith("c1-") and arn.endswith(f":{new}")


def test_a_start_that_did_not_happen_is_an_upstream_error() -> None:
    class Refusing(FakeSfn):
        def start_execution(self, **kwargs: Any) -> dict[str, Any]:
            raise _client_error(f"AccessDeniedException ({kwargs['name']})")

    with pytest.raises(UpstreamUnavailable, match="AccessDeniedException"):
        launcher(Refusing()).start("owner", "c1", None)
