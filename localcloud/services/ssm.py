"""SSM Parameter Store: template parameters, and the SecureStrings the template's metadata declares."""

from __future__ import annotations

import secrets
from typing import Any

from botocore.exceptions import ClientError

from localcloud.context import ProvisionContext, Provisioned, StackExtra
from localcloud.services.properties import error_code, pick
from localcloud.template import ResourceSpec


def provision_parameter(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A parameter (overwritten when its value or type differs)."""
    ssm = ctx.clients.ssm()
    name = str(props.get("Name") or ctx.default_name(spec, max_length=1011))
    kind, value = str(props.get("Type", "String")), props["Value"]
    if isinstance(value, list):
        value = ",".join(str(item) for item in value)
    try:
        current = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
        if current.get("Value") == str(value) and current.get("Type") == kind:
            return Provisioned(ref=name, attributes={"Type": kind, "Value": value}, status="exists")
        status = "updated"
    except ClientError as exc:
        if error_code(exc) != "ParameterNotFound":
            raise
        status = "created"
    extra = pick(props, "Description", "AllowedPattern", "Tier", "DataType")
    ssm.put_parameter(Name=name, Value=str(value), Type=kind, Overwrite=True, **extra)  # type: ignore[arg-type]
    return Provisioned(ref=name, attributes={"Type": kind, "Value": value}, status=status)


SECRETS_METADATA = "Herald::Secrets"


def ensure_declared_secrets(ctx: ProvisionContext) -> list[StackExtra]:
    """Create the SecureStrings the template's `Herald::Secrets` metadata declares, if missing.

    CloudFormation cannot create SecureStrings; `scripts/ensure_secrets.py` does it before a
    deploy with the same rule (a random hex value, never changed once it exists).
    """
    ssm = ctx.clients.ssm()
    done = []
    declared = (ctx.template.document.get("Metadata") or {}).get(SECRETS_METADATA) or []
    for entry in declared:
        name = str(entry["Name"]).format_map(ctx.template.parameters)
        try:
            ssm.put_parameter(
                Name=name,
                Description=str(entry.get("Description", "")),
                Value=secrets.token_hex(int(entry.get("Bytes", 32))),
                Type="SecureString",
                Overwrite=False,
            )
            status = "created"
        except ClientError as exc:
            if error_code(exc) != "ParameterAlreadyExists":
                raise
            status = "exists"
        done.append(
            StackExtra(
                name=name,
                kind=f"Metadata {SECRETS_METADATA} (SSM SecureString)",
                status=status,
                detail="random value, kept once created",
            )
        )
    return done
