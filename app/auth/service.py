"""Auth use cases over the Cognito user pool; Cognito errors become clear domain errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from app.auth.models import ConfirmRequest, LoginRequest, SignUpRequest, Tokens
from app.aws import error_code
from app.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    TooManyRequests,
    UpstreamUnavailable,
)
from app.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_cognito_idp.type_defs import AttributeTypeTypeDef

    from app.config import Settings

# Cognito error code -> (domain error, code, message); None keeps Cognito's own message.
ErrorSpec = tuple[type[DomainError], str, str | None]
_COGNITO_ERRORS: dict[str, ErrorSpec] = {
    "UsernameExistsException": (Conflict, "user_exists", "An account with this email already exists."),
    "InvalidPasswordException": (InvalidInput, "invalid_password", None),
    "InvalidParameterException": (InvalidInput, "invalid_parameter", None),
    "CodeMismatchException": (DomainError, "invalid_code", "The confirmation code is wrong."),
    "ExpiredCodeException": (DomainError, "code_expired", "The confirmation code has expired."),
    "UserNotConfirmedException": (
        Forbidden,
        "user_not_confirmed",
        "Confirm your email address before logging in.",
    ),
    "PasswordResetRequiredException": (Forbidden, "password_reset_required", "A password reset is required."),
    "UserNotFoundException": (NotFound, "user_not_found", "No such account."),
    "NotAuthorizedException": (NotAuthenticated, "not_authorized", None),
    "TooManyRequestsException": (TooManyRequests, "too_many_requests", "Too many attempts; wait a moment."),
    "LimitExceededException": (TooManyRequests, "too_many_requests", "Too many attempts; wait a moment."),
    "TooManyFailedAttemptsException": (TooManyRequests, "too_many_requests", "Too many failed attempts."),
}
_WRONG_CREDENTIALS: ErrorSpec = (NotAuthenticated, "invalid_credentials", "Wrong email or password.")
_SESSION_ENDED: ErrorSpec = (NotAuthenticated, "not_authenticated", "Your session has ended; log in again.")


@contextmanager
def _cognito_errors(**overrides: ErrorSpec) -> Iterator[None]:
    from botocore.exceptions import ClientError

    try:
        yield
    except ClientError as exc:
        code, message = error_code(exc), str(exc.response.get("Error", {}).get("Message", ""))
        spec = overrides.get(code) or _COGNITO_ERRORS.get(code)
        if spec is None:
            logger.exception("cognito call failed", extra={"cognito_error": code})
            raise UpstreamUnavailable("The identity provider failed; try again.") from exc
        cls, domain_code, text = spec
        if code == "NotAuthorizedException" and "CONFIRMED" in message.upper():
            raise Conflict("This account is already confirmed.", code="already_confirmed") from exc
        raise cls(text or message or "Not allowed.", code=domain_code) from exc


def _client_id(settings: Settings) -> str:
    if not settings.user_pool_client_id:
        raise UpstreamUnavailable("Authentication is not configured.")
    return settings.user_pool_client_id


def sign_up(cmd: SignUpRequest, *, cognito: CognitoIdentityProviderClient, settings: Settings) -> bool:
    """Create the account; returns whether Cognito already considers it confirmed."""
    attributes: list[AttributeTypeTypeDef] = [{"Name": "email", "Value": str(cmd.email)}]
    if cmd.name:
        attributes.append({"Name": "name", "Value": cmd.name})
    with _cognito_errors():
        response = cognito.sign_up(
            ClientId=_client_id(settings),
            Username=str(cmd.email),
            Password=cmd.password,
            UserAttributes=attributes,
        )
    return bool(response.get("UserConfirmed", False))


def confirm_sign_up(
    cmd: ConfirmRequest,
    *,
    cognito: CognitoIdentityProviderClient,
    settings: Settings,
    correlation_id: str,
) -> None:
    """Confirm with the emailed code; the PostConfirmation trigger gets the correlation id."""
    with _cognito_errors():
        cognito.confirm_sign_up(
            ClientId=_client_id(settings),
            Username=str(cmd.email),
            ConfirmationCode=cmd.code.strip(),
            ClientMetadata={"correlation_id": correlation_id},
        )


def log_in(cmd: LoginRequest, *, cognito: CognitoIdentityProviderClient, settings: Settings) -> Tokens:
    """Exchange email and password for tokens."""
    with _cognito_errors(NotAuthorizedException=_WRONG_CREDENTIALS, UserNotFoundException=_WRONG_CREDENTIALS):
        response = cognito.initiate_auth(
            ClientId=_client_id(settings),
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": str(cmd.email), "PASSWORD": cmd.password},
        )
    return _tokens(response)


def refresh(refresh_token: str, *, cognito: CognitoIdentityProviderClient, settings: Settings) -> Tokens:
    """A new access token from the refresh token."""
    with _cognito_errors(NotAuthorizedException=_SESSION_ENDED, UserNotFoundException=_SESSION_ENDED):
        response = cognito.initiate_auth(
            ClientId=_client_id(settings),
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
    return _tokens(response)


def log_out(
    *,
    access_token: str | None,
    refresh_token: str | None,
    cognito: CognitoIdentityProviderClient,
    settings: Settings,
) -> None:
    """End every session of the user (global sign-out); harmless when already signed out."""
    try:
        if not access_token and refresh_token:
            access_token = refresh(refresh_token, cognito=cognito, settings=settings).access_token
        if access_token:
            with _cognito_errors():
                cognito.global_sign_out(AccessToken=access_token)
    except NotAuthenticated:
        logger.info("logout of a session that had already ended")


def _tokens(response: Any) -> Tokens:
    result = response.get("AuthenticationResult")
    if not result:
        # A challenge (new password, MFA) that this client does not support.
        raise Forbidden("This account needs an extra sign-in step.", code="challenge_required")
    return Tokens(
        access_token=str(result["AccessToken"]),
        expires_in=int(result.get("ExpiresIn", 3600)),
        refresh_token=result.get("RefreshToken"),
    )
