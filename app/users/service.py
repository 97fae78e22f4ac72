"""User use cases: profile on confirmation, read/rename, welcome email, admin listing."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING, Any

from app.auth.principal import Principal
from app.aws import error_code
from app.errors import NotFound, found
from app.events import UserSignedUp
from app.mail import SendBudget, send_email
from app.observability import logger
from app.pagination import KeySource, decode_cursor, encode_cursor
from app.users.models import Me, Profile, ProfileUpdate, UserPage, UserSummary
from app.users.repository import ProfileRepository

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_sesv2 import SESV2Client

    from app.config import Settings


WELCOME_WAIT_SECONDS = 5  # how long a welcome mail waits for the SES rate before its retry


def _no_profile() -> NotFound:
    return NotFound("Your profile does not exist yet; confirm your account first.", code="profile_not_found")


def _bad_cursor() -> NotFound:
    return NotFound("The cursor is not valid; start from the first page.", code="invalid_cursor")


def create_profile(
    *, user_id: str, email: str, name: str, correlation_id: str | None, repo: ProfileRepository
) -> bool:
    """Write the profile of a newly confirmed user (idempotent: a retried trigger is a no-op)."""
    profile = Profile(id=user_id, email=email.lower(), name=name, created_at=datetime.now(UTC))
    created = repo.create(profile, correlation_id=correlation_id)
    logger.info("profile written" if created else "profile already existed", extra={"user_id": user_id})
    return created


def get_me(
    user: Principal,
    *,
    repo: ProfileRepository,
    cognito: CognitoIdentityProviderClient,
    correlation_id: str | None,
) -> Me:
    """The caller's profile; written now from Cognito if the PostConfirmation trigger failed."""
    profile = repo.get(user.user_id) or _recover_profile(
        user, repo=repo, cognito=cognito, correlation_id=correlation_id
    )
    return Me(**profile.model_dump(), groups=list(user.groups))


def update_me(
    user: Principal,
    cmd: ProfileUpdate,
    *,
    repo: ProfileRepository,
    cognito: CognitoIdentityProviderClient,
    correlation_id: str | None,
) -> Me:
    """Rename the caller (writing their missing profile first, as `get_me` does)."""
    profile = repo.rename(user.user_id, cmd.name.strip())
    if profile is None:
        _recover_profile(user, repo=repo, cognito=cognito, correlation_id=correlation_id)
        profile = repo.rename(user.user_id, cmd.name.strip())
    if profile is None:
        raise _no_profile()
    return Me(**profile.model_dump(), groups=list(user.groups))


def _recover_profile(
    user: Principal,
    *,
    repo: ProfileRepository,
    cognito: CognitoIdentityProviderClient,
    correlation_id: str | None,
) -> Profile:
    """Write the profile the trigger did not, from the caller's own Cognito attributes.

    A failed PostConfirmation trigger is not retried by Cognito and leaves a confirmed account
    without a profile; this is the same idempotent write, so a late trigger changes nothing (and
    the new profile still becomes UserSignedUp and the welcome email through the stream).
    """
    from botocore.exceptions import ClientError

    try:
        # GetUser is authorised by the access token itself: no IAM permission, only this user.
        response = cognito.get_user(AccessToken=user.token)
    except ClientError as exc:
        if error_code(exc) in ("NotAuthorizedException", "UserNotFoundException"):
            raise _no_profile() from exc
        raise
    attributes = {a["Name"]: a.get("Value", "") for a in response.get("UserAttributes", [])}
    if not attributes.get("email"):
        raise _no_profile()
    create_profile(
        user_id=user.user_id,
        email=attributes["email"],
        name=attributes.get("name", ""),
        correlation_id=correlation_id,
        repo=repo,
    )
    logger.warning("profile missing; written on first use", extra={"user_id": user.user_id})
    return found(repo.get(user.user_id, consistent=True), _no_profile)


def welcome_message(event: UserSignedUp, *, settings: Settings) -> tuple[str, str, str]:
    """Subject, text and HTML of the welcome email."""
    who = event.name or event.email
    subject = "Welcome to Herald"
    text = (
        f"Hello {who},\n\nyour Herald account is ready. Import your contacts and send your "
        f"first campaign at {settings.app_url}\n\n— Herald"
    )
    html = (
        f"<p>Hello {escape(who)},</p><p>your Herald account is ready. Import your contacts and "
        f'send your first campaign at <a href="{escape(settings.app_url)}">'
        f"{escape(settings.app_url)}</a>.</p><p>— Herald</p>"
    )
    return subject, text, html


def send_welcome_email(
    event: UserSignedUp,
    *,
    ses: SESV2Client,
    settings: Settings,
    budget: SendBudget,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Email a new user, within the share of the SES rate kept for mail outside campaigns (waiting
    up to WELCOME_WAIT_SECONDS for it; then the error makes Lambda retry the event later); returns
    the SES message id."""
    subject, text, html = welcome_message(event, settings=settings)
    budget.take_second("welcome", settings=settings, wait=WELCOME_WAIT_SECONDS, sleep=sleep)
    message_id = send_email(to=event.email, subject=subject, text=text, html=html, ses=ses, settings=settings)
    logger.info("welcome email sent", extra={"user_id": event.user_id, "message_id": message_id})
    return message_id


def _summary(user: Any) -> UserSummary:
    attributes = {a["Name"]: a.get("Value", "") for a in user.get("Attributes", [])}
    return UserSummary(
        id=attributes.get("sub", user["Username"]),
        email=attributes.get("email", ""),
        name=attributes.get("name", ""),
        status=str(user.get("UserStatus", "UNKNOWN")),
        enabled=bool(user.get("Enabled", True)),
        created_at=user.get("UserCreateDate"),
    )


def list_users(
    *,
    limit: int,
    cursor: str | None,
    cognito: CognitoIdentityProviderClient,
    settings: Settings,
    key: KeySource,
) -> UserPage:
    """One page of the pool's users (administrators only; checked by the caller)."""
    kwargs: dict[str, Any] = {"UserPoolId": settings.user_pool_id or "", "Limit": limit}
    scope = f"admin-users:{settings.user_pool_id}"
    if cursor:
        kwargs["PaginationToken"] = str(decode_cursor(cursor, scope=scope, key=key).get("t", ""))
    from botocore.exceptions import ClientError

    try:
        response = cognito.list_users(**kwargs)
    except ClientError as exc:
        if error_code(exc) == "InvalidParameterException" and cursor:
            raise _bad_cursor() from exc
        raise
    token = response.get("PaginationToken")
    return UserPage(
        items=[_summary(u) for u in response.get("Users", [])],
        next_cursor=encode_cursor({"t": token}, scope=scope, key=key) if token else None,
    )
