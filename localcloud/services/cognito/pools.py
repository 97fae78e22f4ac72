"""Cognito: user pools, app clients and groups, and the functions a pool's triggers run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from localcloud.context import Fed, ProvisionContext, Provisioned
from localcloud.functions import LocalFunction
from localcloud.services.cognito.keys import CognitoSigning
from localcloud.services.cognito.triggers import CognitoTriggers
from localcloud.services.properties import error_code, pick
from localcloud.template import ResourceSpec

_POOL_SETTINGS = (
    "AccountRecoverySetting",
    "AdminCreateUserConfig",
    "AliasAttributes",
    "AutoVerifiedAttributes",
    "DeletionProtection",
    "DeviceConfiguration",
    "EmailConfiguration",
    "EmailVerificationMessage",
    "EmailVerificationSubject",
    "LambdaConfig",
    "MfaConfiguration",
    "Policies",
    "Schema",
    "SmsAuthenticationMessage",
    "SmsConfiguration",
    "SmsVerificationMessage",
    "UserAttributeUpdateSettings",
    "UsernameAttributes",
    "UsernameConfiguration",
    "UserPoolAddOns",
    "UserPoolTier",
    "VerificationMessageTemplate",
)


def provision_user_pool(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A user pool (an existing one is left as it is: moto's update resets unset settings)."""
    cognito = ctx.clients.cognito()
    name = str(props.get("UserPoolName") or ctx.default_name(spec))
    pool_id = None
    for page in cognito.get_paginator("list_user_pools").paginate(PaginationConfig={"PageSize": 60}):
        for pool in page.get("UserPools", []):
            if pool.get("Name") == name:
                pool_id = pool["Id"]
    status = "exists"
    if pool_id is None:
        request = pick(props, *_POOL_SETTINGS)
        if props.get("UserPoolTags"):
            request["UserPoolTags"] = dict(props["UserPoolTags"])
        pool_id = cognito.create_user_pool(PoolName=name, **request)["UserPool"]["Id"]
        status = "created"
    # Also after a restart: a restored pool does not keep the key (snapshots leave it behind).
    ctx.states.of(CognitoSigning).assign(pool_id)
    provider = f"cognito-idp.{ctx.region}.amazonaws.com/{pool_id}"
    attributes = {
        "Arn": ctx.arn("cognito-idp", f"userpool/{pool_id}"),
        "ProviderName": provider,
        "ProviderURL": f"https://{provider}",
        "UserPoolId": pool_id,
    }
    return Provisioned(ref=pool_id, attributes=attributes, status=status)


_CLIENT_SETTINGS = (
    "AccessTokenValidity",
    "AllowedOAuthFlows",
    "AllowedOAuthFlowsUserPoolClient",
    "AllowedOAuthScopes",
    "AnalyticsConfiguration",
    "AuthSessionValidity",
    "CallbackURLs",
    "DefaultRedirectURI",
    "EnablePropagateAdditionalUserContextData",
    "EnableTokenRevocation",
    "ExplicitAuthFlows",
    "IdTokenValidity",
    "LogoutURLs",
    "PreventUserExistenceErrors",
    "ReadAttributes",
    "RefreshTokenValidity",
    "SupportedIdentityProviders",
    "TokenValidityUnits",
    "WriteAttributes",
)


def provision_user_pool_client(
    ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]
) -> Provisioned:
    """An app client (settings updated in place when it exists)."""
    cognito = ctx.clients.cognito()
    pool_id = str(props["UserPoolId"])
    name = str(props.get("ClientName") or spec.logical_id)
    settings = pick(props, *_CLIENT_SETTINGS)
    existing = next(
        (
            client
            for page in cognito.get_paginator("list_user_pool_clients").paginate(
                UserPoolId=pool_id, PaginationConfig={"PageSize": 60}
            )
            for client in page.get("UserPoolClients", [])
            if client.get("ClientName") == name
        ),
        None,
    )
    if existing is None:
        created = cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=name,
            GenerateSecret=bool(props.get("GenerateSecret", False)),
            **settings,
        )["UserPoolClient"]
        client, status = created, "created"
    else:
        client = cognito.update_user_pool_client(
            UserPoolId=pool_id, ClientId=existing["ClientId"], ClientName=name, **settings
        )["UserPoolClient"]
        status = "exists"
    attributes = {"ClientId": client["ClientId"], "Name": name}
    if client.get("ClientSecret"):
        attributes["ClientSecret"] = client["ClientSecret"]
    return Provisioned(ref=client["ClientId"], attributes=attributes, status=status)


def provision_user_pool_group(
    ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]
) -> Provisioned:
    """A group in a user pool."""
    cognito = ctx.clients.cognito()
    pool_id, name = str(props["UserPoolId"]), str(props.get("GroupName") or spec.logical_id)
    settings = pick(props, "Description", "Precedence", "RoleArn")
    try:
        cognito.get_group(GroupName=name, UserPoolId=pool_id)
        cognito.update_group(GroupName=name, UserPoolId=pool_id, **settings)
        status = "exists"
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        cognito.create_group(GroupName=name, UserPoolId=pool_id, **settings)
        status = "created"
    return Provisioned(ref=name, status=status)


def feed_from_triggers(
    ctx: ProvisionContext, function: LocalFunction, event_name: str, props: Mapping[str, Any]
) -> Fed:
    """`Events: Type: Cognito`: the dispatcher fires the triggers it knows around moto's answer."""
    del event_name
    pool_id = str(props["UserPool"])
    triggers = props.get("Trigger")
    names = [triggers] if isinstance(triggers, str) else list(triggers or [])
    registry = ctx.states.of(CognitoTriggers)
    fired = [name for name in names if registry.register(pool_id, name, function)]
    skipped = [name for name in names if name not in fired]
    how = f"fired by the dispatcher as {', '.join(fired)}" if fired else ""
    if skipped:
        how += ("; " if how else "") + f"not emulated locally: {', '.join(skipped)}"
    return Fed(how)
