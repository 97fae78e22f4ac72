"""moto's `StopExecution`, as AWS does it.

moto only asks the interpreter's worker to stop: an execution waiting for a task token (or one
restored from a snapshot, whose worker is gone) stayed RUNNING, and the request's `error` and
`cause` were dropped. Here a running execution becomes ABORTED with them, as in AWS.
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
