"""The explicit index of what the embedded cloud emulates, and where each part lives.

Like moto's backend index: names only, imported on first use, so nothing registers itself by
being imported and one table says what runs locally. Every resource type of the template has
exactly one entry, in `PROVISIONERS` or in `NOT_EMULATED` (tests/localcloud/test_index.py).
References are `module:attribute` under `localcloud.services`.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any, cast

from localcloud.context import Feeder, Provisioner, StackStep

PACKAGE = "localcloud.services"

PROVISIONERS: dict[str, str] = {
    "AWS::DynamoDB::Table": "dynamodb:provision_table",
    "AWS::Serverless::SimpleTable": "dynamodb:provision_table",
    "AWS::SQS::Queue": "sqs:provision_queue",
    "AWS::SQS::QueuePolicy": "sqs:provision_queue_policy",
    "AWS::SNS::Topic": "sns:provision_topic",
    "AWS::SNS::Subscription": "sns:provision_subscription",
    "AWS::Events::EventBus": "events:provision_event_bus",
    "AWS::S3::Bucket": "s3.buckets:provision_bucket",
    "AWS::S3::BucketPolicy": "s3.buckets:provision_bucket_policy",
    "AWS::Cognito::UserPool": "cognito.pools:provision_user_pool",
    "AWS::Cognito::UserPoolClient": "cognito.pools:provision_user_pool_client",
    "AWS::Cognito::UserPoolGroup": "cognito.pools:provision_user_pool_group",
    "AWS::SES::ConfigurationSet": "ses.configuration:provision_configuration_set",
    "AWS::SES::EmailIdentity": "ses.configuration:provision_email_identity",
    "AWS::SES::ConfigurationSetEventDestination": "ses.feedback:provision_event_destination",
    "AWS::SSM::Parameter": "ssm:provision_parameter",
    "AWS::Serverless::Function": "awslambda:provision_function",
    "AWS::Serverless::StateMachine": "stepfunctions:provision_state_machine",
    "AWS::StepFunctions::StateMachine": "stepfunctions:provision_state_machine",
    "AWS::ApiGatewayV2::Api": "apigateway.websocket:provision_api",
    "AWS::ApiGatewayV2::Integration": "apigateway.websocket:provision_integration",
    "AWS::ApiGatewayV2::Route": "apigateway.websocket:provision_route",
    "AWS::ApiGatewayV2::RouteResponse": "apigateway.websocket:provision_route_response",
    "AWS::ApiGatewayV2::Stage": "apigateway.websocket:provision_stage",
}

# Types that exist in AWS but are served differently (or not needed) locally: the reason.
NOT_EMULATED: dict[str, str] = {
    "AWS::Serverless::HttpApi": "uvicorn serves the API (app.main) on one origin with the SPA",
    "AWS::Serverless::Api": "uvicorn serves the API",
    "AWS::ApiGatewayV2::Deployment": "part of an API that uvicorn serves",
    "AWS::Logs::LogGroup": "logs go to the console (stdout) locally",
    "AWS::Logs::MetricFilter": "no CloudWatch Logs locally",
    "AWS::Logs::QueryDefinition": "no CloudWatch Logs locally",
    "AWS::ApiGateway::Account": "API Gateway's account logging settings: uvicorn serves the APIs locally",
    "AWS::KMS::Key": "no encryption at rest locally: the state lives in this process (and its snapshot)",
    "AWS::Serverless::LayerVersion": "functions import the layer's packages from this virtualenv",
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
    "AWS::Route53::RecordSet": "no DNS locally",
    "AWS::CertificateManager::Certificate": "no TLS locally",
    "AWS::XRay::Group": "no tracing locally",
}

# A function's `Events` entry, by `Type`: what feeds the function locally.
FEEDERS: dict[str, str] = {
    "DynamoDB": "dynamodb:feed_from_stream",
    "SQS": "sqs:feed_from_queue",
    "EventBridgeRule": "events:feed_from_rule",
    "S3": "s3.buckets:feed_from_bucket",
    "Cognito": "cognito.pools:feed_from_triggers",
    "HttpApi": "apigateway.http:serve_route",
    "Api": "awslambda:served_by_uvicorn",
}

# Run once every resource exists, in this order: what the stack needs beyond its resources.
STACK_STEPS: tuple[str, ...] = (
    "events:watch_every_bus",
    "ssm:ensure_declared_secrets",
    "scheduler:watch_schedules",
)

# The dispatcher's interceptors, in the order they see a request (each a ServiceState).
INTERCEPTORS: tuple[str, ...] = (
    "awslambda:LambdaApi",
    "cognito.keys:CognitoSigning",
    "cognito.triggers:CognitoTriggers",
    "ses.outbox:MailCapture",
    "s3.cors:BucketCors",
)


@cache
def load(reference: str) -> Any:
    """The attribute a `module:attribute` reference names (its module imported on first use)."""
    module_name, _, attribute = reference.partition(":")
    module = importlib.import_module(f"{PACKAGE}.{module_name}")
    return getattr(module, attribute)


def provisioner_for(resource_type: str) -> Provisioner | None:
    """The provisioner of `resource_type`, or None when it has none."""
    reference = PROVISIONERS.get(resource_type)
    return None if reference is None else cast(Provisioner, load(reference))


def feeder_for(event_type: str) -> Feeder | None:
    """What feeds a function's event of `event_type` locally, or None when nothing does."""
    reference = FEEDERS.get(event_type)
    return None if reference is None else cast(Feeder, load(reference))


def stack_steps() -> list[StackStep]:
    """The steps after provisioning, in order."""
    return [cast(StackStep, load(reference)) for reference in STACK_STEPS]


def interceptor_types() -> list[type[Any]]:
    """The interceptor classes, in the order they see a request."""
    return [cast(type[Any], load(reference)) for reference in INTERCEPTORS]
