"""Cognito user pool triggers, fired by the dispatcher around moto's own answer."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from localcloud.context import Core, ServiceState
from localcloud.dispatch import Exchange
from localcloud.functions import LocalFunction, Outcome
from localcloud.server import WsgiResponse
from localcloud.shapes import ADMIN_CLIENT_ID, cognito_trigger_event

logger = logging.getLogger("localcloud")

_SERVICE = "AWSCognitoIdentityProviderService."
# Locally no mail is sent with the code, so any six digits confirm (docs/CONTRACT.md).
_LOCAL_CODE = re.compile(r"\d{6}")

# Triggers the dispatcher knows how to fire; any other is recorded as not emulated.
SUPPORTED_TRIGGERS = ("PreSignUp", "PostConfirmation")


class CognitoTriggers(ServiceState):
    """Which function each pool runs for each trigger, and the interceptor that runs them."""

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self._invoker = core.invoker
        self._clients = core.clients
        self._account_id = core.account_id
        self._state_lock = core.state_lock
        self._triggers: dict[tuple[str, str], LocalFunction] = {}
        self._pool_of_client: dict[str, str] = {}
        self._lock = threading.Lock()

    def register(self, pool_id: str, trigger: str, function: LocalFunction) -> bool:
        """Run `function` as `trigger` of `pool_id`; False when that trigger is not emulated."""
        if trigger not in SUPPORTED_TRIGGERS:
            return False
        self._triggers[(pool_id, trigger)] = function
        return True

    def __call__(self, exchange: Exchange) -> WsgiResponse | None:
        """Intercept the operations that fire a trigger or need a local rule."""
        if not exchange.target.startswith(_SERVICE) or exchange.method != "POST":
            return None
        operation = exchange.target[len(_SERVICE) :]
        handler = self._operations().get(operation)
        return None if handler is None else handler(exchange)

    def _operations(self) -> dict[str, Callable[[Exchange], WsgiResponse | None]]:
        return {
            "ConfirmSignUp": self._confirm_sign_up,
            "AdminConfirmSignUp": self._admin_confirm_sign_up,
            "SignUp": self._sign_up,
        }

    # ------------------------------------------------------------------ lookups

    def _pool_for_client(self, client_id: str) -> str | None:
        with self._lock:
            if client_id in self._pool_of_client:
                return self._pool_of_client[client_id]
        cognito = self._clients.cognito()
        for page in cognito.get_paginator("list_user_pools").paginate(PaginationConfig={"PageSize": 60}):
            for pool in page.get("UserPools", []):
                clients = cognito.list_user_pool_clients(UserPoolId=pool["Id"], MaxResults=60)
                for client in clients.get("UserPoolClients", []):
                    with self._lock:
                        self._pool_of_client[client["ClientId"]] = pool["Id"]
        with self._lock:
            return self._pool_of_client.get(client_id)

    def _user(self, pool_id: str, username: str) -> dict[str, Any] | None:
        try:
            user = self._clients.cognito().admin_get_user(UserPoolId=pool_id, Username=username)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "UserNotFoundException":
                return None
            raise
        return dict(user)

    # ------------------------------------------------------------------ operations

    def _confirm_sign_up(self, exchange: Exchange) -> WsgiResponse:
        request = exchange.json()
        if not _LOCAL_CODE.fullmatch(str(request.get("ConfirmationCode", ""))):
            return WsgiResponse.aws_json_error(
                400, "CodeMismatchException", "Invalid verification code provided, please try again."
            )
        client_id = str(request.get("ClientId", ""))
        pool_id = self._pool_for_client(client_id)
        if pool_id is None:
            return exchange.forward()  # moto answers ResourceNotFoundException
        refusal = self._refuse_confirmation(pool_id, client_id, str(request.get("Username", "")))
        if refusal is not None:
            return refusal
        return self._confirm(
            exchange,
            pool_id=pool_id,
            username=str(request.get("Username", "")),
            client_id=client_id,
            trigger_source="PostConfirmation_ConfirmSignUp",
            client_metadata=request.get("ClientMetadata"),
        )

    def _admin_confirm_sign_up(self, exchange: Exchange) -> WsgiResponse:
        request = exchange.json()
        pool_id = str(request.get("UserPoolId", ""))
        username = str(request.get("Username", ""))
        user = self._user(pool_id, username) if pool_id and username else None
        if user is not None and user.get("UserStatus") == "CONFIRMED":
            return _already_confirmed()
        return self._confirm(
            exchange,
            pool_id=pool_id,
            username=username,
            client_id=ADMIN_CLIENT_ID,
            trigger_source="PostConfirmation_AdminConfirmSignUp",
            client_metadata=request.get("ClientMetadata"),
        )

    def _refuse_confirmation(self, pool_id: str, client_id: str, username: str) -> WsgiResponse | None:
        """Cognito's answers moto does not give: already confirmed, or no such user."""
        user = self._user(pool_id, username)
        if user is None:
            client = self._clients.cognito().describe_user_pool_client(
                UserPoolId=pool_id, ClientId=client_id
            )["UserPoolClient"]
            if client.get("PreventUserExistenceErrors") == "ENABLED":
                return WsgiResponse.aws_json_error(
                    400,
                    "CodeMismatchException",
                    "Invalid verification code provided, please try again.",
                )
            return None  # moto answers UserNotFoundException
        if user.get("UserStatus") == "CONFIRMED":
            return _already_confirmed()
        return None

    def _confirm(
        self,
        exchange: Exchange,
        *,
        pool_id: str,
        username: str,
        client_id: str,
        trigger_source: str,
        client_metadata: Any,
    ) -> WsgiResponse:
        response = exchange.forward()
        if response.status != 200:
            return response
        user = self._mark_email_verified(pool_id, username)
        function = self._triggers.get((pool_id, "PostConfirmation"))
        if function is None or user is None:
            return response
        attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
        attributes["cognito:user_status"] = "CONFIRMED"
        if "email" in attributes and user.get("Username") != attributes["email"]:
            attributes.setdefault("cognito:email_alias", attributes["email"])
        event = cognito_trigger_event(
            trigger_source=trigger_source,
            region=self._clients.region,
            user_pool_id=pool_id,
            user_name=str(user.get("Username", username)),
            client_id=client_id,
            request={"userAttributes": attributes, "clientMetadata": client_metadata or {}},
        )
        failure = _trigger_failure("PostConfirmation", self._invoker.invoke(function, event))
        return failure or response

    def _mark_email_verified(self, pool_id: str, username: str) -> dict[str, Any] | None:
        """Confirming with the code mailed to the user verifies the email (moto forgets to)."""
        user = self._user(pool_id, username)
        if user is None:
            return None
        attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
        pool = self._clients.cognito().describe_user_pool(UserPoolId=pool_id)["UserPool"]
        auto_verified = pool.get("AutoVerifiedAttributes", [])
        if "email" in attributes and "email" in auto_verified:
            if attributes.get("email_verified") != "true":
                self._clients.cognito().admin_update_user_attributes(
                    UserPoolId=pool_id,
                    Username=str(user["Username"]),
                    UserAttributes=[{"Name": "email_verified", "Value": "true"}],
                )
                return self._user(pool_id, username)
        return user

    def _sign_up(self, exchange: Exchange) -> WsgiResponse | None:
        request = exchange.json()
        client_id = str(request.get("ClientId", ""))
        pool_id = self._pool_for_client(client_id)
        function = self._triggers.get((pool_id or "", "PreSignUp"))
        if pool_id is None or function is None:
            return None
        attributes = {a["Name"]: a["Value"] for a in request.get("UserAttributes") or []}
        username = str(request.get("Username", ""))
        if "@" in username:
            attributes.setdefault("email", username)  # email-as-username pools
        event = cognito_trigger_event(
            trigger_source="PreSignUp_SignUp",
            region=self._clients.region,
            user_pool_id=pool_id,
            user_name=username,
            client_id=client_id,
            request={
                "userAttributes": attributes,
                "validationData": _flatten(request.get("ValidationData")),
                "clientMetadata": request.get("ClientMetadata") or {},
            },
            response={"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
        )
        outcome = self._invoker.invoke(function, event)
        failure = _trigger_failure("PreSignUp", outcome)
        if failure is not None:
            return failure
        response = exchange.forward()
        if response.status != 200:
            return response
        decision = (outcome.result or {}).get("response") or {}
        sub = str((response.json_body() or {}).get("UserSub", ""))
        return self._apply_pre_sign_up(response, pool_id, sub, decision)

    def _apply_pre_sign_up(
        self, response: WsgiResponse, pool_id: str, username: str, decision: Mapping[str, Any]
    ) -> WsgiResponse:
        cognito = self._clients.cognito()
        verified: list[Any] = [
            {"Name": f"{kind}_verified", "Value": "true"}
            for kind, flag in (("email", "autoVerifyEmail"), ("phone_number", "autoVerifyPhone"))
            if decision.get(flag)
        ]
        if verified:
            cognito.admin_update_user_attributes(
                UserPoolId=pool_id, Username=username, UserAttributes=verified
            )
        if not decision.get("autoConfirmUser"):
            return response
        # Straight into moto's state: through the API this would look like an AdminConfirmSignUp
        # and fire PostConfirmation_AdminConfirmSignUp, which an auto-confirmation is not.
        from moto.cognitoidp.models import cognitoidp_backends

        with self._state_lock.shared():
            backend = cognitoidp_backends[self._account_id][self._clients.region]
            backend.admin_confirm_sign_up(pool_id, username)
        body = dict(response.json_body() or {})
        body["UserConfirmed"] = True
        return WsgiResponse.json(200, body, [("Content-Type", "application/x-amz-json-1.1")])


def _already_confirmed() -> WsgiResponse:
    return WsgiResponse.aws_json_error(
        400, "NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED"
    )


def _flatten(attributes: Any) -> dict[str, str] | None:
    if not attributes:
        return None
    return {str(a["Name"]): str(a["Value"]) for a in attributes}


def _trigger_failure(trigger: str, outcome: Outcome) -> WsgiResponse | None:
    """Cognito's answer when a trigger fails, or None when it succeeded."""
    if outcome.error is not None:
        # A function error: Cognito answers UserLambdaValidationException with its message.
        message = outcome.error.get("errorMessage", "")
        return WsgiResponse.aws_json_error(
            400, "UserLambdaValidationException", f"{trigger} failed with error {message}."
        )
    if not isinstance(outcome.result, dict):
        # Python handlers must return the event; None is "Unrecognizable lambda output".
        logger.warning("localcloud: %s trigger returned %r, not the event", trigger, outcome.result)
        return WsgiResponse.aws_json_error(
            400, "InvalidLambdaResponseException", "Unrecognizable lambda output"
        )
    try:
        json.dumps(outcome.result)
    except (TypeError, ValueError):
        return WsgiResponse.aws_json_error(
            400, "InvalidLambdaResponseException", "Unrecognizable lambda output"
        )
    return None
