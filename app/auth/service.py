"""Auth use cases over the Cognito user pool; Cognito errors become clear domain errors.

No answer tells whether an address has an account: a sign-up of a taken address answers as a new
one does (and mails the code again if the account waits for it), and a confirmation for an
unknown address or an already confirmed account answers as a wrong code does. Every use case
counts its attempt against the client's address and the account first (app/auth/throttle.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from app.auth.models import ConfirmRequest, LoginRequest, SignUpRequest, Tokens
from app.auth.revocation import RevocationRepository
from app.auth.throttle import throttle
from app.auth.tokens import verify_access_token
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
from app.push import ConnectionRepository, ManagementApi, close_all
from app.ratelimit import RateLimitRepository

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_cognito_idp.type_defs import AttributeTypeTypeDef

    from app.auth.principal import Principal
    from app.config import Settings

# Cognito error code -> (domain error, code, message); None keeps Cognito's own message.
ErrorSpec = tuple[type[DomainError], str, str | None]
_COGNITO_ERRORS: dict[str, ErrorSpec] = {
    "UsernameExistsException": (Conflict, "user_exists", "An account with this email already exists."),
    "InvalidPasswordException": (InvalidInput, "invalid_password", None),
    "InvalidParameterException": (InvalidInput, "invalid_parameter", None),
    # The code is a credential (it proves the inbox): a wrong one is a 401, as a wrong password.
    "CodeMismatchException": (NotAuthenticated, "invalid_code", "The confirmation code is wrong."),
    "ExpiredCodeException": (NotAuthenticated, "code_expired", "The confirmation code has expired."),
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
# An unknown address and an already confirmed account answer a confirmation as a wrong code does.
_WRONG_CODE: ErrorSpec = _COGNITO_ERRORS["CodeMismatchException"]
# How long a client throttled by Cognito itself is told to wait.
COGNITO_RETRY_AFTER_SECONDS = 30


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
        if cls is TooManyRequests:
            raise TooManyRequests(
                text or message, code=domain_code, retry_after=COGNITO_RETRY_AFTER_SECONDS
            ) from exc
        raise cls(text or message or "Not allowed.", code=domain_code) from exc


def _client_id(settings: Settings) -> str:
    if not settings.user_pool_client_id:
        raise UpstreamUnavailable("Authentication is not configured.")
    return settings.user_pool_client_id


def sign_up(
    cmd: SignUpRequest,
    *,
    address: str,
    cognito: CognitoIdentityProviderClient,
    settings: Settings,
    limits: RateLimitRepository,
) -> bool:
    """Create the account; returns whether Cognito already considers it confirmed.

    A taken address answers as a new one (False) and gets its code again if it is unconfirmed.
    """
    throttle("signup", address=address, account=str(cmd.email), limits=limits, settings=settings)
    attributes: list[AttributeTypeTypeDef] = [{"Name": "email", "Value": str(cmd.email)}]
    if cmd.name:
        attributes.append({"Name": "name", "Value": cmd.name})
    try:
        with _cognito_errors():
            response = cognito.sign_up(
                ClientId=_client_id(settings),
                Username=str(cmd.email),
                Password=cmd.password,
                UserAttributes=attributes,
            )
    except Conflict as exc:
        if exc.code != "user_exists":
            raise
        _resend_code(str(cmd.email), cognito=cognito, settings=settings)
        return False
    return bool(response.get("UserConfirmed", False))


def _resend_code(email: str, *, cognito: CognitoIdentityProviderClient, settings: Settings) -> None:
    """Mail the code again to an account that waits for it; a confirmed account gets nothing."""
    from botocore.exceptions import ClientError

    try:
        cognito.resend_confirmation_code(ClientId=_client_id(settings), Username=email)
    except ClientError as exc:
        # Already confirmed (InvalidParameter / NotAuthorized) or throttled: nothing to tell.
        logger.info("confirmation code not resent", extra={"cognito_error": error_code(exc)})


def confirm_sign_up(
    cmd: ConfirmRequest,
    *,
    address: str,
    cognito: CognitoIdentityProviderClient,
    settings: Settings,
    limits: RateLimitRepository,
    correlation_id: str,
) -> None:
    """Confirm with the emailed code; the PostConfirmation trigger gets the correlation id.

    An unknown address and an already confirmed account are a wrong code (400 invalid_code).
    """
    throttle("confirm", address=address, account=str(cmd.email), limits=limits, settings=settings)
    with _cognito_errors(UserNotFoundException=_WRONG_CODE, NotAuthorizedException=_WRONG_CODE):
        cognito.confirm_sign_up(
            ClientId=_client_id(settings),
            Username=str(cmd.email),
            ConfirmationCode=cmd.code.strip(),
            ClientMetadata={"correlation_id": correlation_id},
        )


def log_in(
    cmd: LoginRequest,
    *,
    address: str,
    cognito: CognitoIdentityProviderClient,
    settings: Settings,
    limits: RateLimitRepository,
) -> Tokens:
    """Exchange email and password for tokens."""
    throttle("login", address=address, account=str(cmd.email), limits=limits, settings=settings)
    with _cognito_errors(NotAuthorizedException=_WRONG_CREDENTIALS, UserNotFoundException=_WRONG_CREDENTIALS):
        response = cognito.initiate_auth(
            ClientId=_client_id(settings),
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": str(cmd.email), "PASSWORD": cmd.password},
        )
    return _tokens(response)


def refresh(
    refresh_token: str,
    *,
    address: str,
    cognito: CognitoIdentityProviderClient,
    settings: Settings,
    limits: RateLimitRepository,
) -> Tokens:
    """A new access token from the refresh token."""
    throttle("refresh", address=address, account=None, limits=limits, settings=settings)
    return _refreshed(refresh_token, cognito=cognito, settings=settings)


def _refreshed(refresh_token: str, *, cognito: CognitoIdentityProviderClient, settings: Settings) -> Tokens:
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
    revocations: RevocationRepository,
    connections: ConnectionRepository,
    sockets: ManagementApi | None,
) -> None:
    """End every session of the user: Cognito's global sign-out (refresh tokens), Herald's revocation
    of the access tokens issued so far, and the user's open sockets closed. Harmless when the session
    had already ended; the credentials are the bearer token or, without one, the refresh cookie."""
    user = _session_owner(access_token, refresh_token, cognito=cognito, settings=settings)
    if user is None:
        logger.info("logout of a session that had already ended")
        return
    try:
        with _cognito_errors():
            cognito.global_sign_out(AccessToken=user.token)
    except NotAuthenticated:
        logger.info("cognito had already signed the session out")
    revocations.revoke(user.user_id, session=user.session)
    closed = close_all(user.user_id, repo=connections, api=sockets) if sockets is not None else 0
    logger.info("logged out", extra={"user_id": user.user_id, "sockets_closed": closed})


def _session_owner(
    access_token: str | None,
    refresh_token: str | None,
    *,
    cognito: CognitoIdentityProviderClient,
    settings: Settings,
) -> Principal | None:
    """Whose session the credentials are, verified (an expired access token falls back on the cookie)."""
    if access_token:
        try:
            return verify_access_token(access_token, settings=settings)
        except NotAuthenticated:
            pass
    if refresh_token:
        try:
            fresh = _refreshed(refresh_token, cognito=cognito, settings=settings).access_token
            return verify_access_token(fresh, settings=settings)
        except NotAuthenticated:
            return None
    return None


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
