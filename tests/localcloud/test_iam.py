"""IAM enforced locally: each function's calls are checked against its own policy in the template."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from localcloud.asgi import LocalOptions, create_local_app
from localcloud.calls import Call
from localcloud.cloud import EmbeddedCloud
from localcloud.iam import Policy, Statement, Where, main, needs_of, render
from tests.conftest import reset_caches
from tests.factories import bearer, post_confirmation_event, registered_user

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/herald-local"
BUCKET = f"herald-local-imports-{ACCOUNT}"
BROKEN_ACCOUNT = "717171717171"

# The one statement the broken copy of the template loses: the confirmation trigger's table write.
PROFILE_WRITE = """      Policies:
        - Statement:
            - Effect: Allow
              Action: dynamodb:PutItem
              Resource: !GetAtt Table.Arn
      Events:
        Confirmed:"""


def policy(*statements: dict[str, Any]) -> Policy:
    return Policy(tuple(Statement.from_json(s) for s in statements))


# ---------------------------------------------------------------------- the evaluator


def test_wildcards_match_actions_case_insensitively_and_resources_exactly() -> None:
    # Given a policy with wildcards in actions and resources
    granted = policy(
        {"Effect": "Allow", "Action": "sqs:SendMessage*", "Resource": "arn:aws:sqs:us-east-1:1:q-?"},
        {"Effect": "Allow", "Action": ["s3:Get*"], "Resource": "arn:aws:s3:::b/imports/*"},
    )

    # Then actions match whatever their case, resources only as written
    assert granted.decide("sqs:sendmessagebatch", "arn:aws:sqs:us-east-1:1:q-a").allowed
    assert not granted.decide("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q-ab").allowed
    assert granted.decide("s3:GetObject", "arn:aws:s3:::b/imports/x/y.csv").allowed
    assert not granted.decide("s3:GetObject", "arn:aws:s3:::b/IMPORTS/y.csv").allowed
    assert not granted.decide("s3:PutObject", "arn:aws:s3:::b/imports/y.csv").allowed
    # And a dot in an ARN is a dot, not any character
    assert (
        not policy({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::a.b"})
        .decide("s3:GetObject", "arn:aws:s3:::aXb")
        .allowed
    )


def test_an_explicit_deny_wins_over_any_allow() -> None:
    # Given an Allow on everything and a Deny on one table
    mixed = policy(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": TABLE},
    )

    # Then the denied pair is denied explicitly; everything else is allowed
    decision = mixed.decide("dynamodb:DeleteItem", TABLE)
    assert not decision.allowed and decision.explicit_deny
    assert mixed.decide("dynamodb:PutItem", TABLE).allowed
    assert mixed.decide("dynamodb:DeleteItem", TABLE + "-other").allowed


def test_not_action_and_not_resource_and_no_statement_at_all() -> None:
    # Given NotAction/NotResource statements
    inverse = policy(
        {"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::secret/*"},
    )

    # Then they allow everything but what they name; an empty policy allows nothing
    assert inverse.decide("s3:GetObject", "arn:aws:s3:::public/a").allowed
    assert not inverse.decide("iam:PassRole", "arn:aws:iam::1:role/r").allowed
    assert not inverse.decide("s3:GetObject", "arn:aws:s3:::secret/a").allowed
    assert not policy().decide("s3:GetObject", "*").allowed


def test_requests_map_to_the_action_and_resource_arns_iam_checks() -> None:
    where = Where(ACCOUNT, "us-east-1", ("abc123", "local"))

    def needs(service: str, operation: str, params: dict[str, Any]) -> Any:
        return needs_of(Call(service, operation, params, None, False, "in-process"), where)

    # Then each service's parameters name the resource ARN
    assert needs("dynamodb", "Query", {"TableName": "herald-local", "IndexName": "GSI1"}) == [
        ("dynamodb:Query", TABLE + "/index/GSI1")
    ]
    assert needs("dynamodb", "TransactWriteItems", {"TransactItems": [{"Put": {"TableName": "t"}}]}) == [
        ("dynamodb:PutItem", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t")
    ]
    assert needs("sqs", "SendMessageBatch", {"QueueUrl": f"http://x/{ACCOUNT}/q"}) == [
        ("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:q")
    ]
    assert needs(
        "sesv2", "SendEmail", {"FromEmailAddress": "Herald <a@b.c>", "ConfigurationSetName": "cs"}
    ) == [
        ("ses:SendEmail", f"arn:aws:ses:us-east-1:{ACCOUNT}:identity/a@b.c"),
        ("ses:SendEmail", f"arn:aws:ses:us-east-1:{ACCOUNT}:configuration-set/cs"),
    ]
    assert needs("ssm", "GetParameter", {"Name": "/herald/local/k"}) == [
        ("ssm:GetParameter", f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/herald/local/k")
    ]
    assert needs("s3", "HeadObject", {"Bucket": "b", "Key": "k/1"}) == [
        ("s3:GetObject", "arn:aws:s3:::b/k/1")
    ]
    assert needs("scheduler", "CreateSchedule", {"Name": "n", "Target": {"RoleArn": "arn:r"}}) == [
        ("scheduler:CreateSchedule", f"arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule/default/n"),
        ("iam:PassRole", "arn:r"),
    ]
    assert needs("apigatewaymanagementapi", "DeleteConnection", {"ConnectionId": "c1"}) == [
        (
            "execute-api:ManageConnections",
            f"arn:aws:execute-api:us-east-1:{ACCOUNT}:abc123/local/DELETE/@connections/c1",
        )
    ]
    # And unauthenticated operations need nothing; a service with no mapping is a gap (None)
    assert needs("cognito-idp", "SignUp", {"ClientId": "c"}) == []
    assert needs("kinesis", "PutRecord", {"StreamName": "s"}) is None


# ---------------------------------------------------------------------- the real template


@pytest.fixture
def local_client(cloud: EmbeddedCloud, tmp_path: Path) -> Iterator[TestClient]:
    """The local runner's app on the suite's cloud: its AWS calls run as ApiFunction."""
    app = create_local_app(options=LocalOptions(frontend_dist=tmp_path), cloud=cloud)
    # /_local/* answers a loopback Host only
    with TestClient(app, base_url="https://127.0.0.1") as client:
        yield client


def test_an_import_runs_within_the_template_policies_and_the_report_shows_what_was_used(
    cloud: EmbeddedCloud, local_client: TestClient
) -> None:
    # Given the suite's cloud from template.yaml, usage counted from now
    cloud.iam.clear_usage()
    _, token = registered_user(local_client, prefix="iam")
    headers = bearer(token)
    list_id = local_client.post("/api/lists", json={"name": "IAM"}, headers=headers).json()["id"]

    # When a CSV import runs end to end (the API presigns, the browser uploads, the worker imports)
    job = local_client.post(f"/api/lists/{list_id}/imports", headers=headers).json()
    form = job["upload"]
    content = b"email,name\nok@example.com,Ok\nnot-an-address,Bad\n"
    assert httpx.post(
        form["url"], data=form["fields"], files={"file": ("a.csv", content, "text/csv")}
    ).is_success
    assert cloud.wait_idle(30)
    done = local_client.get(f"/api/imports/{job['id']}", headers=headers).json()

    # Then it completed, and no function was denied anything or made a call with no IAM mapping
    assert (done["status"], done["created"], done["errors"]) == ("completed", 1, 1), done
    report = cloud.iam.report()
    assert report["enforced"] is True
    functions = report["functions"]
    assert {name: f["denied"] for name, f in functions.items() if f["denied"]} == {}
    assert {name: f["unmapped"] for name, f in functions.items() if f["unmapped"]} == {}

    # And the report shows what each function involved used, on the local ARNs
    def used(name: str) -> set[tuple[str, str]]:
        return {(row["action"], row["resource"]) for row in functions[name]["used"]}

    assert ("dynamodb:PutItem", TABLE) in used("OnUserConfirmedFunction")
    assert {("dynamodb:PutItem", TABLE), ("dynamodb:GetItem", TABLE)} <= used("ApiFunction")
    worker = used("OnImportUploadedFunction")
    assert (
        "s3:GetObject",
        f"arn:aws:s3:::{BUCKET}/{form['fields']['key']}",
    ) in worker
    assert any(action.startswith("dynamodb:") and resource == TABLE for action, resource in worker)
    # And grants are counted: the import worker's report write was used, the logs grant never is
    grants = functions["OnImportUploadedFunction"]["granted"]
    reports = [g for g in grants if g["resources"] == [f"arn:aws:s3:::{BUCKET}/reports/*"]]
    assert reports and reports[0]["used"] >= 1
    assert any(g["actions"][0].startswith("logs:") for g in functions["OnImportUploadedFunction"]["unused"])

    # And the dev console serves the same report
    served = local_client.get("/_local/iam").json()
    assert (
        served["functions"]["OnImportUploadedFunction"]["used"]
        == functions["OnImportUploadedFunction"]["used"]
    )


def test_the_report_command_lists_every_function_of_the_template(capsys: pytest.CaptureFixture[str]) -> None:
    # When the command runs with no local runner to ask
    assert main(["--url", "http://127.0.0.1:9", "--template", str(ROOT / "template.yaml")]) == 0

    # Then it prints each function's grants from the template (none used yet)
    out = capsys.readouterr().out
    assert "granted permissions of" in out
    for name in ("ApiFunction", "OnImportUploadedFunction", "SendCampaignBatchFunction", "WsConnectFunction"):
        assert f"\n{name}\n" in out
    assert "NEVER USED" in out and "dynamodb:PutItem" in out
    assert render({"functions": {}}) == ""


# ---------------------------------------------------------------------- one statement removed


@pytest.fixture
def broken_cloud(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmbeddedCloud]:
    """A fresh cloud from a copy of template.yaml whose confirmation trigger may not write the table."""
    text = (ROOT / "template.yaml").read_text(encoding="utf-8")
    assert text.count(PROFILE_WRITE) == 1
    copy = tmp_path / "template.yaml"
    copy.write_text(text.replace(PROFILE_WRITE, "      Events:\n        Confirmed:"), encoding="utf-8")
    shutil.copytree(ROOT / "statemachines", tmp_path / "statemachines")
    cloud = EmbeddedCloud(template_path=copy, state_dir=None, account_id=BROKEN_ACCOUNT)
    cloud.start()
    for name, value in cloud.environment.items():
        monkeypatch.setenv(name, value)
    reset_caches()
    try:
        yield cloud
    finally:
        cloud.stop()
        monkeypatch.undo()
        reset_caches()


def test_without_its_table_write_the_confirmation_trigger_fails_with_access_denied(
    broken_cloud: EmbeddedCloud, tmp_path: Path
) -> None:
    # Given the copy without OnUserConfirmedFunction's dynamodb:PutItem statement
    table = f"arn:aws:dynamodb:us-east-1:{BROKEN_ACCOUNT}:table/herald-local"
    environment = broken_cloud.environment
    event = post_confirmation_event(
        sub=str(uuid.uuid4()),
        email="denied@example.com",
        name="Denied",
        pool_id=environment["USER_POOL_ID"],
        client_id=environment["USER_POOL_CLIENT_ID"],
    )

    # When the trigger runs as Cognito runs it
    with pytest.raises(ClientError) as raised:
        broken_cloud.invoke("OnUserConfirmedFunction", event)

    # Then the write fails exactly as AWS fails it, naming the action and the resource
    error = raised.value.response["Error"]
    assert raised.value.operation_name == "PutItem"
    assert error["Code"] == "AccessDeniedException"
    assert (
        f"assumed-role/herald-local-OnUserConfirmedFunctionRole/OnUserConfirmedFunction "
        f"is not authorized to perform: dynamodb:PutItem on resource: {table} "
        "because no identity-based policy allows the dynamodb:PutItem action"
    ) in error["Message"]
    report = broken_cloud.iam.report()["functions"]["OnUserConfirmedFunction"]
    assert [(r["action"], r["resource"]) for r in report["denied"]] == [("dynamodb:PutItem", table)]
    assert report["used"] == []

    # And the sign-up flow through the API cannot confirm the account (the trigger's error)
    app = create_local_app(options=LocalOptions(frontend_dist=tmp_path), cloud=broken_cloud)
    with TestClient(app, base_url="https://testserver") as client:
        email = f"iam-{uuid.uuid4().hex[:8]}@example.com"
        signed = client.post(
            "/api/auth/signup", json={"email": email, "password": "Corr3ct-Horse!", "name": "N"}
        )
        assert signed.status_code == 201, signed.text
        confirmed = client.post("/api/auth/confirm", json={"email": email, "code": "123456"})
        assert confirmed.status_code != 200, confirmed.text
    denied = broken_cloud.iam.report()["functions"]["OnUserConfirmedFunction"]["denied"]
    assert denied[0]["count"] == 2
