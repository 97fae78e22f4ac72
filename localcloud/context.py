"""What service modules work with: the cloud's shared core, per-service state, provisioning results.

A leaf: it imports no service module, so every service module can import it (and nothing here
imports them back). Each service keeps what it must remember in its own `ServiceState` subclass,
made once per cloud on first use (`States.of`); provisioners return what they made (`Provisioned`,
with any pollers) instead of adding it to a shared bag.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from localcloud.clients import Clients
    from localcloud.dispatch import Write
    from localcloud.functions import FunctionRegistry, Invoker, LocalFunction
    from localcloud.pollers import Activity, Checkpoints, Poller
    from localcloud.server import StateLock
    from localcloud.template import ResourceSpec, Template


@dataclass(frozen=True)
class Core:
    """The cloud's shared machinery: every service may use it; none of it is replaced after start."""

    clients: Clients
    invoker: Invoker
    activity: Activity
    checkpoints: Checkpoints
    state_lock: StateLock
    account_id: str
    region: str
    # Wakes the pollers a change made straight in moto's state (not through the dispatcher) feeds.
    wake: Callable[[Write], None]
    # Where the cloud keeps what must survive a restart (None: nothing is kept).
    state_dir: Path | None = None

    @property
    def functions(self) -> FunctionRegistry:
        """Every local function."""
        return self.invoker.registry


class ServiceState:
    """A service module's own state in one cloud (subclass it; `States.of` makes it on first use)."""

    def __init__(self, core: Core) -> None:
        self.core = core


S = TypeVar("S", bound=ServiceState)


class States:
    """One instance of each service's state per cloud, keyed by its class."""

    def __init__(self, core: Core) -> None:
        self._core = core
        self._states: dict[type[ServiceState], ServiceState] = {}

    def of(self, kind: type[S]) -> S:
        """The cloud's `kind` state (made now when no one asked for it before)."""
        state = self._states.get(kind)
        if state is None:
            state = self._states[kind] = kind(self._core)
        assert isinstance(state, kind)
        return state

    def find(self, kind: type[S]) -> S | None:
        """The cloud's `kind` state, or None when no one made it."""
        state = self._states.get(kind)
        return state if isinstance(state, kind) else None


@dataclass
class Provisioned:
    """What a provisioner made: the Ref value, the GetAtt attributes, what it did, and its pollers."""

    ref: Any
    attributes: dict[str, Any] = field(default_factory=dict)
    status: str = "created"
    detail: str = ""
    pollers: list[Poller] = field(default_factory=list)


class NotEmulated(Exception):
    """Raised by a provisioner for a configuration that cannot run locally (the reason)."""


@dataclass(frozen=True)
class ProvisionContext:
    """What provisioners work with: the template, the core, and every service's state."""

    template: Template
    core: Core
    states: States

    @property
    def clients(self) -> Clients:
        """boto3 clients for this cloud."""
        return self.core.clients

    @property
    def account_id(self) -> str:
        """The account resources live in."""
        return self.template.account_id

    @property
    def region(self) -> str:
        """The region resources live in."""
        return self.template.region

    def default_name(self, spec: ResourceSpec, *, max_length: int = 128, lower: bool = False) -> str:
        """CloudFormation's generated name, without the random suffix: `<stack>-<logical id>`."""
        name = f"{self.template.stack_name}-{spec.logical_id}"
        if lower:
            name = re.sub(r"[^a-z0-9.-]", "-", name.lower())
        return name[:max_length]

    def arn(self, service: str, resource: str, *, region: bool = True) -> str:
        """An ARN in this cloud's account."""
        where = self.region if region else ""
        return f"arn:aws:{service}:{where}:{self.account_id}:{resource}"


Provisioner = Callable[[ProvisionContext, "ResourceSpec", dict[str, Any]], Provisioned]


@dataclass
class StackExtra:
    """Something the stack gets that is no template resource (declared secrets, the console's rules)."""

    name: str
    kind: str
    status: str
    detail: str = ""
    pollers: list[Poller] = field(default_factory=list)


StackStep = Callable[[ProvisionContext], list[StackExtra]]


@dataclass
class Fed:
    """How a function's event source is fed locally, and the pollers that do it."""

    how: str
    pollers: list[Poller] = field(default_factory=list)


Feeder = Callable[[ProvisionContext, "LocalFunction", str, Mapping[str, Any]], Fed]
