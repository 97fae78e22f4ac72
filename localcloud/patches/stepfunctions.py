"""moto's Step Functions where it differs from AWS: `StopExecution`, and an early task-token callback.

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


def _take_early_callbacks() -> None:
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint, HeartbeatEndpoint

    def setup_heartbeat_endpoint(self: Any, heartbeat_seconds: int) -> HeartbeatEndpoint:
        endpoint: HeartbeatEndpoint = original_setup(self, heartbeat_seconds)
        if self.get_outcome() is not None:  # completed while its Lambda ran
            endpoint.notify()  # type: ignore[no-untyped-call]
        return endpoint

    original_setup = CallbackEndpoint.setup_heartbeat_endpoint
    install(CallbackEndpoint, "setup_heartbeat_endpoint", setup_heartbeat_endpoint)
