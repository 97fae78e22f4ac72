"""SNS: topics and their SQS subscriptions (moto delivers them; other protocols cannot be reached)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from localcloud.context import NotEmulated, ProvisionContext, Provisioned
from localcloud.services.properties import attribute_text, error_code
from localcloud.template import ResourceSpec

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


def provision_topic(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A topic (create_topic is idempotent), with its inline SQS subscriptions."""
    sns = ctx.clients.sns()
    name = str(props.get("TopicName") or ctx.default_name(spec, max_length=256))
    if props.get("FifoTopic") and not name.endswith(".fifo"):
        name += ".fifo"
    attributes = {key: attribute_text(props[key]) for key in _TOPIC_ATTRIBUTES if key in props}
    try:
        sns.get_topic_attributes(TopicArn=ctx.arn("sns", name))
        status = "exists"
    except ClientError as exc:
        if error_code(exc) != "NotFound":
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


def provision_subscription(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """An SQS subscription (moto delivers it); other protocols cannot be reached locally."""
    del spec
    protocol = str(props.get("Protocol"))
    if protocol != "sqs":
        raise NotEmulated(f"protocol {protocol}: nothing is delivered outside the process locally")
    attributes: dict[str, str] = {
        key: attribute_text(props[key])
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
