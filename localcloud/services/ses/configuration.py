"""SES: configuration sets and sending identities (verified at once locally)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from localcloud.context import ProvisionContext, Provisioned
from localcloud.services.properties import error_code, pick
from localcloud.template import ResourceSpec


def provision_configuration_set(
    ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]
) -> Provisioned:
    """A configuration set (SES v2)."""
    ses = ctx.clients.sesv2()
    name = str(props.get("Name") or ctx.default_name(spec, max_length=64))
    try:
        ses.get_configuration_set(ConfigurationSetName=name)
        status = "exists"
    except ClientError as exc:
        if error_code(exc) not in ("NotFoundException", "ConfigurationSetDoesNotExist"):
            raise
        options = pick(
            props,
            "DeliveryOptions",
            "ReputationOptions",
            "SendingOptions",
            "SuppressionOptions",
            "TrackingOptions",
            "VdmOptions",
        )
        ses.create_configuration_set(ConfigurationSetName=name, **options)
        status = "created"
    return Provisioned(ref=name, status=status)


def provision_email_identity(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A sending identity, verified at once locally (so SES accepts mail from it)."""
    del spec
    ses = ctx.clients.sesv2()
    identity = str(props["EmailIdentity"])
    try:
        ses.get_email_identity(EmailIdentity=identity)
        status = "exists"
    except ClientError as exc:
        if error_code(exc) != "NotFoundException":
            raise
        configuration_set = (props.get("ConfigurationSetAttributes") or {}).get("ConfigurationSetName")
        extra = {"ConfigurationSetName": configuration_set} if configuration_set else {}
        ses.create_email_identity(EmailIdentity=identity, **extra)
        status = "created"
    return Provisioned(ref=identity, status=status, detail="verified locally")
