"""The dispatcher in front of moto: Lambda Invoke, Cognito triggers, SES capture, local routes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localcloud.cloud import EmbeddedCloud
from tests.localcloud.helpers import aws, eventually, resource
from tests.localcloud.toys import received

PASSWORD = "Correct-horse-9"


# ---------------------------------------------------------------------- Lambda Invoke


def test_invoke_runs_the_handler_in_process(toy_cloud: EmbeddedCloud) -> None:
    arn = "arn:aws:lambda:us-east-1:111111111111:function:EchoFunction"

    response = aws(toy_cloud, "lambda").invoke(FunctionName=arn, Payload=json.dumps({"n": 1}))

    assert response["StatusCode"] == 200 and "FunctionError" not in response
    payload = json.loads(response["Payload"].read())
    assert payload == {
        "echo": {"n": 1},
        "function_name": "EchoFunction",
        "memory": 256,
        "arn": arn,
        "remaining_ok": True,
        "log_group": "/aws/lambda/EchoFunction",
    }


def test_event_invocations_answer_202_and_run_in_the_background(toy_cloud: EmbeddedCloud) -> None:
    marker = str(uuid.uuid4())

    response = aws(toy_cloud, "lambda").invoke(
        FunctionName="EchoFunction", InvocationType="Event", Payload=json.dumps({"marker": marker})
    )

    assert response["StatusCode"] == 202
    assert eventually(lambda: [e for e in received("echo") if e.get("marker") == marker], timeout=5)


def test_an_unhandled_error_has_lambdas_shape(toy_cloud: EmbeddedCloud) -> None:
    response = aws(toy_cloud, "lambda").invoke(
        FunctionName="EchoFunction", Payload=json.dumps({"raise": True})
    )

    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    error = json.loads(response["Payload"].read())
    assert error["errorType"] == "KeyError"
    assert error["errorMessage"] == "'boom'"
    assert any("toys.py" in frame for frame in error["stackTrace"])


def test_an_unknown_function_is_resource_not_found(toy_cloud: EmbeddedCloud) -> None:
    with pytest.raises(ClientError) as caught:
        aws(toy_cloud, "lambda").invoke(FunctionName="Nope", Payload=b"{}")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_invoke_from_python_raises_the_handlers_exception(toy_cloud: EmbeddedCloud) -> None:
    assert toy_cloud.invoke("EchoFunction", {"x": 2})["echo"] == {"x": 2}
    with pytest.raises(KeyError, match="boom"):
        toy_cloud.invoke("EchoFunction", {"raise": True})


# ---------------------------------------------------------------------- Cognito


def _client_id(cloud: EmbeddedCloud) -> str:
    return str(resource(cloud, "UserPoolClient")["physical_id"])


def _pool_id(cloud: EmbeddedCloud) -> str:
    return str(resource(cloud, "UserPool")["physical_id"])


def _sign_up(cloud: EmbeddedCloud, email: str, **extra: Any) -> dict[str, Any]:
    response: dict[str, Any] = aws(cloud, "cognito-idp").sign_up(
        ClientId=_client_id(cloud),
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "name", "Value": "Ada"}],
        **extra,
    )
    return response


def _confirmations(email: str) -> list[dict[str, Any]]:
    return [e for e in received("confirmed") if e["request"]["userAttributes"].get("email") == email]


def _error_code(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = caught.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def test_confirm_sign_up_fires_post_confirmation_with_the_real_shape(toy_cloud: EmbeddedCloud) -> None:
    email = f"ada-{uuid.uuid4()}@example.com"
    sub = _sign_up(toy_cloud, email)["UserSub"]

    aws(toy_cloud, "cognito-idp").confirm_sign_up(
        ClientId=_client_id(toy_cloud),
        Username=email,
        ConfirmationCode="123456",
        ClientMetadata={"correlation_id": "corr-1"},
    )

    (event,) = _confirmations(email)
    assert event["version"] == "1" and event["region"] == "us-east-1"
    assert event["userPoolId"] == _pool_id(toy_cloud)
    assert event["userName"] == sub
    assert event["triggerSource"] == "PostConfirmation_ConfirmSignUp"
    assert event["callerContext"]["clientId"] == _client_id(toy_cloud)
    assert event["callerContext"]["awsSdkVersion"]
    attributes = event["request"]["userAttributes"]
    assert attributes["sub"] == sub and attributes["name"] == "Ada"
    assert attributes["email_verified"] == "true"
    assert attributes["cognito:user_status"] == "CONFIRMED"
    assert event["request"]["clientMetadata"] == {"correlation_id": "corr-1"}
    assert event["response"] == {}
    # The email is verified in the pool itself too (so it is in the ID token).
    user = aws(toy_cloud, "cognito-idp").admin_get_user(UserPoolId=_pool_id(toy_cloud), Username=email)
    assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]


def test_only_six_digit_codes_confirm(toy_cloud: EmbeddedCloud) -> None:
    email = f"code-{uuid.uuid4()}@example.com"
    _sign_up(toy_cloud, email)
    cognito = aws(toy_cloud, "cognito-idp")

    with pytest.raises(ClientError) as caught:
        cognito.confirm_sign_up(ClientId=_client_id(toy_cloud), Username=email, ConfirmationCode="12345")

    assert _error_code(caught) == (
        "CodeMismatchException",
        "Invalid verification code provided, please try again.",
    )
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert _confirmations(email) == []
    user = cognito.admin_get_user(UserPoolId=_pool_id(toy_cloud), Username=email)
    assert user["UserStatus"] == "UNCONFIRMED"


def test_confirming_twice_or_an_unknown_user_is_refused_as_cognito_does(toy_cloud: EmbeddedCloud) -> None:
    email = f"twice-{uuid.uuid4()}@example.com"
    _sign_up(toy_cloud, email)
    cognito = aws(toy_cloud, "cognito-idp")
    cognito.confirm_sign_up(ClientId=_client_id(toy_cloud), Username=email, ConfirmationCode="000000")

    with pytest.raises(ClientError) as again:
        cognito.confirm_sign_up(ClientId=_client_id(toy_cloud), Username=email, ConfirmationCode="000000")
    with pytest.raises(ClientError) as unknown:
        cognito.confirm_sign_up(
            ClientId=_client_id(toy_cloud), Username=f"x{email}", ConfirmationCode="000000"
        )

    assert _error_code(again)[0] == "NotAuthorizedException"
    assert _error_code(unknown)[0] == "CodeMismatchException"  # PreventUserExistenceErrors
    assert len(_confirmations(email)) == 1


def test_admin_confirm_fires_the_admin_trigger_source(toy_cloud: EmbeddedCloud) -> None:
    email = f"admin-{uuid.uuid4()}@example.com"
    _sign_up(toy_cloud, email)

    aws(toy_cloud, "cognito-idp").admin_confirm_sign_up(UserPoolId=_pool_id(toy_cloud), Username=email)

    (event,) = _confirmations(email)
    assert event["triggerSource"] == "PostConfirmation_AdminConfirmSignUp"
    assert event["callerContext"]["clientId"] == "CLIENT_ID_NOT_APPLICABLE"


@pytest.mark.parametrize(
    ("prefix", "code", "message"),
    [
        ("explode", "UserLambdaValidationException", "PostConfirmation failed with error"),
        ("none", "InvalidLambdaResponseException", "Unrecognizable lambda output"),
    ],
)
def test_a_failing_trigger_fails_the_confirmation(
    toy_cloud: EmbeddedCloud, prefix: str, code: str, message: str
) -> None:
    email = f"{prefix}-{uuid.uuid4()}@example.com"
    _sign_up(toy_cloud, email)

    with pytest.raises(ClientError) as caught:
        aws(toy_cloud, "cognito-idp").confirm_sign_up(
            ClientId=_client_id(toy_cloud), Username=email, ConfirmationCode="111111"
        )

    assert _error_code(caught)[0] == code
    assert _error_code(caught)[1].startswith(message)


def test_pre_sign_up_can_refuse_or_auto_confirm(toy_cloud: EmbeddedCloud) -> None:
    with pytest.raises(ClientError) as caught:
        _sign_up(toy_cloud, f"{uuid.uuid4()}@blocked.test")
    assert _error_code(caught) == (
        "UserLambdaValidationException",
        "PreSignUp failed with error this domain may not sign up.",
    )

    email = f"{uuid.uuid4()}@auto.test"
    response = _sign_up(toy_cloud, email, ClientMetadata={"source": "test"})

    assert response["UserConfirmed"] is True
    (event,) = [e for e in received("pre_sign_up") if e["request"]["userAttributes"].get("email") == email]
    assert event["triggerSource"] == "PreSignUp_SignUp"
    assert event["request"]["clientMetadata"] == {"source": "test"}
    user = aws(toy_cloud, "cognito-idp").admin_get_user(UserPoolId=_pool_id(toy_cloud), Username=email)
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]
    tokens = aws(toy_cloud, "cognito-idp").initiate_auth(
        ClientId=_client_id(toy_cloud),
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )
    assert tokens["AuthenticationResult"]["AccessToken"]


def test_unsupported_triggers_are_listed_not_dropped(toy_cloud: EmbeddedCloud) -> None:
    detail = resource(toy_cloud, "PreSignUpFunction")["detail"]
    assert "fired by the dispatcher as PreSignUp" in detail
    assert "not emulated locally: CustomMessage" in detail


# ---------------------------------------------------------------------- local routes


def test_registered_routes_are_answered_before_moto(toy_cloud: EmbeddedCloud) -> None:
    calls: list[str] = []

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        calls.append(str(environ["PATH_INFO"]))
        start_response("410 Gone", [("x-amzn-ErrorType", "GoneException"), ("Content-Length", "2")])
        return [b"{}"]

    toy_cloud.register_route("/@connections/", app)
    client = aws(toy_cloud, "apigatewaymanagementapi")
    with pytest.raises(ClientError) as caught:
        client.post_to_connection(ConnectionId="abc", Data=b"hello")

    assert caught.value.response["Error"]["Code"] == "GoneException"
    assert calls == ["/@connections/abc"]
