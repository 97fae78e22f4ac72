"""Template loading: short tags, intrinsic functions, conditions, Globals and ordering."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from localcloud.template import (
    NO_VALUE,
    ResourceState,
    Template,
    TemplateError,
    load_template,
)

ROOT = Path(__file__).resolve().parents[2]

SHORT_TAGS = """
Parameters:
  Stage: {Type: String, Default: dev, AllowedPattern: "[a-z]+"}
  Size: {Type: String, Default: small, AllowedValues: [small, large]}
  Zones: {Type: CommaDelimitedList, Default: "a,b"}
Mappings:
  Sizes:
    small: {Memory: 128}
    large: {Memory: 1024}
Conditions:
  IsLarge: !Equals [!Ref Size, large]
  IsSmall: !Not [!Condition IsLarge]
  Both: !And [!Condition IsSmall, !Or [!Equals [a, b], !Equals [c, c]]]
Globals:
  Function:
    Timeout: 9
    Environment:
      Variables:
        SHARED: !Ref Stage
        TABLE: !Ref Table
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "t-${Stage}"
  Queue:
    Type: AWS::SQS::Queue
    DependsOn: Topic
    Properties:
      QueueName: !Sub
        - "${Prefix}-${Table}-${Table.Arn}-${!Literal}-${AWS::Region}"
        - Prefix: !Select [1, !Split [",", "x,y,z"]]
      Tags: !If [IsLarge, [{Key: k, Value: v}], !Ref AWS::NoValue]
  Topic:
    Type: AWS::SNS::Topic
    Condition: IsLarge
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: m.h
      Timeout: 3
      Environment:
        Variables:
          OWN: !GetAtt [Queue, QueueName]
          DOTTED: !GetAtt Table.StreamArn
          JOINED: !Join ["/", [!Ref "AWS::AccountId", !FindInMap [Sizes, !Ref Size, Memory]]]
          ZONE: !Select [0, !GetAZs ""]
          ZONES: !Join [",", !Ref Zones]
"""


def _template(tmp_path: Path, text: str = SHORT_TAGS, **kwargs: Any) -> Template:
    path = tmp_path / "template.yaml"
    path.write_text(text)
    return Template.from_file(path, **kwargs)


def test_short_tags_load_as_long_form_intrinsics(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(SHORT_TAGS)

    document = load_template(path)

    env = document["Resources"]["Fn"]["Properties"]["Environment"]["Variables"]
    assert env["OWN"] == {"Fn::GetAtt": ["Queue", "QueueName"]}
    assert env["DOTTED"] == {"Fn::GetAtt": ["Table", "StreamArn"]}
    assert document["Conditions"]["IsSmall"] == {"Fn::Not": [{"Condition": "IsLarge"}]}
    assert document["Resources"]["Queue"]["Properties"]["QueueName"]["Fn::Sub"][1] == {
        "Prefix": {"Fn::Select": [1, {"Fn::Split": [",", "x,y,z"]}]}
    }


def test_parameters_default_stage_to_local_and_accept_overrides(tmp_path: Path) -> None:
    assert _template(tmp_path).parameters["Stage"] == "local"
    template = _template(tmp_path, parameters={"Stage": "qa", "Size": "large"})
    assert (template.parameters["Stage"], template.parameters["Size"]) == ("qa", "large")
    assert template.parameters["Zones"] == ["a", "b"]


@pytest.mark.parametrize(
    ("parameters", "message"),
    [({"Size": "huge"}, "not one of"), ({"Stage": "QA!"}, "does not match"), ({"Nope": "x"}, "unknown")],
)
def test_invalid_parameters_are_refused(tmp_path: Path, parameters: dict[str, str], message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        _template(tmp_path, parameters=parameters)


def test_conditions_skip_resources_and_order_follows_references(tmp_path: Path) -> None:
    small = _template(tmp_path)
    assert small.condition("IsSmall") and small.condition("Both") and not small.condition("IsLarge")
    assert [spec.logical_id for spec in small.provisioning_order()] == ["Table", "Queue", "Fn"]

    large = _template(tmp_path, parameters={"Size": "large"})
    order = [spec.logical_id for spec in large.provisioning_order()]
    assert order.index("Topic") < order.index("Queue") < order.index("Fn")  # DependsOn, then Ref
    assert order.index("Table") < order.index("Queue")  # through Fn::Sub ${Table}


def test_intrinsics_resolve_against_provisioned_resources(tmp_path: Path) -> None:
    template = _template(tmp_path, account_id="999999999999")
    template.record(
        ResourceState("Table", "AWS::DynamoDB::Table", "t-local", {"Arn": "arn:t", "StreamArn": "arn:s"})
    )
    queue = template.resolve(template.resources["Queue"].properties)
    assert queue == {"QueueName": "y-t-local-arn:t-${Literal}-us-east-1"}  # Tags: AWS::NoValue
    template.record(ResourceState("Queue", "AWS::SQS::Queue", "http://q", {"QueueName": "q"}))

    env = template.resolve(template.resources["Fn"].properties["Environment"]["Variables"])

    assert env == {
        "SHARED": "local",
        "TABLE": "t-local",
        "OWN": "q",
        "DOTTED": "arn:s",
        "JOINED": "999999999999/128",
        "ZONE": "us-east-1a",
        "ZONES": "a,b",
    }


def test_globals_merge_into_functions_and_the_function_wins(tmp_path: Path) -> None:
    properties = _template(tmp_path).resources["Fn"].properties
    assert properties["Timeout"] == 3
    assert set(properties["Environment"]["Variables"]) == {
        "SHARED",
        "TABLE",
        "OWN",
        "DOTTED",
        "JOINED",
        "ZONE",
        "ZONES",
    }


def test_unknown_references_and_attributes_fail_clearly(tmp_path: Path) -> None:
    template = _template(tmp_path)
    with pytest.raises(TemplateError, match="before it was provisioned"):
        template.resolve({"Ref": "Table"})
    template.record(ResourceState("Table", "AWS::DynamoDB::Table", "t", {"Arn": "a"}))
    with pytest.raises(TemplateError, match="no attribute Nope"):
        template.resolve({"Fn::GetAtt": ["Table", "Nope"]})
    with pytest.raises(TemplateError, match="not supported locally"):
        template.resolve({"Fn::ImportValue": "x"})
    template.record(ResourceState("Api", "AWS::Serverless::HttpApi", "Api", emulated=False))
    assert template.resolve({"Fn::GetAtt": ["Api", "Arn"]}).startswith("arn:aws:local:")
    assert template.resolve({"Ref": "AWS::NoValue"}) is NO_VALUE


def test_a_cycle_is_reported(tmp_path: Path) -> None:
    text = """
Resources:
  A: {Type: AWS::SQS::Queue, Properties: {QueueName: !GetAtt B.QueueName}}
  B: {Type: AWS::SQS::Queue, Properties: {QueueName: !Sub "${A}"}}
"""
    with pytest.raises(TemplateError, match="circular dependency between resources: A, B"):
        _template(tmp_path, text).provisioning_order()


def test_the_real_template_orders_every_enabled_resource(tmp_path: Path) -> None:
    del tmp_path
    template = Template.from_file(ROOT / "template.yaml")
    order = [spec.logical_id for spec in template.provisioning_order()]
    assert "AlarmEmailSubscription" not in order  # Condition HasAlarmEmail is false by default
    assert order.index("Table") < order.index("OnTableChangeFunction")
    assert order.index("UserPool") < order.index("UserPoolClient") < order.index("ApiFunction")
    assert order.index("WelcomeEmailDLQ") < order.index("SendWelcomeEmailFunction")
