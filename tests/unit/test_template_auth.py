"""The template's account defences: route throttles, Cognito's mail through SES, log-out's reach."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from localcloud.template import load_template

ROOT = Path(__file__).resolve().parents[2]
RESOURCES: dict[str, Any] = load_template(ROOT / "template.yaml")["Resources"]


def _statements(function: str) -> list[dict[str, Any]]:
    policies = RESOURCES[function]["Properties"]["Policies"]
    return [s for policy in policies if "Statement" in policy for s in policy["Statement"]]


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def test_the_auth_routes_have_a_throttle_of_their_own_below_the_apis() -> None:
    api = RESOURCES["HttpApi"]["Properties"]
    auth_event = RESOURCES["ApiFunction"]["Properties"]["Events"]["Auth"]["Properties"]
    route_key = f"{auth_event['Method']} {auth_event['Path']}"

    throttle = api["RouteSettings"][route_key]

    assert route_key == "ANY /api/auth/{proxy+}"
    assert throttle["ThrottlingRateLimit"] < api["DefaultRouteSettings"]["ThrottlingRateLimit"]
    assert throttle["ThrottlingBurstLimit"] < api["DefaultRouteSettings"]["ThrottlingBurstLimit"]
    # Below Cognito's UserCreation quota (50 requests/s), so a flood is refused before Cognito
    assert throttle["ThrottlingRateLimit"] < 50


def test_cognito_mails_its_codes_through_herald_ses_identity() -> None:
    mail = RESOURCES["UserPool"]["Properties"]["EmailConfiguration"]

    assert mail["EmailSendingAccount"] == "DEVELOPER"
    assert "identity/${SenderIdentity}" in mail["SourceArn"]["Fn::Sub"]
    assert "${SenderEmail}" in mail["From"]["Fn::Sub"]


def test_cognito_hides_whether_an_account_exists_from_its_own_answers() -> None:
    client = RESOURCES["UserPoolClient"]["Properties"]
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert client["EnableTokenRevocation"] is True


def test_log_out_may_close_sockets_and_connect_may_read_the_revocation_mark() -> None:
    api_variables = RESOURCES["ApiFunction"]["Properties"]["Environment"]["Variables"]
    manage = [s for s in _statements("ApiFunction") if "execute-api:ManageConnections" in _actions(s)]
    connect_actions = {a for s in _statements("WsConnectFunction") for a in _actions(s)}

    assert "WEBSOCKET_MANAGEMENT_URL" in api_variables
    assert len(manage) == 1 and manage[0]["Resource"]["Fn::Sub"].endswith("/DELETE/@connections/*")
    assert connect_actions == {"dynamodb:PutItem", "dynamodb:GetItem"}
