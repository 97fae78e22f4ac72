"""The real template provisions locally; the outbox, environment and local routes work."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from localcloud.asgi import LocalOptions, create_local_app
from localcloud.cloud import CloudError, EmbeddedCloud
from tests.helpers import eventually
from tests.localcloud.helpers import aws, resource

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def herald() -> Iterator[EmbeddedCloud]:
    """The real template in an account of its own, without pollers (no worker runs)."""
    cloud = EmbeddedCloud(
        template_path=ROOT / "template.yaml",
        state_dir=None,
        run_pollers=False,
        account_id="333333333333",
    )
    cloud.start()
    yield cloud
    cloud.stop()


def test_the_table_has_its_keys_index_stream_and_ttl(herald: EmbeddedCloud) -> None:
    ddb = aws(herald, "dynamodb")

    table = ddb.describe_table(TableName="herald-local")["Table"]

    assert [k["AttributeName"] for k in table["KeySchema"]] == ["PK", "SK"]
    assert [index["IndexName"] for index in table["GlobalSecondaryIndexes"]] == ["GSI1"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["LatestStreamArn"].startswith("arn:aws:dynamodb:us-east-1:333333333333:table/herald-local/")
    ttl = ddb.describe_time_to_live(TableName="herald-local")["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "ttl")


def test_auth_resources_exist_and_the_environment_points_at_them(herald: EmbeddedCloud) -> None:
    cognito = aws(herald, "cognito-idp")
    environment = herald.environment

    pool = cognito.describe_user_pool(UserPoolId=environment["USER_POOL_ID"])["UserPool"]
    client = cognito.describe_user_pool_client(
        UserPoolId=pool["Id"], ClientId=environment["USER_POOL_CLIENT_ID"]
    )["UserPoolClient"]
    group = cognito.get_group(GroupName="admins", UserPoolId=pool["Id"])["Group"]

    assert pool["Name"] == "herald-local" and pool["UsernameAttributes"] == ["email"]
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 10
    assert client["ClientName"] == "herald-local-web"
    assert "ALLOW_USER_PASSWORD_AUTH" in client["ExplicitAuthFlows"]
    assert group["Description"].startswith("Herald operators")
    assert environment["COGNITO_JWKS_URL"] == f"{herald.endpoint_url}/{pool['Id']}/.well-known/jwks.json"
    assert environment["AWS_ENDPOINT_URL"] == herald.endpoint_url
    assert environment["TABLE_NAME"] == "herald-local" and environment["STAGE"] == "local"
    assert environment["EVENT_BUS_NAME"] == "herald-local"
    assert environment["MOTO_PORT"] == herald.endpoint_url.rsplit(":", 1)[1]


def test_the_welcome_rule_delivers_to_a_local_queue_that_redrives_to_the_dlq(herald: EmbeddedCloud) -> None:
    events = aws(herald, "events")
    buses = [bus["Name"] for bus in events.list_event_buses()["EventBuses"]]
    assert "herald-local" in buses

    rule = "localcloud-SendWelcomeEmailFunction-UserSignedUp"
    pattern = json.loads(events.describe_rule(Name=rule, EventBusName="herald-local")["EventPattern"])
    assert pattern == {"source": ["herald.users"], "detail-type": ["UserSignedUp"]}
    queues = {queue["name"]: queue for queue in herald.console.queues()}
    local = queues["localcloud-SendWelcomeEmailFunction-UserSignedUp"]
    assert local["dlq"] == "herald-local-welcome-email-dlq"
    redrive = json.loads(
        aws(herald, "sqs").get_queue_attributes(QueueUrl=local["url"], AttributeNames=["RedrivePolicy"])[
            "Attributes"
        ]["RedrivePolicy"]
    )
    assert redrive["maxReceiveCount"] == 3  # EventInvokeConfig MaximumRetryAttempts 2, plus 1


def test_every_resource_is_listed_with_what_was_done(herald: EmbeddedCloud) -> None:
    statuses = {entry["logical_id"]: entry["status"] for entry in herald.console.resources()}

    assert statuses["AlarmEmailSubscription"] == "skipped"
    assert statuses["HttpApi"] == "not emulated"
    assert statuses["DeadLetterQueuesAlarm"] == "not emulated"
    assert statuses["OnTableChangeFunction"] == "local function"
    assert statuses["Table"] == "created"
    assert "stream poller" in resource(herald, "OnTableChangeFunction")["detail"]
    assert "served by uvicorn" in resource(herald, "ApiFunction")["detail"]
    assert "not emulated" in resource(herald, "HttpApiAccessLogs")["status"]
    secret = aws(herald, "ssm").get_parameter(Name="/herald/local/signing-key", WithDecryption=True)
    assert len(secret["Parameter"]["Value"]) == 64 and secret["Parameter"]["Type"] == "SecureString"


def test_the_sender_identity_can_send_and_the_outbox_keeps_what_moto_drops(herald: EmbeddedCloud) -> None:
    ses = aws(herald, "sesv2")
    message_id = ses.send_email(
        FromEmailAddress="noreply@example.com",
        Destination={"ToAddresses": ["ada@example.com"]},
        Content={
            "Simple": {
                "Subject": {"Data": "Welcome"},
                "Body": {"Text": {"Data": "Hello Ada"}, "Html": {"Data": "<p>Hello Ada</p>"}},
                "Headers": [{"Name": "List-Unsubscribe", "Value": "<https://x/u>"}],
            }
        },
        ConfigurationSetName="herald-local-untracked",  # no tracking: the HTML stays as sent
    )["MessageId"]
    raw = "From: noreply@example.com\nTo: bob@example.com\nSubject: Raw\nContent-Type: text/plain\n\nHi Bob\n"
    ses.send_email(
        FromEmailAddress="noreply@example.com",
        Destination={"ToAddresses": ["bob@example.com"]},
        Content={"Raw": {"Data": raw.encode()}},
    )

    newest, previous = herald.console.outbox()[:2]

    assert (newest["to"], newest["subject"], newest["text"].strip()) == (["bob@example.com"], "Raw", "Hi Bob")
    assert previous["id"] == message_id
    assert (previous["from"], previous["to"], previous["subject"]) == (
        "noreply@example.com",
        ["ada@example.com"],
        "Welcome",
    )
    assert (previous["text"], previous["html"]) == ("Hello Ada", "<p>Hello Ada</p>")
    assert previous["headers"] == {"List-Unsubscribe": "<https://x/u>"}
    assert previous["configuration_set"] == "herald-local-untracked" and previous["sent_at"]


def test_an_unverified_sender_is_still_refused(herald: EmbeddedCloud) -> None:
    ses = aws(herald, "sesv2")
    with pytest.raises(ses.exceptions.MessageRejected):
        ses.send_email(
            FromEmailAddress="someone@elsewhere.test",
            Destination={"ToAddresses": ["ada@example.com"]},
            Content={"Simple": {"Subject": {"Data": "x"}, "Body": {"Text": {"Data": "y"}}}},
        )


def test_a_second_cloud_for_the_same_account_is_refused(herald: EmbeddedCloud) -> None:
    twin = EmbeddedCloud(template_path=ROOT / "template.yaml", state_dir=None, account_id=herald.account_id)
    with pytest.raises(CloudError, match="already runs"):
        twin.start()
    assert aws(herald, "dynamodb").describe_table(TableName="herald-local")["Table"]


def test_conflicting_function_variables_are_an_error(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        """
Resources:
  A:
    Type: AWS::Serverless::Function
    Properties: {Handler: m.a, Runtime: python3.13, Environment: {Variables: {MODE: one}}}
  B:
    Type: AWS::Serverless::Function
    Properties: {Handler: m.b, Runtime: python3.13, Environment: {Variables: {MODE: two}}}
  C:
    Type: AWS::Serverless::Function
    Properties: {Handler: m.c, Runtime: nodejs22.x}
"""
    )
    cloud = EmbeddedCloud(template_path=template, state_dir=None, account_id="555555555555")
    cloud.start()
    try:
        with pytest.raises(CloudError, match="B sets MODE='two' but A sets 'one'"):
            _ = cloud.environment
        assert resource(cloud, "C")["status"] == "not emulated"
    finally:
        cloud.stop()


# ---------------------------------------------------------------------- local runner


def test_local_options_come_from_the_environment(tmp_path: Path) -> None:
    options = LocalOptions.from_environ(
        {"HERALD_STATE_DIR": str(tmp_path), "HERALD_CLOUD_PORT": "4567", "HERALD_TEMPLATE": "t.yaml"}
    )
    assert (options.state_dir, options.port, options.template_path) == (tmp_path, 4567, Path("t.yaml"))
    assert LocalOptions.from_environ({}).state_dir == ROOT / ".localcloud"


def test_the_local_app_serves_config_local_routes_and_the_spa(herald: EmbeddedCloud, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<html>spa</html>")
    (tmp_path / "app.js").write_text("console.log(1)")
    app = create_local_app(options=LocalOptions(frontend_dist=tmp_path), cloud=herald)

    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        assert client.get("/config.json").json() == {
            "apiBase": "/api",
            "wsUrl": "ws://127.0.0.1:8000/ws",
            "stage": "local",
        }
        assert any(r["logical_id"] == "Table" for r in client.get("/_local/resources").json())
        assert any(q["name"] == "herald-local-welcome-email-dlq" for q in client.get("/_local/queues").json())
        assert isinstance(client.get("/_local/outbox").json(), list)
        assert client.get("/_local/events").status_code == 200
        assert client.get("/app.js").text == "console.log(1)"
        assert client.get("/campaigns/42").text == "<html>spa</html>"
        # /api/{proxy+} has the HTTP API's authorizer: anonymous, even an unknown route stops there
        assert client.get("/api/no-such-route").json() == {"message": "Unauthorized"}
        assert client.get("/api/health").status_code == 200


def test_the_local_app_includes_every_router_once_it_serves(herald: EmbeddedCloud, tmp_path: Path) -> None:
    # Given the local app, made: no domain router is included yet (the start-up does not wait)
    app = create_local_app(options=LocalOptions(frontend_dist=tmp_path), cloud=herald)
    routers = app.state.routers
    assert routers.loaded == []

    # When it serves, and no request asks for a domain
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        # Then every domain's router is included by itself, and the docs describe every route
        assert eventually(lambda: sorted(routers.loaded) == sorted(routers.all_modules()), 30)
        paths = client.get("/openapi.json").json()["paths"]
        assert {"/api/health", "/api/lists", "/api/campaigns", "/api/keys"} <= set(paths)


def test_parameters_secrets_topics_and_conditions_of_the_toy_stack(toy_cloud: EmbeddedCloud) -> None:
    ssm = aws(toy_cloud, "ssm")

    greeting = ssm.get_parameter(Name="/toy/toy/greeting")["Parameter"]
    secret = ssm.get_parameter(Name="/toy/toy/secret", WithDecryption=True)["Parameter"]

    assert greeting["Value"] == "hello world"  # Fn::Join of Fn::Select of Fn::Split
    assert secret["Type"] == "SecureString" and len(secret["Value"]) == 32
    assert resource(toy_cloud, "Extra")["status"] == "skipped"
    assert resource(toy_cloud, "Logs")["status"] == "not emulated"
    assert resource(toy_cloud, "/toy/toy/secret")["status"] == "created"


def test_a_moto_upgrade_is_noticed() -> None:
    import moto

    # localcloud reaches into moto 5.2's internals (BackendDict registries, the S3 bucket index,
    # DynamoDB stream iterators, SES sent_messages, the Cognito backend, MotoRequestHandler):
    # re-run this suite and update localcloud before allowing another minor version.
    assert moto.__version__.startswith("5.2."), moto.__version__


def test_ttl_deletes_expired_items_as_the_service_with_a_remove_record(herald: EmbeddedCloud) -> None:
    # Given one item whose TTL has passed, one still to come, one with a TTL that is no epoch
    # second (DynamoDB ignores values over five years old), and one without TTL
    ddb = aws(herald, "dynamodb")
    now = 1_900_000_000
    items = {
        "expired": {"ttl": {"N": str(now - 1)}},
        "later": {"ttl": {"N": str(now + 3600)}},
        "not-epoch": {"ttl": {"N": "12"}},
        "no-ttl": {},
    }
    for name, extra in items.items():
        ddb.put_item(TableName="herald-local", Item={"PK": {"S": f"TTL#{name}"}, "SK": {"S": "X"}, **extra})

    # When Time to Live runs at `now`
    deleted = herald.expire_ttl(now)

    # Then only the expired item is gone
    keys = {name: {"PK": {"S": f"TTL#{name}"}, "SK": {"S": "X"}} for name in items}
    left = {name for name, key in keys.items() if "Item" in ddb.get_item(TableName="herald-local", Key=key)}
    assert (deleted, left) == (1, {"later", "not-epoch", "no-ttl"})
    # And the stream has its REMOVE record, made by the service as in AWS
    streams = aws(herald, "dynamodbstreams")
    arn = ddb.describe_table(TableName="herald-local")["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=1000)["Records"]
    ours = [r for r in records if r["dynamodb"]["Keys"]["PK"]["S"].startswith("TTL#")]
    removes = [r for r in ours if r["eventName"] == "REMOVE"]
    assert [r["dynamodb"]["Keys"]["PK"]["S"] for r in removes] == ["TTL#expired"]
    assert removes[0]["userIdentity"] == {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
    assert herald.expire_ttl(now) == 0  # nothing left to expire
