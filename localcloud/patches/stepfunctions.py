"""moto's Step Functions where it differs from AWS: `StopExecution`, an early task-token callback,
and the timeout of a task that has only a heartbeat.

`StopExecution`: moto only asks the interpreter's worker to stop: an execution waiting for a
task token (or one restored from a snapshot, whose worker is gone) stayed RUNNING, and the
request's `error` and `cause` were dropped. Here a running execution becomes ABORTED with them,
as in AWS.

An early callback: a `waitForTaskToken` task with `HeartbeatSeconds` may be completed while its
Lambda is still running (WaitForSender resumes its own token when the senders finished first).
AWS takes the callback; moto sets up the heartbeat wait only after the invocation returns and
then waits a whole heartbeat for a signal that was given before it existed, and fails the task
with `States.HeartbeatTimeout`. Here a heartbeat endpoint set up after the outcome arrived starts
signalled, so the task completes with the outcome it already has.

A task with `HeartbeatSeconds` (or `HeartbeatSecondsPath`) and no `TimeoutSeconds`: moto gives it
a timeout of 60 s (the States Language specification's default), so a `waitForTaskToken` wait kept
alive by heartbeats failed with `States.Timeout` a minute after it began (a 5,000-recipient
campaign: `sender_timeout`). Step Functions' default is 99999999 s whether or not a heartbeat is
set (the heartbeat alone ends such a wait; AWS's own example of a callback task has
`HeartbeatSeconds: 600` and no `TimeoutSeconds`). Here such a task keeps that default.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from localcloud.patches.installing import install


def apply() -> None:
    """Install the patch (idempotent)."""
    from moto.stepfunctions.responses import StepFunctionResponse

    def stop_execution(self: Any) -> Any:
        from moto.core.responses import ActionResult
        from moto.stepfunctions.parser.api import ExecutionStatus

        arn = self._get_param("executionArn")
        backend = self.stepfunction_backend
        try:
            execution = backend.stop_execution(arn)
        except Exception:  # a restored execution's worker did not survive the restart
            execution = backend.describe_execution(arn)  # (an unknown one still raises here)
        if getattr(execution, "exec_status", None) in (None, ExecutionStatus.RUNNING):
            execution.exec_status = ExecutionStatus.ABORTED
            execution.stop_date = execution.stop_date or dt.datetime.now(dt.UTC)
            execution.error = self._get_param("error") or None
            execution.cause = self._get_param("cause") or None
        return ActionResult({"stopDate": execution.stop_date})

    install(StepFunctionResponse, "stop_execution", stop_execution)
    _take_early_callbacks()
    _no_timeout_for_a_heartbeat()


def _take_early_callbacks() -> None:
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint, HeartbeatEndpoint

    def setup_heartbeat_endpoint(self: Any, heartbeat_seconds: int) -> HeartbeatEndpoint:
        endpoint: HeartbeatEndpoint = original_setup(self, heartbeat_seconds)
        if self.get_outcome() is not None:  # completed while its Lambda ran
            endpoint.notify()  # type: ignore[no-untyped-call]
        return endpoint

    original_setup = CallbackEndpoint.setup_heartbeat_endpoint
    install(CallbackEndpoint, "setup_heartbeat_endpoint", setup_heartbeat_endpoint)


def _no_timeout_for_a_heartbeat() -> None:
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import Timeout, TimeoutSeconds
    from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState

    def from_state_props(self: Any, state_props: Any) -> None:
        original_from_state_props(self, state_props)
        if state_props.get(Timeout) is None:  # moto's 60 s when a heartbeat is set: AWS has none
            self.timeout = TimeoutSeconds(timeout_seconds=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS)

    original_from_state_props = ExecutionState.from_state_props
    install(ExecutionState, "from_state_props", from_state_props)
