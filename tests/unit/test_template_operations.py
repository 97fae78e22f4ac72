"""The template's operations: logs with a retention, alarms that reach someone, the dashboard, waivers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from localcloud.template import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]


def _of_type(kind: str) -> dict[str, Any]:
    return {logical_id: r for logical_id, r in RESOURCES.items() if r["Type"] == kind}


FUNCTIONS = _of_type("AWS::Serverless::Function")
ALARMS = _of_type("AWS::CloudWatch::Alarm")


def _walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _referenced_queue(arn: Any) -> str:
    """The logical id of a queue named by `!GetAtt Queue.Arn`."""
    assert isinstance(arn, dict) and "Fn::GetAtt" in arn, arn
    return str(arn["Fn::GetAtt"][0])


def _dead_letter_queues() -> set[str]:
    """Every queue something parks failures in: redrive targets, on-failure destinations, and the
    dead-letter queues functions hand to what they create (a schedule's target)."""
    found: set[str] = set()
    for resource in RESOURCES.values():
        variables = resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
        found.update(_referenced_queue(v) for k, v in variables.items() if k.endswith("_DLQ_ARN"))
        for node in _walk(resource.get("Properties", {})):
            if not isinstance(node, dict):
                continue
            if "deadLetterTargetArn" in node:
                found.add(_referenced_queue(node["deadLetterTargetArn"]))
            if node.get("Type") == "SQS" and "Destination" in node:
                found.add(_referenced_queue(node["Destination"]))
            if isinstance(node.get("DeadLetterConfig"), dict) and "Arn" in node["DeadLetterConfig"]:
                found.add(_referenced_queue(node["DeadLetterConfig"]["Arn"]))
    return found


def _alarm_metrics(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """(namespace, metric, dimension value) of a plain or a metric-math alarm."""
    props = alarm["Properties"]
    if "Metrics" not in props:
        value = props.get("Dimensions", [{}])[0].get("Value")
        return [{"Namespace": props["Namespace"], "MetricName": props["MetricName"], "Value": value}]
    metrics = []
    for query in props["Metrics"]:
        if "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            value = metric["Dimensions"][0]["Value"]
            metrics.append(
                {"Namespace": metric["Namespace"], "MetricName": metric["MetricName"], "Value": value}
            )
    return metrics


def test_every_function_logs_to_its_own_encrypted_group_with_a_retention() -> None:
    groups = _of_type("AWS::Logs::LogGroup")
    targets = [f["Properties"]["LoggingConfig"]["LogGroup"]["Ref"] for f in FUNCTIONS.values()]

    assert len(set(targets)) == len(FUNCTIONS) and set(targets) <= set(groups)
    for logical_id, group in groups.items():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, logical_id
        assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["MonitoringKey", "Arn"]}, logical_id
        assert "/herald/${Stage}/" in group["Properties"]["LogGroupName"]["Fn::Sub"], logical_id
    assert TEMPLATE["Globals"]["Function"]["LoggingConfig"]["LogFormat"] == "JSON"


def test_one_alarm_watches_every_dead_letter_queue() -> None:
    dead_letter_queues = _dead_letter_queues()
    watched = {
        _referenced_queue({"Fn::GetAtt": m["Value"]["Fn::GetAtt"]})
        for m in _alarm_metrics(ALARMS["DeadLetterQueuesAlarm"])
    }
    per_queue_alarms = [
        i
        for i, a in ALARMS.items()
        if i != "DeadLetterQueuesAlarm" and a["Properties"].get("Namespace") == "AWS/SQS"
    ]

    assert (
        len(dead_letter_queues) == 11
    )  # the confirmation email, export and webhook workers and the schedule too
    assert watched == dead_letter_queues
    assert per_queue_alarms == []
    for queue in dead_letter_queues:
        assert RESOURCES[queue]["Properties"]["QueueName"]["Fn::Sub"].endswith("-dlq"), queue


def test_every_functions_errors_raise_an_alarm() -> None:
    watched = [
        m["Value"]["Ref"]
        for alarm in ALARMS.values()
        for m in _alarm_metrics(alarm)
        if (m["Namespace"], m["MetricName"]) == ("AWS/Lambda", "Errors")
    ]

    assert sorted(watched) == sorted(FUNCTIONS)


def test_a_single_failure_of_the_post_confirmation_trigger_raises_an_alarm() -> None:
    # Cognito never retries the trigger, so one failure is one person without a profile
    watching = [
        alarm["Properties"]
        for alarm in ALARMS.values()
        if {"Ref": "OnUserConfirmedFunction"} in [m["Value"] for m in _alarm_metrics(alarm)]
    ]

    assert len(watching) == 1
    assert (watching[0]["Threshold"], watching[0]["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    assert watching[0]["Period"] == 300 and watching[0]["EvaluationPeriods"] == 1


def test_step_functions_failures_and_ses_reputation_raise_alarms() -> None:
    delivery = {m["MetricName"] for m in _alarm_metrics(ALARMS["DeliveryExecutionsAlarm"])}
    bounce = ALARMS["SesBounceRateAlarm"]["Properties"]
    complaint = ALARMS["SesComplaintRateAlarm"]["Properties"]

    assert delivery == {"ExecutionsFailed", "ExecutionsTimedOut"}
    assert (bounce["MetricName"], bounce["Threshold"]) == ("Reputation.BounceRate", 0.04)
    assert (complaint["MetricName"], complaint["Threshold"]) == ("Reputation.ComplaintRate", 0.0008)
    assert bounce["ComparisonOperator"] == complaint["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_every_alarm_notifies_the_alarm_topic_whose_key_cloudwatch_may_use() -> None:
    key_policy = RESOURCES["MonitoringKey"]["Properties"]["KeyPolicy"]["Statement"]
    publishers = next(s for s in key_policy if s["Sid"] == "AlarmsAndSesPublishToEncryptedTopics")

    for logical_id, alarm in ALARMS.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}], logical_id
    for topic in ("AlarmTopic", "DeliveryEventsTopic"):
        assert RESOURCES[topic]["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": ["MonitoringKey", "Arn"]}
    assert set(publishers["Principal"]["Service"]) == {"cloudwatch.amazonaws.com", "ses.amazonaws.com"}
    assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(publishers["Action"])


def test_the_dashboard_is_json_and_shows_every_function_queue_and_the_deliveries() -> None:
    body = RESOURCES["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    names = set(re.findall(r"\$\{([^}]*)\}", body))
    widgets = json.loads(re.sub(r"\$\{[^}]*\}", "x", body))["widgets"]
    titles = {w["properties"]["title"] for w in widgets}

    assert set(FUNCTIONS) <= names
    assert {f"{q}.QueueName" for q in _dead_letter_queues()} <= names
    assert {"SendQueue.QueueName", "DeliveryEventsQueue.QueueName", "CampaignDeliveryStateMachine"} <= names
    assert {f"{a}.Arn" for a in ALARMS} <= names
    assert {
        "Function errors",
        "Function throttles",
        "Function duration p99 (ms)",
        "Dead-letter queues",
    } <= titles
    assert {
        "SES reputation (account)",
        "Campaign deliveries (Step Functions)",
        "API requests and errors",
    } <= titles


def test_a_saved_query_follows_a_correlation_id_through_every_log_group() -> None:
    query = RESOURCES["CorrelationTrailQuery"]["Properties"]
    groups = {g["Ref"] for g in query["LogGroupNames"]}

    assert groups == set(_of_type("AWS::Logs::LogGroup")) - {"WebSocketAccessLogs"}
    assert 'filter @message like "PASTE-THE-CORRELATION-ID"' in query["QueryString"]


def test_every_checkov_waiver_gives_its_reason() -> None:
    for logical_id, resource in RESOURCES.items():
        skips = (resource.get("Metadata") or {}).get("checkov", {}).get("skip", [])
        ids = [skip["id"] for skip in skips]
        assert len(ids) == len(set(ids)), logical_id
        for skip in skips:
            assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), (logical_id, skip)
            assert len(skip.get("comment", "")) >= 20, (logical_id, skip)


def test_mail_links_and_the_upload_cors_origin_follow_the_sites_url() -> None:
    site_url = {"Fn::GetAtt": ["AppUrlParameter", "Value"]}
    value = RESOURCES["AppUrlParameter"]["Properties"]["Value"]
    cors = RESOURCES["ImportsBucket"]["Properties"]["CorsConfiguration"]["CorsRules"][0]

    assert value["Fn::If"][0] == "HasAppUrl" and value["Fn::If"][2]["Fn::If"][0] == "HasCustomDomain"
    assert value["Fn::If"][2]["Fn::If"][2] == {"Fn::Sub": "https://${WebDistribution.DomainName}"}
    assert cors["AllowedOrigins"] == [site_url]
    for mailer in ("SendWelcomeEmailFunction", "SendCampaignBatchFunction"):
        assert FUNCTIONS[mailer]["Properties"]["Environment"]["Variables"]["APP_URL"] == site_url


def test_a_send_batch_gets_its_last_try_before_the_queue_gives_it_up() -> None:
    # Given the sender's last try and the send queue's redrive to its DLQ
    from app.delivery.send import LAST_RECEIVE

    receives = int(RESOURCES["SendQueue"]["Properties"]["RedrivePolicy"]["maxReceiveCount"])

    # Then a batch SES keeps throttling fails its recipients (to be resent) rather than park in the
    # DLQ, with deliveries to spare for a sender that dies on its last try
    assert 1 < LAST_RECEIVE < receives


def test_ses_publishes_only_the_events_feedback_acts_on() -> None:
    # Given the configuration sets' event destinations and the event types feedback acts on
    from app.delivery.feedback import ACTED_ON

    destinations = _of_type("AWS::SES::ConfigurationSetEventDestination")
    acted_on = {kind.lower() for kind in ACTED_ON}

    # Then each publishes what feedback reads and nothing else (no Send, no Reject), and only the
    # tracked set publishes opens and clicks
    subscribed = {
        logical_id: set(r["Properties"]["EventDestination"]["MatchingEventTypes"])
        for logical_id, r in destinations.items()
    }
    assert subscribed == {
        "DeliveryEventDestination": acted_on,
        "UntrackedDeliveryEventDestination": acted_on - {"open", "click"},
    }
