"""IAM, enforced locally: every AWS call a local function makes is checked against its own policy.

The policies come from one source, the template: each `AWS::Serverless::Function`'s `Policies`
(SAM policy templates expanded by SAM's own processor, `samtranslator`, inline statements, the
managed policies named below), resolved by the cloud's template to the local ARNs, plus what SAM
gives every function (`AWSLambdaBasicExecutionRole`, and X-Ray's write access with `Tracing:
Active`). `Iam` is an observer on the dispatcher's seam (`localcloud.calls`): a call its function's
policy does not allow gets the service's AccessDenied error, as AWS words it, before anything
answers it; every decision is counted for the permissions report (`python -m localcloud.iam`,
`GET /_local/iam`).

Who is checked: a call made while a local function runs (`Call.caller`), and a call made while
the local runner serves an HTTP request as the template's API function (`ActAsApi`, the ASGI
middleware the local runner installs). The cloud's own calls, tests' own boto3 calls and a
browser's presigned uploads run as no function and are not checked.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import threading
import urllib.request
from collections import Counter
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from localcloud.calls import Call, aws_error, service_model
from localcloud.server import WsgiResponse

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from localcloud.functions import FunctionRegistry, LocalFunction
    from localcloud.template import Template

logger = logging.getLogger("localcloud")

FUNCTION_TYPE = "AWS::Serverless::Function"

# What SAM attaches to every function's role (and with `Tracing: Active`), as AWS defines them.
_BASIC_EXECUTION = [
    {
        "Effect": "Allow",
        "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": "*",
    }
]
_XRAY_WRITE = [
    {
        "Effect": "Allow",
        "Action": [
            "xray:PutTraceSegments",
            "xray:PutTelemetryRecords",
            "xray:GetSamplingRules",
            "xray:GetSamplingTargets",
            "xray:GetSamplingStatisticSummaries",
        ],
        "Resource": "*",
    }
]
MANAGED_POLICIES: dict[str, list[dict[str, Any]]] = {
    "AWSLambdaBasicExecutionRole": _BASIC_EXECUTION,
    "AWSXRayDaemonWriteAccess": _XRAY_WRITE,
    "AWSXrayWriteOnlyAccess": _XRAY_WRITE,
}

# Set while the local runner serves an HTTP request: the API function is the caller then.
_ACTING_AS_API: ContextVar[bool] = ContextVar("localcloud_acting_as_api", default=False)

# Operations that need no permission at all.
_FREE = frozenset({("sts", "GetCallerIdentity")})


# ---------------------------------------------------------------------- the evaluator


@lru_cache(maxsize=4096)
def _pattern(text: str, *, case: bool) -> re.Pattern[str]:
    """An IAM wildcard (`*` any run, `?` one character) as a regular expression (built once per
    text: every call a function makes is checked against its statements' patterns)."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile(f"^{body}$", 0 if case else re.IGNORECASE)


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(item) for item in value) if isinstance(value, list) else (str(value),)


@dataclass(frozen=True)
class Statement:
    """One policy statement (actions match case-insensitively, resources case-sensitively)."""

    effect: str
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    conditional: bool = False

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> Statement:
        """A statement as a policy document writes it."""
        return cls(
            effect=str(document.get("Effect", "")),
            actions=_strings(document.get("Action")),
            not_actions=_strings(document.get("NotAction")),
            resources=_strings(document.get("Resource")),
            not_resources=_strings(document.get("NotResource")),
            conditional=bool(document.get("Condition")),
        )

    def matches(self, action: str, resource: str) -> bool:
        """Whether the statement applies to `action` on `resource`."""
        if self.not_actions:
            if any(_pattern(p, case=False).match(action) for p in self.not_actions):
                return False
        elif not any(_pattern(p, case=False).match(action) for p in self.actions):
            return False
        if self.not_resources:
            return not any(_pattern(p, case=True).match(resource) for p in self.not_resources)
        return any(_pattern(p, case=True).match(resource) for p in self.resources)


@dataclass(frozen=True)
class Decision:
    """What a policy says about one action on one resource."""

    allowed: bool
    explicit_deny: bool = False
    grants: tuple[int, ...] = ()  # the Allow statements that matched (indexes)


@dataclass(frozen=True)
class Policy:
    """A principal's identity policy: every statement of every policy it has."""

    statements: tuple[Statement, ...]

    def decide(self, action: str, resource: str) -> Decision:
        """IAM's rule for one identity policy: an explicit Deny wins, else some Allow, else denied.

        A statement with a `Condition` is taken as matching (no request context is kept locally)
        for an Allow, and as not matching for a Deny, so conditions never make a call fail locally
        that AWS would let through.
        """
        grants = []
        for number, statement in enumerate(self.statements):
            if not statement.matches(action, resource):
                continue
            if statement.effect == "Deny":
                if not statement.conditional:
                    return Decision(False, explicit_deny=True)
            elif statement.effect == "Allow":
                grants.append(number)
        return Decision(bool(grants), grants=tuple(grants))


# ---------------------------------------------------------------------- policies from the template


@cache
def _policy_templates() -> Any:
    from samtranslator.policy_template_processor.processor import PolicyTemplatesProcessor

    return PolicyTemplatesProcessor(PolicyTemplatesProcessor.get_default_policy_templates_json())


class PolicyError(Exception):
    """A function's policy cannot be read from the template."""


def function_statements(template: Template, logical_id: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The resolved statements of a function's role as SAM builds it, and the gaps (unknown policies)."""
    spec = template.resources[logical_id]
    properties = spec.properties
    gaps: list[str] = []
    role = properties.get("Role")
    if role is not None:
        return _role_statements(template, role, gaps), gaps
    statements: list[dict[str, Any]] = list(_BASIC_EXECUTION)
    if template.resolve(properties.get("Tracing")) == "Active":
        statements.extend(_XRAY_WRITE)
    policies = properties.get("Policies") or []
    if isinstance(policies, str | Mapping):
        policies = [policies]
    for entry in policies:
        statements.extend(_entry_statements(template, entry, gaps))
    return statements, gaps


def _entry_statements(template: Template, entry: Any, gaps: list[str]) -> list[dict[str, Any]]:
    if isinstance(entry, str):
        return _managed(entry, gaps)
    if not isinstance(entry, Mapping):
        gaps.append(f"unreadable policy entry {entry!r}")
        return []
    processor = _policy_templates()
    if len(entry) == 1:
        ((name, parameters),) = entry.items()
        if processor.has(name):
            converted = processor.convert(name, parameters if isinstance(parameters, Mapping) else {})
            return _document_statements(template.resolve(converted))
    if "Statement" in entry:
        return _document_statements(template.resolve(dict(entry)))
    resolved = template.resolve(entry)
    if isinstance(resolved, str):
        return _managed(resolved, gaps)
    gaps.append(f"unreadable policy entry {entry!r}")
    return []


def _role_statements(template: Template, role: Any, gaps: list[str]) -> list[dict[str, Any]]:
    """A function with its own `Role`: that role's inline and managed policies, when the template has it."""
    reference = role.get("Fn::GetAtt") if isinstance(role, Mapping) else None
    if isinstance(reference, list):
        logical_id = str(reference[0])
    else:
        logical_id = str(reference or "").split(".")[0]
    spec = template.resources.get(logical_id)
    if spec is None or spec.type != "AWS::IAM::Role":
        gaps.append(f"role {role!r} is not a role of this template")
        return []
    properties = template.resolve(spec.properties)
    statements: list[dict[str, Any]] = []
    for policy in properties.get("Policies") or []:
        statements.extend(_document_statements(policy.get("PolicyDocument") or {}))
    for arn in properties.get("ManagedPolicyArns") or []:
        statements.extend(_managed(str(arn), gaps))
    return statements


def _managed(name: str, gaps: list[str]) -> list[dict[str, Any]]:
    short = name.rsplit("/", 1)[-1]
    if short in MANAGED_POLICIES:
        return list(MANAGED_POLICIES[short])
    gaps.append(f"managed policy {name} is not known locally (it grants nothing here)")
    return []


def _document_statements(document: Any) -> list[dict[str, Any]]:
    statements = document.get("Statement") if isinstance(document, Mapping) else None
    if isinstance(statements, Mapping):
        return [dict(statements)]
    return [dict(item) for item in statements or [] if isinstance(item, Mapping)]


# ---------------------------------------------------------------------- requests as IAM sees them


@dataclass(frozen=True)
class Where:
    """What turns request parameters into ARNs: the account, the region, the caller's API stage."""

    account_id: str
    region: str
    websocket: tuple[str, str] | None = None  # (api id, stage) of the caller's management URL

    def arn(self, service: str, resource: str, *, region: bool = True) -> str:
        """An ARN in the cloud's account."""
        where = f"{self.region}:{self.account_id}" if region else ":"
        return f"arn:aws:{service}:{where}:{resource}"


Need = tuple[str, str]  # (IAM action, resource ARN)

# Batch and transaction operations IAM checks as the single-item action.
_AS_ACTION = {
    ("sqs", "SendMessageBatch"): "SendMessage",
    ("sqs", "DeleteMessageBatch"): "DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "ChangeMessageVisibility",
    ("s3", "HeadObject"): "GetObject",
    ("s3", "HeadBucket"): "ListBucket",
    ("s3", "ListObjectsV2"): "ListBucket",
    ("s3", "ListObjects"): "ListBucket",
    ("s3", "CreateMultipartUpload"): "PutObject",
    ("s3", "UploadPart"): "PutObject",
    ("s3", "CompleteMultipartUpload"): "PutObject",
    ("s3", "AbortMultipartUpload"): "AbortMultipartUpload",
    ("ssm", "GetParameters"): "GetParameters",
}
# Operations whose request names no resource IAM can check (AWS reads it from a task token, or the
# action takes no resource): checked against "*" as IAM does for resource-less actions, except the
# Step Functions task callbacks, whose resource is the execution's state machine.
_TASK_CALLBACKS = frozenset({"SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat"})


def needs_of(call: Call, where: Where) -> list[Need] | None:
    """Every (action, resource) the call needs allowed; [] for a free call; None when unmapped."""
    if (call.service, call.operation) in _FREE:
        return []
    model = service_model(call.service)
    if model is None or not call.operation or call.operation not in model.operation_names:
        return None
    if model.operation_model(call.operation).auth_type == "none":
        return []  # an unauthenticated operation (Cognito's SignUp, InitiateAuth, ...)
    mapper = _MAPPERS.get(call.service)
    if mapper is None:
        return None
    params = dict(call.params or {})
    prefix = str(model.signing_name)
    action = f"{prefix}:{_AS_ACTION.get((call.service, call.operation), call.operation)}"
    return mapper(call.operation, action, params, where)


def _dynamodb(operation: str, action: str, params: dict[str, Any], where: Where) -> list[Need] | None:
    def table(name: str, index: str | None = None) -> str:
        arn = name if name.startswith("arn:") else where.arn("dynamodb", f"table/{name}")
        return f"{arn}/index/{index}" if index else arn

    if operation in ("BatchWriteItem", "BatchGetItem"):
        return [(action, table(name)) for name in params.get("RequestItems") or {}]
    if operation in ("TransactWriteItems", "TransactGetItems"):
        needs = []
        for item in params.get("TransactItems") or []:
            for kind, body in item.items():
                single = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}.get(
                    kind, "ConditionCheckItem" if kind == "ConditionCheck" else "GetItem"
                )
                needs.append((f"dynamodb:{single}", table(str(body.get("TableName", "")))))
        return needs
    name = params.get("TableName")
    if not name:
        return [(action, "*")] if operation.startswith("List") else None
    return [(action, table(str(name), params.get("IndexName")))]


def _sqs(operation: str, action: str, params: dict[str, Any], where: Where) -> list[Need] | None:
    url = params.get("QueueUrl")
    name = urlsplit(str(url)).path.rstrip("/").rsplit("/", 1)[-1] if url else params.get("QueueName")
    if not name:
        return [(action, "*")] if operation == "ListQueues" else None
    return [(action, where.arn("sqs", str(name)))]


def _ses(operation: str, action: str, params: dict[str, Any], where: Where) -> list[Need] | None:
    if operation not in ("SendEmail", "SendRawEmail", "SendTemplatedEmail", "SendBulkEmail"):
        return [(action, "*")]
    sender = str(params.get("FromEmailAddress") or params.get("Source") or "")
    address = re.search(r"<([^>]+)>", sender)
    needs = [(action, where.arn("ses", f"identity/{address.group(1) if address else sender.strip()}"))]
    configuration_set = params.get("ConfigurationSetName")
    if configuration_set:
        needs.append((action, where.arn("ses", f"configuration-set/{configuration_set}")))
    return needs


def _states(operation: str, action: str, params: dict[str, Any], where: Where) -> list[Need] | None:
    if operation in _TASK_CALLBACKS:
        token = str(params.get("taskToken") or "")
        machine = _machine_of_token(token, where)
        return [(action, machine)] if machine else None
    arn = params.get("stateMachineArn") or params.get("executionArn")
    if not arn:
        return [(action, "*")] if operation.startswith("List") else None
    return [(action, str(arn))]


def _machine_of_token(token: str, where: Where) -> str | None:
    """The state machine a task token belongs to (moto's tokens do not say: the only one, if one)."""
    del token
    return _single_state_machine.get(where.account_id)


# The account's state machine ARN when it has exactly one (filled in when the cloud's policies load).
_single_state_machine: dict[str, str] = {}


def _ssm(operation: str, action: str, params: dict[str, Any], where: Where) -> list[Need] | None:
    names = params.get("Names") or ([params["Name"]] if params.get("Name") else [])
    if not names:
        return [(action, "*")] if operation.startswith("Describe") else None
    return [(action, where.arn("ssm", "parameter/" + str(name).lstrip("/"))) for name in names]


def _s3(operation: str, action: str, params: dict[str, Any], where: Where) -> list[Need] | None:
    del where
    bucket = params.get("Bucket")
    if not bucket:
        return [(action, "*")] if operation == "ListBuckets" else None
    if operation == "DeleteObjects":
        keys = [item.get("Key", "") for item in (params.get("Delete") or {}).get("Objects") or []]
        return [("s3:DeleteObject", f"arn:aws:s3:::{bucket}/{key}") for key in keys]
    key = params.get("Key")
    needs = [(action, f"arn:aws:s3:::{bucket}/{key}" if key is not None else f"arn:aws:s3:::{bucket}")]
    if operation == "CopyObject":
        source = params.get("CopySource")
        if isinstance(source, Mapping):
            source = f"{source.get('Bucket')}/{source.get('Key')}"
        needs.append(("s3:GetObject", f"arn:aws:s3:::{unquote(str(source)).lstrip('/')}"))
    return needs


def _events(operation: str, action: str, params: dict[str, Any], where: Where) -> list[Need] | None:
    if operation == "PutEvents":
        buses = {str(entry.get("EventBusName") or "default") for entry in params.get("Entries") or []}
        return [
            (action, bus if bus.startswith("arn:") else where.arn("events", f"event-bus/{bus}"))
            for bus in sorted(buses)
        ]
    bus = params.get("EventBusName") or params.get("Name")
    return [(action, where.arn("events", f"event-bus/{bus}") if bus else "*")]


def _scheduler(operation: str, action: str, params: dict[str, Any], where: Where) -> list[Need] | None:
    name = params.get("Name")
    if not name:
        return [(action, "*")] if operation.startswith("List") else None
    group = params.get("GroupName") or "default"
    needs = [(action, where.arn("scheduler", f"schedule/{group}/{name}"))]
    role = (params.get("Target") or {}).get("RoleArn")
    if role and operation in ("CreateSchedule", "UpdateSchedule"):
        needs.append(("iam:PassRole", str(role)))
    return needs


def _cognito(operation: str, action: str, params: dict[str, Any], where: Where) -> list[Need] | None:
    del operation
    pool = params.get("UserPoolId")
    return [(action, where.arn("cognito-idp", f"userpool/{pool}") if pool else "*")]


def _management(operation: str, action: str, params: dict[str, Any], where: Where) -> list[Need] | None:
    del action
    method = {"PostToConnection": "POST", "DeleteConnection": "DELETE", "GetConnection": "GET"}.get(operation)
    if method is None or where.websocket is None:
        return None
    api, stage = where.websocket
    connection = params.get("ConnectionId", "")
    resource = where.arn("execute-api", f"{api}/{stage}/{method}/@connections/{connection}")
    return [("execute-api:ManageConnections", resource)]


def _lambda(operation: str, action: str, params: dict[str, Any], where: Where) -> list[Need] | None:
    name = params.get("FunctionName")
    if not name:
        return [(action, "*")] if operation.startswith("List") else None
    name = str(name)
    return [(action, name if name.startswith("arn:") else where.arn("lambda", f"function:{name}"))]


def _sns(operation: str, action: str, params: dict[str, Any], where: Where) -> list[Need] | None:
    del where
    arn = params.get("TopicArn")
    return [(action, str(arn))] if arn else ([(action, "*")] if operation.startswith("List") else None)


_MAPPERS = {
    "dynamodb": _dynamodb,
    "sqs": _sqs,
    "sesv2": _ses,
    "ses": _ses,
    "stepfunctions": _states,
    "ssm": _ssm,
    "s3": _s3,
    "events": _events,
    "scheduler": _scheduler,
    "cognito-idp": _cognito,
    "apigatewaymanagementapi": _management,
    "lambda": _lambda,
    "sns": _sns,
}

# AWS's own code and HTTP status for a denied call, per service (the rest: AccessDeniedException).
_DENIAL: dict[str, tuple[str, int]] = {
    "sqs": ("AccessDenied", 403),
    "s3": ("AccessDenied", 403),
    "ses": ("AccessDenied", 403),
    "sesv2": ("AccessDeniedException", 403),
    "sns": ("AuthorizationError", 403),
    "scheduler": ("AccessDeniedException", 403),
    "lambda": ("AccessDeniedException", 403),
    "apigatewaymanagementapi": ("ForbiddenException", 403),
}


def denial(call: Call, principal: str, action: str, resource: str, *, explicit: bool) -> WsgiResponse:
    """AWS's AccessDenied for `action` on `resource`, in the call's service's protocol."""
    code, status = _DENIAL.get(call.service, ("AccessDeniedException", 400))
    why = (
        "with an explicit deny in an identity-based policy"
        if explicit
        else f"because no identity-based policy allows the {action} action"
    )
    message = f"User: {principal} is not authorized to perform: {action} on resource: {resource} {why}"
    return aws_error(call, status, code, message)


# ---------------------------------------------------------------------- the observer


@dataclass
class Usage:
    """What one function was allowed, denied and asked that has no mapping."""

    allowed: Counter[Need] = field(default_factory=Counter)
    denied: Counter[Need] = field(default_factory=Counter)
    unmapped: Counter[str] = field(default_factory=Counter)
    grants: Counter[int] = field(default_factory=Counter)


@dataclass(frozen=True)
class FunctionPolicy:
    """A function's policy as the template declares it, resolved locally."""

    logical_id: str
    principal: str
    statements: tuple[dict[str, Any], ...]
    policy: Policy
    gaps: tuple[str, ...]
    websocket: tuple[str, str] | None


class Iam:
    """The seam's IAM: checks each function's calls against its policy, counts what was used."""

    def __init__(self, *, enforce: bool = True) -> None:
        self.enforce = enforce
        self._lock = threading.Lock()
        self._policies: dict[str, FunctionPolicy] = {}
        self._usage: dict[str, Usage] = {}
        self._where = Where("", "")
        self._api_function: str | None = None

    def load(self, template: Template, functions: FunctionRegistry) -> None:
        """Read every function's policy from the provisioned template (ARNs resolved locally)."""
        self._where = Where(template.account_id, template.region)
        policies: dict[str, FunctionPolicy] = {}
        api_functions = []
        for logical_id, spec in template.resources.items():
            if spec.type != FUNCTION_TYPE or not template.is_enabled(spec):
                continue
            statements, gaps = function_statements(template, logical_id)
            for gap in gaps:
                logger.warning("localcloud iam: %s: %s", logical_id, gap)
            function = functions.find(logical_id)
            name = function.name if function is not None else logical_id
            policies[logical_id] = FunctionPolicy(
                logical_id=logical_id,
                principal=(
                    f"arn:aws:sts::{template.account_id}:assumed-role/"
                    f"{template.stack_name}-{logical_id}Role/{name}"
                ),
                statements=tuple(statements),
                policy=Policy(tuple(Statement.from_json(s) for s in statements)),
                gaps=tuple(gaps),
                websocket=_management_api(function),
            )
            events = spec.properties.get("Events") or {}
            if any(isinstance(e, Mapping) and e.get("Type") in ("HttpApi", "Api") for e in events.values()):
                api_functions.append(logical_id)
        machines = [
            state.ref
            for state in template.states.values()
            if state.type in ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")
        ]
        if len(machines) == 1:
            _single_state_machine[template.account_id] = str(machines[0])
        else:
            _single_state_machine.pop(template.account_id, None)
        with self._lock:
            self._policies = policies
            self._usage = {logical_id: Usage() for logical_id in policies}
            self._api_function = api_functions[0] if len(api_functions) == 1 else None

    @property
    def api_function(self) -> str | None:
        """The function the local runner's HTTP requests run as (the template's one API function)."""
        return self._api_function

    def policy_of(self, logical_id: str) -> FunctionPolicy | None:
        """A function's resolved policy."""
        return self._policies.get(logical_id)

    def clear_usage(self) -> None:
        """Forget what was used so far (the granted side stays)."""
        with self._lock:
            self._usage = {logical_id: Usage() for logical_id in self._policies}

    # ------------------------------------------------------------------ the seam

    def before(self, call: Call) -> WsgiResponse | None:
        """AccessDenied for a call the caller's policy does not allow; None lets it through."""
        if call.internal:
            return None
        function = self._caller(call)
        if function is None:
            return None
        where = Where(self._where.account_id, self._where.region, function.websocket)
        needs = needs_of(call, where)
        usage = self._usage.get(function.logical_id)
        if usage is None:
            return None
        if needs is None:
            asked = f"{call.signing_name or call.service}:{call.operation or '?'}"
            with self._lock:
                first = asked not in usage.unmapped
                usage.unmapped[asked] += 1
            if first:
                logger.warning(
                    "localcloud iam: %s called %s, which has no IAM mapping locally: let through unchecked",
                    function.logical_id,
                    asked,
                )
            return None
        grants: list[int] = []
        for action, resource in needs:
            decision = function.policy.decide(action, resource)
            if not decision.allowed:
                with self._lock:
                    usage.denied[(action, resource)] += 1
                logger.warning("localcloud iam: %s denied %s on %s", function.logical_id, action, resource)
                if not self.enforce:
                    continue
                return denial(call, function.principal, action, resource, explicit=decision.explicit_deny)
            grants.extend(decision.grants)
        with self._lock:
            for need in needs:
                if need not in usage.denied or self.enforce:
                    usage.allowed[need] += 1
            usage.grants.update(set(grants))
        return None

    def after(self, call: Call, response: WsgiResponse) -> None:
        """Nothing to do once answered."""
        del call, response

    def _caller(self, call: Call) -> FunctionPolicy | None:
        caller: LocalFunction | None = call.caller
        if caller is not None:
            return self._policies.get(caller.logical_id)
        if _ACTING_AS_API.get() and self._api_function is not None:
            return self._policies.get(self._api_function)
        return None

    # ------------------------------------------------------------------ the report

    def report(self) -> dict[str, Any]:
        """Per function: what is granted (and how often each grant was used), used, denied, unmapped."""
        functions: dict[str, Any] = {}
        with self._lock:
            for logical_id, function in sorted(self._policies.items()):
                usage = self._usage[logical_id]
                granted = []
                for number, statement in enumerate(function.statements):
                    if statement.get("Effect") != "Allow":
                        continue
                    granted.append(
                        {
                            "actions": list(_strings(statement.get("Action") or statement.get("NotAction"))),
                            "resources": list(
                                _strings(statement.get("Resource") or statement.get("NotResource"))
                            ),
                            "used": usage.grants[number],
                        }
                    )
                functions[logical_id] = {
                    "principal": function.principal,
                    "granted": granted,
                    "unused": [grant for grant in granted if not grant["used"]],
                    "used": _rows(usage.allowed),
                    "denied": _rows(usage.denied),
                    "unmapped": [{"call": name, "count": n} for name, n in sorted(usage.unmapped.items())],
                    "gaps": list(function.gaps),
                }
        return {"enforced": self.enforce, "functions": functions}


def _rows(counter: Counter[Need]) -> list[dict[str, Any]]:
    return [{"action": a, "resource": r, "count": n} for (a, r), n in sorted(counter.items())]


def _management_api(function: LocalFunction | None) -> tuple[str, str] | None:
    """(api id, stage) of the function's declared WebSocket management URL, when it has one."""
    if function is None:
        return None
    for value in function.environment.values():
        found = re.match(r"^https://([^.]+)\.execute-api\.[^/]+/([^/]+)/?$", str(value))
        if found:
            return found.group(1), found.group(2)
    return None


class ActAsApi:
    """ASGI middleware: the AWS calls an HTTP request makes run as the template's API function."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request with the API function as the caller of its AWS calls."""
        if scope["type"] != "http" or str(scope.get("path", "")).startswith("/_local"):
            await self.app(scope, receive, send)
            return
        token = _ACTING_AS_API.set(True)
        try:
            await self.app(scope, receive, send)
        finally:
            _ACTING_AS_API.reset(token)


# ---------------------------------------------------------------------- the command


def render(report: Mapping[str, Any]) -> str:
    """The report as a table per function."""
    lines: list[str] = []
    for logical_id, entry in report["functions"].items():
        lines.append(f"{logical_id}")
        for grant in entry["granted"]:
            mark = f"used {grant['used']}x" if grant["used"] else "NEVER USED"
            actions, resources = ", ".join(grant["actions"]), ", ".join(grant["resources"])
            lines.append(f"  granted  {mark:<12} {actions}  on  {resources}")
        for row in entry["used"]:
            lines.append(f"  used     {row['count']:>4}x       {row['action']}  on  {row['resource']}")
        for row in entry["denied"]:
            lines.append(f"  DENIED   {row['count']:>4}x       {row['action']}  on  {row['resource']}")
        for row in entry["unmapped"]:
            lines.append(f"  UNMAPPED {row['count']:>4}x       {row['call']}")
        for gap in entry["gaps"]:
            lines.append(f"  GAP      {gap}")
        lines.append("")
    return "\n".join(lines)


def static_report(template_path: Path) -> dict[str, Any]:
    """The granted side only: a throwaway cloud resolves the template's ARNs (nothing ran)."""
    from localcloud.cloud import EmbeddedCloud

    cloud = EmbeddedCloud(
        template_path=template_path,
        state_dir=None,
        run_pollers=False,
        account_id="999999999990",
    )
    cloud.start()
    try:
        return cloud.iam.report()
    finally:
        cloud.stop(save=False)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m localcloud.iam`: the running local server's report, else the template's grants."""
    parser = argparse.ArgumentParser(description="Each function's permissions: granted, used, denied.")
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the local runner (make run)")
    parser.add_argument("--template", type=Path, default=Path("template.yaml"))
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        with urllib.request.urlopen(f"{args.url.rstrip('/')}/_local/iam", timeout=5) as response:
            report = json.load(response)
        source = f"from the local runner at {args.url}"
    except OSError:
        report = static_report(args.template)
        source = f"no local runner at {args.url}: granted permissions of {args.template} only"
    if args.json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        sys.stdout.write(f"# {source}\n\n{render(report)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
