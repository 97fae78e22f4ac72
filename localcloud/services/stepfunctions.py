"""State machines: `AWS::Serverless::StateMachine` / `AWS::StepFunctions::StateMachine` on moto's interpreter.

moto runs an execution only when its ASL interpreter is switched on before the state machine
is created; its Lambda tasks then call `http://localhost:$MOTO_PORT/2015-03-31/functions/...`,
which the dispatcher answers by running the local handler in-process (localcloud.functions).
A definition file (`DefinitionUri`) is read relative to the template, and
`DefinitionSubstitutions` replace `${Name}` as CloudFormation does.

As in AWS, every status change of an execution (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED)
is put on the default event bus as a "Step Functions Execution Status Change" event
(`ExecutionEvents`, a poller). An execution lives in moto's interpreter thread, which a restart
of the process ends: an execution still RUNNING when its state machine is provisioned is such an
orphan, and is stopped once the cloud runs (ABORTED, error `localcloud.Restarted`), with its event.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from localcloud.clients import Clients
from localcloud.context import Core, NotEmulated, ProvisionContext, Provisioned, ServiceState
from localcloud.dispatch import Write
from localcloud.pollers import MAX_INTERVAL, QUIET_INTERVAL, Activity, Poller
from localcloud.template import ResourceSpec

logger = logging.getLogger("localcloud")
STATUS_CHANGE = "Step Functions Execution Status Change"
RESTARTED = "localcloud.Restarted"

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_.:-]+)\}")


def enable_interpreter() -> None:
    """Make moto execute state machines (it only records them otherwise)."""
    from moto.core.config import default_user_config

    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True


def definition_text(props: Mapping[str, Any], *, root: Path) -> str:
    """The ASL document with its substitutions applied."""
    if "Definition" in props:
        text = json.dumps(props["Definition"])
    elif "DefinitionString" in props:
        text = str(props["DefinitionString"])
    elif "DefinitionUri" in props and isinstance(props["DefinitionUri"], str):
        path = Path(str(props["DefinitionUri"]))
        text = (path if path.is_absolute() else root / path).read_text(encoding="utf-8")
    else:
        raise NotEmulated("only a local DefinitionUri file or an inline Definition can run locally")
    substitutions = {str(k): str(v) for k, v in (props.get("DefinitionSubstitutions") or {}).items()}
    missing = sorted({m for m in _PLACEHOLDER.findall(text) if m not in substitutions})
    if missing:
        raise NotEmulated(f"definition placeholders without a substitution: {', '.join(missing)}")
    return _PLACEHOLDER.sub(lambda match: substitutions[match.group(1)], text)


def provision_state_machine(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A state machine on moto's interpreter (its definition updated when it changed)."""
    enable_interpreter()
    definition = definition_text(props, root=ctx.template.directory)
    json.loads(definition)  # a broken document fails provisioning, not the first execution
    name = str(props.get("Name") or props.get("StateMachineName") or ctx.default_name(spec, max_length=80))
    arn = ctx.arn("states", f"stateMachine:{name}")
    sfn = ctx.clients.get("stepfunctions")
    role = str(props.get("Role") or props.get("RoleArn") or ctx.arn("iam", f"role/{name}", region=False))
    try:
        current = sfn.describe_state_machine(stateMachineArn=arn)
        status = "exists"
        if current.get("definition") != definition:
            sfn.update_state_machine(stateMachineArn=arn, definition=definition, roleArn=role)
            status = "updated"
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "StateMachineDoesNotExist":
            raise
        kind = str(props.get("Type") or props.get("StateMachineType") or "STANDARD")
        arn = sfn.create_state_machine(name=name, definition=definition, roleArn=role, type=kind)[
            "stateMachineArn"
        ]
        status = "created"
    events = ctx.states.of(Executions).poller
    aborted = events.watch(arn)
    return Provisioned(
        ref=arn,
        attributes={"Arn": arn, "Name": name},
        status=status,
        detail="moto's ASL interpreter; Lambda tasks run in-process; EventBridge Scheduler targets fire; "
        "status changes go to the default bus"
        + (f"; {aborted} execution(s) orphaned by a restart are aborted" if aborted else ""),
        pollers=[events],
    )


class Executions(ServiceState):
    """The one poller that turns every watched state machine's status changes into events."""

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self.poller = ExecutionEvents(clients=core.clients, activity=core.activity)


def _millis(value: Any) -> int | None:
    return int(value.timestamp() * 1000) if isinstance(value, dt.datetime) else None


class ExecutionEvents(Poller):
    """Puts each execution's status changes on the default bus, as Step Functions does."""

    def __init__(self, *, clients: Clients, activity: Activity) -> None:
        super().__init__("execution-events", activity)
        self._clients = clients
        self._machines: set[str] = set()
        self._known: dict[str, str] = {}
        self._orphans: list[str] = []
        self.emitted = 0

    def wakes_on(self, write: Write) -> bool:
        """Executions start, resume and stop through Step Functions calls (and end on their own)."""
        return write.service in ("states", "")

    def describe(self) -> dict[str, Any]:
        """A short status for the dev console."""
        return {**super().describe(), "emitted": self.emitted}

    def watch(self, state_machine_arn: str) -> int:
        """Follow a state machine's executions: the past ones are known (no events); those left
        RUNNING by an earlier process are stopped on the first poll, once every rule exists.
        Returns how many such orphans there are."""
        self._machines.add(state_machine_arn)
        statuses = self._statuses(state_machine_arn)
        self._known.update(statuses)
        orphans = [arn for arn, status in statuses if status == "RUNNING"]
        self._orphans.extend(orphans)
        return len(orphans)

    def pending(self) -> bool:
        """Orphans not stopped yet."""
        return bool(self._orphans)

    def idle_cap(self) -> float:
        """A running execution changes (ends, times out) on its own; a finished one never does."""
        running = any(status == "RUNNING" for status in self._known.values())
        return MAX_INTERVAL if running else QUIET_INTERVAL

    def poll(self) -> bool:
        """Stop orphans; emit an event for each execution that started or changed status since."""
        sfn = self._clients.get("stepfunctions")
        while self._orphans:
            arn = self._orphans.pop(0)
            sfn.stop_execution(
                executionArn=arn,
                error=RESTARTED,
                cause="The local cloud restarted while this execution ran: its state was lost.",
            )
            logger.warning("localcloud: execution %s was running before a restart; aborted", arn)
        changed = 0
        for machine in sorted(self._machines):
            for arn, status in self._statuses(machine):
                if self._known.get(arn) != status:
                    self._known[arn] = status
                    self._emit(sfn.describe_execution(executionArn=arn))
                    changed += 1
        return changed > 0

    def _statuses(self, state_machine_arn: str) -> list[tuple[str, str]]:
        sfn = self._clients.get("stepfunctions")
        return [
            (str(execution["executionArn"]), str(execution["status"]))
            for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=state_machine_arn)
            for execution in page.get("executions", [])
        ]

    def _emit(self, execution: Mapping[str, Any]) -> None:
        detail = {
            "executionArn": execution["executionArn"],
            "stateMachineArn": execution["stateMachineArn"],
            "name": execution.get("name"),
            "status": execution["status"],
            "startDate": _millis(execution.get("startDate")),
            "stopDate": _millis(execution.get("stopDate")),
            "input": execution.get("input"),
            "output": execution.get("output"),
            "inputDetails": {"included": True},
            "error": execution.get("error"),
            "cause": execution.get("cause"),
        }
        self._clients.events().put_events(
            Entries=[
                {
                    "Source": "aws.states",
                    "DetailType": STATUS_CHANGE,
                    "Resources": [str(execution["executionArn"])],
                    "Detail": json.dumps(detail),
                    "EventBusName": "default",
                }
            ]
        )
        self.emitted += 1
