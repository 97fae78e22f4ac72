"""S3: buckets (versioning, CORS, public access block, notifications) and functions' S3 events.

A function's `S3` event adds a queue notification on the bucket towards a local queue, merged with
the template's own notifications; an `AsyncQueuePoller` invokes the function from there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from botocore.exceptions import ClientError

from localcloud.context import Core, Fed, ProvisionContext, Provisioned, ServiceState
from localcloud.functions import LocalFunction
from localcloud.services.awslambda import async_delivery, local_name
from localcloud.services.properties import error_code, pick, tags
from localcloud.template import ResourceSpec


class Notifications(ServiceState):
    """Each bucket's notifications: the template's own, and the local queues of functions' S3 events."""

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self.from_template: dict[str, dict[str, Any]] = {}
        self.for_functions: dict[str, dict[str, list[Any]]] = {}


def apply_bucket_notifications(ctx: ProvisionContext, bucket: str) -> None:
    """Put the template's notification configuration plus the local function wiring."""
    notifications = ctx.states.of(Notifications)
    own = notifications.from_template.get(bucket, {})
    local = notifications.for_functions.get(bucket, {})
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
    """`{"Filter": ...}` for a notification entry from the template's `S3Key` rules ({} without)."""
    rules = ((filter_spec or {}).get("S3Key") or {}).get("Rules") or []
    if not rules:
        return {}
    return {"Filter": {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}}}


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


def provision_bucket(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A bucket with versioning, CORS, public access block and queue/topic notifications."""
    s3 = ctx.clients.s3()
    name = str(props.get("BucketName") or ctx.default_name(spec, max_length=63, lower=True))
    try:
        s3.head_bucket(Bucket=name)
        status = "exists"
    except ClientError as exc:
        if error_code(exc) not in ("404", "NoSuchBucket", "NotFound"):
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
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tags(props)})  # type: ignore[typeddict-item]
    ctx.states.of(Notifications).from_template[name] = _template_notifications(props)
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
    shaped = pick(rule, "AllowedHeaders", "AllowedMethods", "AllowedOrigins", "ID")
    if "Id" in rule:
        shaped["ID"] = rule["Id"]
    if "ExposedHeaders" in rule:
        shaped["ExposeHeaders"] = rule["ExposedHeaders"]
    if "MaxAge" in rule:
        shaped["MaxAgeSeconds"] = int(rule["MaxAge"])
    return shaped


def provision_bucket_policy(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A bucket policy (stored; moto does not enforce it)."""
    ctx.clients.s3().put_bucket_policy(
        Bucket=str(props["Bucket"]), Policy=json.dumps(props["PolicyDocument"])
    )
    return Provisioned(ref=spec.logical_id, status="updated", detail="stored, not enforced")


def s3_event(message: Mapping[str, Any]) -> Any:
    """The S3 notification carried by a bucket's local queue (None for s3:TestEvent)."""
    event = json.loads(message["Body"])
    if event.get("Event") == "s3:TestEvent" or "Records" not in event:
        return None
    for record in event["Records"]:
        s3_object = record.get("s3", {}).get("object", {})
        if "key" in s3_object:
            # moto encodes '/' too; S3 leaves it (and encodes the rest form-style).
            s3_object["key"] = quote_plus(unquote_plus(s3_object["key"]), safe="/")
    return event


def feed_from_bucket(
    ctx: ProvisionContext, function: LocalFunction, event_name: str, props: Mapping[str, Any]
) -> Fed:
    """`Events: Type: S3`: a bucket notification -> a local queue -> async invocations."""
    bucket = str(props["Bucket"])
    arn, poller = async_delivery(
        ctx, function, event_name, unwrap=s3_event, fed_by="s3", dead_letter=function.async_on_failure
    )
    kinds = props.get("Events") or ["s3:ObjectCreated:*"]
    entry: dict[str, Any] = {
        "Id": local_name(function, event_name, 255),
        "QueueArn": arn,
        "Events": [kinds] if isinstance(kinds, str) else list(kinds),
        **_s3_filter(props.get("Filter")),
    }
    local = ctx.states.of(Notifications).for_functions.setdefault(bucket, {})
    queues = [q for q in local.get("QueueConfigurations", []) if q["Id"] != entry["Id"]]
    local["QueueConfigurations"] = [*queues, entry]
    apply_bucket_notifications(ctx, bucket)
    return Fed(
        f"bucket {bucket} notification -> local queue -> async invoke ({poller.max_attempts} attempts)",
        [poller],
    )
