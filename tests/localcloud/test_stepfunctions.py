"""State machine definitions locally: DefinitionUri files and DefinitionSubstitutions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from localcloud.context import NotEmulated
from localcloud.services.scheduler import due_time
from localcloud.services.stepfunctions import definition_text

ROOT = Path(__file__).resolve().parents[2]


def test_substitutions_fill_the_definition_file(tmp_path: Path) -> None:
    (tmp_path / "m.asl.json").write_text('{"StartAt": "A", "States": {"A": {"Resource": "${Fn}"}}}')
    text = definition_text(
        {"DefinitionUri": "m.asl.json", "DefinitionSubstitutions": {"Fn": "arn:x"}}, root=tmp_path
    )
    assert json.loads(text)["States"]["A"]["Resource"] == "arn:x"


def test_a_placeholder_without_substitution_is_refused(tmp_path: Path) -> None:
    (tmp_path / "m.asl.json").write_text('{"Resource": "${Missing}"}')
    with pytest.raises(NotEmulated, match="Missing"):
        definition_text({"DefinitionUri": "m.asl.json"}, root=tmp_path)


def _campaign_definition() -> str:
    return definition_text(
        {
            "DefinitionUri": "statemachines/campaign_delivery.asl.json",
            "DefinitionSubstitutions": {
                name: f"arn:{name}"
                for name in (
                    "StartDeliveryFunctionArn",
                    "WaitForSenderFunctionArn",
                    "FinalizeDeliveryFunctionArn",
                    "MarkDeliveryFailedFunctionArn",
                )
            },
        },
        root=ROOT,
    )


def test_the_campaign_definition_has_every_step_with_a_catch() -> None:
    states = json.loads(_campaign_definition())["States"]
    for name in ("StartDelivery", "WaitForSender", "Finalize"):
        assert states[name]["Catch"][0]["Next"] == "MarkFailed"
    assert states["WaitForSender"]["Resource"].endswith("waitForTaskToken")


def test_one_time_schedule_expressions_are_read_in_their_time_zone() -> None:
    when = due_time("at(2030-01-02T03:04:05)", "Europe/Oslo")
    assert when is not None and when.utcoffset() is not None and when.hour == 3
    assert due_time("rate(5 minutes)", None) is None


def test_a_task_token_completed_while_its_lambda_runs_is_taken_with_a_heartbeat() -> None:
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint, CallbackOutcomeSuccess

    from localcloud import patches

    patches.apply()
    # Given a waitForTaskToken task whose token was sent success while its Lambda ran (before the
    # interpreter set up the task's heartbeat wait)
    endpoint = CallbackEndpoint(callback_id="token")
    endpoint.notify(CallbackOutcomeSuccess(callback_id="token", output="{}"))

    # When the heartbeat wait begins
    heartbeat = endpoint.setup_heartbeat_endpoint(heartbeat_seconds=1)

    # Then it sees a signal at once and the outcome is there (moto alone waits out the heartbeat)
    assert heartbeat.clear_and_wait() is True
    assert isinstance(endpoint.get_outcome(), CallbackOutcomeSuccess)


def test_a_wait_kept_alive_by_heartbeats_has_no_total_timeout_as_in_aws() -> None:
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    from localcloud import patches

    patches.apply()
    # Given the campaign's state machine: WaitForSender has a heartbeat (HeartbeatSecondsPath) and
    # no TimeoutSeconds; StartDelivery a TimeoutSeconds
    program, _ = AmazonStateLanguageParser.parse(_campaign_definition())
    states = program.states.states  # type: ignore[attr-defined]  # a Program, typed as its base

    # Then only its heartbeat ends the wait, as in AWS (moto alone: States.Timeout after 60 s, so a
    # campaign whose senders took over a minute, heartbeats and all, failed with sender_timeout)
    assert states["WaitForSender"].heartbeat is not None
    assert states["WaitForSender"].timeout.timeout_seconds == TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS
    # and a timeout that is written down is kept
    assert states["StartDelivery"].timeout.timeout_seconds == 360
