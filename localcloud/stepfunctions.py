"""State machines: `AWS::Serverless::StateMachine` / `AWS::StepFunctions::StateMachine` on moto's interpreter.

moto runs an execution only when its ASL interpreter is switched on before the state machine
is created; its Lambda tasks then call `http://localhost:$MOTO_PORT/2015-03-31/functions/...`,
which the dispatcher answers by running the local handler in-process (localcloud.functions).
A definition file (`DefinitionUri`) is read relative to the repository, and
`DefinitionSubstitutions` replace `${Name}` as CloudFormation does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from localcloud.provision import NotEmulated, ProvisionContext, Provisioned, provisioner
from localcloud.template import ResourceSpec

ROOT = Path(__file__).resolve().parents[1]
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_.:-]+)\}")


def enable_interpreter() -> None:
    """Make moto execute state machines (it only records them otherwise)."""
    from moto.core.config import default_user_config

    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True


def definition_text(props: Mapping[str, Any], *, root: Path = ROOT) -> str:
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


@provisioner("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")
def provision_state_machine(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A state machine on moto's interpreter (its definition updated when it changed)."""
    enable_interpreter()
    definition = definition_text(props)
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
    from localcloud.scheduler import ensure_schedule_poller

    ensure_schedule_poller(ctx)
    return Provisioned(
        ref=arn,
        attributes={"Arn": arn, "Name": name},
        status=status,
        detail="moto's ASL interpreter; Lambda tasks run in-process; EventBridge Scheduler targets fire",
    )
