"""Provisioning a template: every resource by its provisioner from the index, in dependency order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from localcloud import index
from localcloud.context import NotEmulated, ProvisionContext
from localcloud.pollers import Poller
from localcloud.template import ResourceSpec, ResourceState


class ProvisioningError(Exception):
    """A resource the cloud can emulate could not be provisioned."""


@dataclass
class Stack:
    """What provisioning did: a row per resource (and per extra), and every poller to run."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    pollers: list[Poller] = field(default_factory=list)

    def add_pollers(self, pollers: list[Poller]) -> None:
        """Add pollers (one several resources share is kept once)."""
        self.pollers.extend(poller for poller in pollers if all(poller is not p for p in self.pollers))


def provision_stack(ctx: ProvisionContext) -> Stack:
    """Provision every enabled resource, then run the index's stack steps."""
    template = ctx.template
    stack = Stack()
    for spec in template.resources.values():
        if not template.is_enabled(spec):
            stack.rows.append(_row(spec, None, "skipped", f"condition {spec.condition} is false"))
    for spec in template.provisioning_order():
        template.record(_provision(ctx, spec, stack))
    for step in index.stack_steps():
        for extra in step(ctx):
            stack.rows.append(
                {
                    "logical_id": extra.name,
                    "type": extra.kind,
                    "physical_id": extra.name,
                    "status": extra.status,
                    "detail": extra.detail,
                }
            )
            stack.add_pollers(extra.pollers)
    return stack


def _provision(ctx: ProvisionContext, spec: ResourceSpec, stack: Stack) -> ResourceState:
    provision = index.provisioner_for(spec.type)
    if provision is None:
        reason = index.NOT_EMULATED.get(spec.type, "no local provisioner for this type yet")
        stack.rows.append(_row(spec, None, "not emulated", reason))
        return ResourceState(spec.logical_id, spec.type, spec.logical_id, emulated=False)
    try:
        made = provision(ctx, spec, ctx.template.resolve(spec.properties))
    except NotEmulated as exc:
        stack.rows.append(_row(spec, None, "not emulated", str(exc)))
        return ResourceState(spec.logical_id, spec.type, spec.logical_id, emulated=False)
    except Exception as exc:
        raise ProvisioningError(f"cannot provision {spec.logical_id} ({spec.type}): {exc}") from exc
    stack.rows.append(_row(spec, made.ref, made.status, made.detail))
    stack.add_pollers(made.pollers)
    return ResourceState(spec.logical_id, spec.type, made.ref, dict(made.attributes))


def _row(spec: ResourceSpec, physical_id: Any, status: str, detail: str) -> dict[str, Any]:
    return {
        "logical_id": spec.logical_id,
        "type": spec.type,
        "physical_id": physical_id,
        "status": status,
        "detail": detail,
    }
