"""Provisioners: one function per resource type, each 'create if missing, update if different'."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from localcloud.clients import Clients
from localcloud.template import ResourceSpec, Template

if TYPE_CHECKING:
    from localcloud.wiring import Runtime


@dataclass
class Provisioned:
    """What a provisioner made: the Ref value, the GetAtt attributes, and what it did."""

    ref: Any
    attributes: dict[str, Any] = field(default_factory=dict)
    status: str = "created"
    detail: str = ""


class NotEmulated(Exception):
    """Raised by a provisioner for a configuration that cannot run locally (the reason)."""


@dataclass
class ProvisionContext:
    """What provisioners work with."""

    clients: Clients
    template: Template
    runtime: Runtime

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


Provisioner = Callable[[ProvisionContext, ResourceSpec, dict[str, Any]], Provisioned]

PROVISIONERS: dict[str, Provisioner] = {}

# Types that exist in AWS but are served differently (or not needed) locally.
NOT_EMULATED: dict[str, str] = {
    "AWS::Serverless::HttpApi": "uvicorn serves the API (app.main) on one origin with the SPA",
    "AWS::Serverless::Api": "uvicorn serves the API",
    "AWS::ApiGatewayV2::Api": "uvicorn serves the HTTP and WebSocket APIs on its own port",
    "AWS::ApiGatewayV2::Integration": "part of an API that uvicorn serves",
    "AWS::ApiGatewayV2::Route": "part of an API that uvicorn serves",
    "AWS::ApiGatewayV2::RouteResponse": "part of an API that uvicorn serves",
    "AWS::ApiGatewayV2::Deployment": "part of an API that uvicorn serves",
    "AWS::ApiGatewayV2::Stage": "part of an API that uvicorn serves",
    "AWS::Logs::LogGroup": "logs go to the console (stdout) locally",
    "AWS::Logs::MetricFilter": "no CloudWatch Logs locally",
    "AWS::CloudWatch::Alarm": "no metrics locally; the dev console shows DLQ depths instead",
    "AWS::CloudWatch::Dashboard": "no metrics locally",
    "AWS::IAM::Role": "no IAM enforcement locally (moto accepts every call)",
    "AWS::IAM::Policy": "no IAM enforcement locally (moto accepts every call)",
    "AWS::IAM::ManagedPolicy": "no IAM enforcement locally (moto accepts every call)",
    "AWS::Lambda::Permission": "no resource policies locally: local functions are called in-process",
    "AWS::Lambda::EventInvokeConfig": "read from the function's EventInvokeConfig instead",
    "AWS::CloudFront::Distribution": "uvicorn serves the SPA and /api on one origin",
    "AWS::CloudFront::OriginAccessControl": "uvicorn serves the SPA and /api on one origin",
    "AWS::CloudFront::Function": "uvicorn's SPA fallback serves index.html for client-side routes",
    "AWS::CloudFront::ResponseHeadersPolicy": "no CDN locally; the security headers are CloudFront's",
    "AWS::Route53::RecordSetGroup": "no DNS locally",
    "AWS::CertificateManager::Certificate": "no TLS locally",
    "AWS::Route53::RecordSet": "no DNS locally",
    "AWS::XRay::Group": "no tracing locally",
}


def provisioner(*resource_types: str) -> Callable[[Provisioner], Provisioner]:
    """Register the decorated function as the provisioner of `resource_types`."""

    def register(function: Provisioner) -> Provisioner:
        for resource_type in resource_types:
            PROVISIONERS[resource_type] = function
        return function

    return register


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _pick(properties: Mapping[str, Any], *names: str) -> dict[str, Any]:
    return {name: properties[name] for name in names if name in properties}


def _tags(properties: Mapping[str, Any], key: str = "Tags") -> list[dict[str, str]]:
    tags = properties.get(key) or []
    if isinstance(tags, Mapping):
        return [{"Key": str(k), "Value": str(v)} for k, v in tags.items()]
    return [{"Key": str(t["Key"]), "Value": str(t["Value"])} for t in tags]


def _text(value: Any) -> str:
    """An attribute value as SQS/SNS want it ('true', '30', JSON for objects)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (Mapping, list)):
        return json.dumps(value)
    return str(value)


# ---------------------------------------------------------------------- DynamoDB


def _table_request(name: str, properties: Mapping[str, Any]) -> dict[str, Any]:
    request: dict[str, Any] = {"TableName": name}
    request.update(_pick(properties, "AttributeDefinitions", "KeySchema", "LocalSecondaryIndexes"))
    billing = properties.get("BillingMode", "PROVISIONED")
    request["BillingMode"] = billing
    if billing == "PROVISIONED":
        request["ProvisionedThroughput"] = properties.get(
            "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    if properties.get("GlobalSecondaryIndexes"):
        request["GlobalSecondaryIndexes"] = [
            _gsi(index, billing) for index in properties["GlobalSecondaryIndexes"]
        ]
    stream = properties.get("StreamSpecification")
    if stream:
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": stream["StreamViewType"],
        }
    sse = properties.get("SSESpecification")
    if sse and sse.get("SSEEnabled"):
        request["SSESpecification"] = {"Enabled": True, **_pick(sse, "SSEType")}
    if properties.get("Tags"):
        request["Tags"] = _tags(properties)
    return request


def _gsi(index: Mapping[str, Any], billing: str) -> dict[str, Any]:
    shaped = _pick(index, "IndexName", "KeySchema", "Projection")
    if billing == "PROVISIONED":
        shaped["ProvisionedThroughput"] = index.get(
            "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    return shaped


@provisioner("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable")
def provision_table(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A table with its indexes, stream and TTL."""
    if spec.type == "AWS::Serverless::SimpleTable":
        props = _simple_table(props)
    ddb = ctx.clients.dynamodb()
    name = str(props.get("TableName") or ctx.default_name(spec, max_length=255))
    request = _table_request(name, props)
    try:
        table = ddb.describe_table(TableName=name)["Table"]
        status = _reconcile_table(ctx, table, request)
    except ClientError as exc:
        if _error_code(exc) != "ResourceNotFoundException":
            raise
        ddb.create_table(**request)
        status = "created"
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        current = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        enabled = current.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
        if enabled != bool(ttl.get("Enabled")) or (
            enabled and current.get("AttributeName") != ttl.get("AttributeName")
        ):
            ddb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={
                    "Enabled": bool(ttl.get("Enabled")),
                    "AttributeName": str(ttl["AttributeName"]),
                },
            )
    table = ddb.describe_table(TableName=name)["Table"]
    attributes = {"Arn": table["TableArn"]}
    if table.get("LatestStreamArn"):
        attributes["StreamArn"] = table["LatestStreamArn"]
    return Provisioned(ref=name, attributes=attributes, status=status)


def _simple_table(props: Mapping[str, Any]) -> dict[str, Any]:
    key = props.get("PrimaryKey") or {"Name": "id", "Type": "String"}
    kind = {"String": "S", "Number": "N", "Binary": "B"}[str(key.get("Type", "String"))]
    shaped: dict[str, Any] = {
        "AttributeDefinitions": [{"AttributeName": key["Name"], "AttributeType": kind}],
        "KeySchema": [{"AttributeName": key["Name"], "KeyType": "HASH"}],
        "BillingMode": "PROVISIONED" if props.get("ProvisionedThroughput") else "PAY_PER_REQUEST",
    }
    shaped.update(_pick(props, "TableName", "ProvisionedThroughput", "SSESpecification", "Tags"))
    return shaped


def _reconcile_table(ctx: ProvisionContext, table: Mapping[str, Any], request: Mapping[str, Any]) -> str:
    ddb = ctx.clients.dynamodb()
    status = "exists"
    existing = {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}
    for index in request.get("GlobalSecondaryIndexes", []):
        if index["IndexName"] not in existing:
            ddb.update_table(
                TableName=request["TableName"],
                AttributeDefinitions=request["AttributeDefinitions"],
                GlobalSecondaryIndexUpdates=[{"Create": index}],
            )
            status = "updated"
    wanted = request.get("StreamSpecification")
    current = table.get("StreamSpecification") or {}
    if wanted and (
        not current.get("StreamEnabled") or current.get("StreamViewType") != wanted["StreamViewType"]
    ):
        ddb.update_table(TableName=request["TableName"], StreamSpecification=wanted)
        status = "updated"
    return status


# ---------------------------------------------------------------------- EventBridge


@provisioner("AWS::Events::EventBus")
def provision_event_bus(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A custom event bus."""
    del spec
    events = ctx.clients.events()
    name = str(props["Name"])
    try:
        bus = events.describe_event_bus(Name=name)
        status = "exists"
    except ClientError as exc:
        if _error_code(exc) != "ResourceNotFoundException":
            raise
        bus = events.create_event_bus(Name=name, **_pick(props, "Description"))  # type: ignore[assignment]
        status = "created"
    arn = str(bus.get("Arn") or bus.get("EventBusArn") or ctx.arn("events", f"event-bus/{name}"))
    return Provisioned(ref=name, attributes={"Arn": arn, "Name": name}, status=status)


# ---------------------------------------------------------------------- SQS

_QUEUE_ATTRIBUTES = (
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "DelaySeconds",
    "FifoQueue",
    "FifoThroughputLimit",
    "KmsDataKeyReusePeriodSeconds",
    "KmsMasterKeyId",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "RedriveAllowPolicy",
    "RedrivePolicy",
    "SqsManagedSseEnabled",
    "VisibilityTimeout",
)


def ensure_queue(clients: Clients, name: str, attributes: Mapping[str, str]) -> tuple[str, str]:
    """Create the queue, or bring an existing one's attributes in line; (url, status)."""
    sqs = clients.sqs()
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except ClientError as exc:
        if _error_code(exc) not in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
            raise
        return sqs.create_queue(QueueName=name, Attributes=dict(attributes))["QueueUrl"], "created"  # type: ignore[arg-type]
    current = queue_attributes(clients, url)
    # FifoQueue cannot be set after creation; everything else can.
    changed = {
        key: value
        for key, value in attributes.items()
        if key != "FifoQueue" and _normalised(current.get(key)) != _normalised(value)
    }
    if changed:
        sqs.set_queue_attributes(QueueUrl=url, Attributes=changed)  # type: ignore[arg-type]
        return url, "updated"
    return url, "exists"


def queue_attributes(clients: Clients, url: str) -> dict[str, str]:
    """Every attribute of the queue at `url`, as plain strings."""
    response = clients.sqs().get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    return {str(key): str(value) for key, value in response.get("Attributes", {}).items()}


def _normalised(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value


def queue_arn(clients: Clients, url: str) -> str:
    """The ARN of the queue at `url`."""
    attributes = clients.sqs().get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])


@provisioner("AWS::SQS::Queue")
def provision_queue(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A queue with its attributes (RedrivePolicy included)."""
    fifo = bool(props.get("FifoQueue"))
    name = str(props.get("QueueName") or ctx.default_name(spec, max_length=75))
    if fifo and not name.endswith(".fifo"):
        name += ".fifo"
    attributes = {key: _text(props[key]) for key in _QUEUE_ATTRIBUTES if key in props}
    url, status = ensure_queue(ctx.clients, name, attributes)
    if props.get("Tags"):
        ctx.clients.sqs().tag_queue(QueueUrl=url, Tags={t["Key"]: t["Value"] for t in _tags(props)})
    arn = queue_arn(ctx.clients, url)
    return Provisioned(ref=url, attributes={"Arn": arn, "QueueName": name, "QueueUrl": url}, status=status)


@provisioner("AWS::SQS::QueuePolicy")
def provision_queue_policy(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A policy on each listed queue (stored; moto does not enforce it)."""
    policy = json.dumps(props["PolicyDocument"])
    for url in props.get("Queues", []):
        ctx.clients.sqs().set_queue_attributes(QueueUrl=str(url), Attributes={"Policy": policy})
    return Provisioned(ref=spec.logical_id, status="updated", detail="stored, not enforced")


# ---------------------------------------------------------------------- Cognito

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


@provisioner("AWS::Cognito::UserPool")
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
        request = _pick(props, *_POOL_SETTINGS)
        if props.get("UserPoolTags"):
            request["UserPoolTags"] = dict(props["UserPoolTags"])
        pool_id = cognito.create_user_pool(PoolName=name, **request)["UserPool"]["Id"]
        status = "created"
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


@provisioner("AWS::Cognito::UserPoolClient")
def provision_user_pool_client(
    ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]
) -> Provisioned:
    """An app client (settings updated in place when it exists)."""
    cognito = ctx.clients.cognito()
    pool_id = str(props["UserPoolId"])
    name = str(props.get("ClientName") or spec.logical_id)
    settings = _pick(props, *_CLIENT_SETTINGS)
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


@provisioner("AWS::Cognito::UserPoolGroup")
def provision_user_pool_group(
    ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]
) -> Provisioned:
    """A group in a user pool."""
    cognito = ctx.clients.cognito()
    pool_id, name = str(props["UserPoolId"]), str(props.get("GroupName") or spec.logical_id)
    settings = _pick(props, "Description", "Precedence", "RoleArn")
    try:
        cognito.get_group(GroupName=name, UserPoolId=pool_id)
        cognito.update_group(GroupName=name, UserPoolId=pool_id, **settings)
        status = "exists"
    except ClientError as exc:
        if _error_code(exc) != "ResourceNotFoundException":
            raise
        cognito.create_group(GroupName=name, UserPoolId=pool_id, **settings)
        status = "created"
    return Provisioned(ref=name, status=status)


# ---------------------------------------------------------------------- SES


@provisioner("AWS::SES::ConfigurationSet")
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
        if _error_code(exc) not in ("NotFoundException", "ConfigurationSetDoesNotExist"):
            raise
        options = _pick(
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


@provisioner("AWS::SES::EmailIdentity")
def provision_email_identity(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A sending identity, verified at once locally (so SES accepts mail from it)."""
    del spec
    ses = ctx.clients.sesv2()
    identity = str(props["EmailIdentity"])
    try:
        ses.get_email_identity(EmailIdentity=identity)
        status = "exists"
    except ClientError as exc:
        if _error_code(exc) != "NotFoundException":
            raise
        configuration_set = (props.get("ConfigurationSetAttributes") or {}).get("ConfigurationSetName")
        extra = {"ConfigurationSetName": configuration_set} if configuration_set else {}
        ses.create_email_identity(EmailIdentity=identity, **extra)
        status = "created"
    return Provisioned(ref=identity, status=status, detail="verified locally")


# ---------------------------------------------------------------------- SNS

_TOPIC_ATTRIBUTES = (
    "ArchivePolicy",
    "ContentBasedDeduplication",
    "DisplayName",
    "FifoThroughputScope",
    "FifoTopic",
    "KmsMasterKeyId",
    "SignatureVersion",
    "TracingConfig",
)


@provisioner("AWS::SNS::Topic")
def provision_topic(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A topic (create_topic is idempotent), with its inline SQS subscriptions."""
    sns = ctx.clients.sns()
    name = str(props.get("TopicName") or ctx.default_name(spec, max_length=256))
    if props.get("FifoTopic") and not name.endswith(".fifo"):
        name += ".fifo"
    attributes = {key: _text(props[key]) for key in _TOPIC_ATTRIBUTES if key in props}
    try:
        sns.get_topic_attributes(TopicArn=ctx.arn("sns", name))
        status = "exists"
    except ClientError as exc:
        if _error_code(exc) != "NotFound":
            raise
        status = "created"
    arn = sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
    skipped = []
    for subscription in props.get("Subscription") or []:
        if subscription.get("Protocol") == "sqs":
            sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=str(subscription["Endpoint"]))
        else:
            skipped.append(str(subscription.get("Protocol")))
    detail = f"subscriptions not emulated: {', '.join(skipped)}" if skipped else ""
    return Provisioned(ref=arn, attributes={"TopicArn": arn, "TopicName": name}, status=status, detail=detail)


@provisioner("AWS::SNS::Subscription")
def provision_subscription(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """An SQS subscription (moto delivers it); other protocols cannot be reached locally."""
    del spec
    protocol = str(props.get("Protocol"))
    if protocol != "sqs":
        raise NotEmulated(f"protocol {protocol}: nothing is delivered outside the process locally")
    attributes: dict[str, str] = {
        key: _text(props[key])
        for key in ("FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy")
        if key in props
    }
    arn = ctx.clients.sns().subscribe(
        TopicArn=str(props["TopicArn"]),
        Protocol="sqs",
        Endpoint=str(props["Endpoint"]),
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    return Provisioned(ref=arn, status="exists")


# ---------------------------------------------------------------------- S3


def apply_bucket_notifications(ctx: ProvisionContext, bucket: str) -> None:
    """Put the template's notification configuration plus the local function wiring."""
    own = ctx.runtime.template_notifications.get(bucket, {})
    local = ctx.runtime.local_notifications.get(bucket, {})
    merged: dict[str, Any] = {}
    for key in ("QueueConfigurations", "TopicConfigurations"):
        entries = [*own.get(key, []), *local.get(key, [])]
        if entries:
            merged[key] = entries
    if "EventBridgeConfiguration" in own:
        merged["EventBridgeConfiguration"] = {}
    ctx.clients.s3().put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration=merged,  # type: ignore[arg-type]
    )


def _s3_filter(filter_spec: Mapping[str, Any] | None) -> dict[str, Any]:
    rules = ((filter_spec or {}).get("S3Key") or {}).get("Rules") or []
    if not rules:
        return {}
    return {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}}


def _template_notifications(props: Mapping[str, Any]) -> dict[str, Any]:
    config = props.get("NotificationConfiguration") or {}
    shaped: dict[str, Any] = {}
    queues = [
        {"QueueArn": item["Queue"], "Events": [item["Event"]], **_s3_filter(item.get("Filter"))}
        for item in config.get("QueueConfigurations") or []
    ]
    topics = [
        {"TopicArn": item["Topic"], "Events": [item["Event"]], **_s3_filter(item.get("Filter"))}
        for item in config.get("TopicConfigurations") or []
    ]
    if queues:
        shaped["QueueConfigurations"] = queues
    if topics:
        shaped["TopicConfigurations"] = topics
    if (config.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled"):
        shaped["EventBridgeConfiguration"] = {}
    return shaped


@provisioner("AWS::S3::Bucket")
def provision_bucket(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A bucket with versioning, CORS, public access block and queue/topic notifications."""
    s3 = ctx.clients.s3()
    name = str(props.get("BucketName") or ctx.default_name(spec, max_length=63, lower=True))
    try:
        s3.head_bucket(Bucket=name)
        status = "exists"
    except ClientError as exc:
        if _error_code(exc) not in ("404", "NoSuchBucket", "NotFound"):
            raise
        s3.create_bucket(Bucket=name)
        status = "created"
    versioning = (props.get("VersioningConfiguration") or {}).get("Status")
    if versioning:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning})
    cors = (props.get("CorsConfiguration") or {}).get("CorsRules")
    if cors:
        rules = [_cors_rule(rule) for rule in cors]
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})  # type: ignore[typeddict-item]
    block = props.get("PublicAccessBlockConfiguration")
    if block:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)
    if props.get("Tags"):
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": _tags(props)})  # type: ignore[typeddict-item]
    ctx.runtime.template_notifications[name] = _template_notifications(props)
    apply_bucket_notifications(ctx, name)
    attributes = {
        "Arn": f"arn:aws:s3:::{name}",
        "DomainName": f"{name}.s3.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.{ctx.region}.amazonaws.com",
        "DualStackDomainName": f"{name}.s3.dualstack.{ctx.region}.amazonaws.com",
        "WebsiteURL": f"http://{name}.s3-website-{ctx.region}.amazonaws.com",
    }
    return Provisioned(ref=name, attributes=attributes, status=status)


def _cors_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    shaped = _pick(rule, "AllowedHeaders", "AllowedMethods", "AllowedOrigins", "ID")
    if "Id" in rule:
        shaped["ID"] = rule["Id"]
    if "ExposedHeaders" in rule:
        shaped["ExposeHeaders"] = rule["ExposedHeaders"]
    if "MaxAge" in rule:
        shaped["MaxAgeSeconds"] = int(rule["MaxAge"])
    return shaped


@provisioner("AWS::S3::BucketPolicy")
def provision_bucket_policy(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A bucket policy (stored; moto does not enforce it)."""
    ctx.clients.s3().put_bucket_policy(
        Bucket=str(props["Bucket"]), Policy=json.dumps(props["PolicyDocument"])
    )
    return Provisioned(ref=spec.logical_id, status="updated", detail="stored, not enforced")


# ---------------------------------------------------------------------- SSM


@provisioner("AWS::SSM::Parameter")
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
        if _error_code(exc) != "ParameterNotFound":
            raise
        status = "created"
    extra = _pick(props, "Description", "AllowedPattern", "Tier", "DataType")
    ssm.put_parameter(Name=name, Value=str(value), Type=kind, Overwrite=True, **extra)  # type: ignore[arg-type]
    return Provisioned(ref=name, attributes={"Type": kind, "Value": value}, status=status)


# ---------------------------------------------------------------------- declared secrets

SECRETS_METADATA = "Herald::Secrets"


def ensure_declared_secrets(ctx: ProvisionContext) -> list[tuple[str, str]]:
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
            done.append((name, "created"))
        except ClientError as exc:
            if _error_code(exc) != "ParameterAlreadyExists":
                raise
            done.append((name, "exists"))
    return done
