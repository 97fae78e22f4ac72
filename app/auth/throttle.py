"""Throttles of the auth routes: attempts per client address, then per account (app/ratelimit.py).

A client address bounds what one machine may try across accounts (password spraying, sign-up
floods that spend the pool's email quota); an account bounds what anybody may try against it
(password guessing from many addresses, confirmation codes, codes mailed to one inbox).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from app.ratelimit import Limit, RateLimitRepository, enforce

if TYPE_CHECKING:
    from app.config import Settings

Action = Literal["signup", "confirm", "login", "refresh"]

SIGNUP_WINDOW_SECONDS = 3600
ATTEMPT_WINDOW_SECONDS = 900


def limits_of(action: Action, settings: Settings) -> tuple[Limit, Limit | None]:
    """The per-address and the per-account limit of an action (refresh has no account to count)."""
    if action == "signup":
        window = SIGNUP_WINDOW_SECONDS
        per_address, per_account = settings.signup_per_address, settings.signup_per_account
    elif action == "confirm":
        window = ATTEMPT_WINDOW_SECONDS
        per_address, per_account = settings.confirm_per_address, settings.confirm_per_account
    elif action == "login":
        window = ATTEMPT_WINDOW_SECONDS
        per_address, per_account = settings.login_per_address, settings.login_per_account
    else:
        return Limit(f"{action}-address", settings.refresh_per_address, ATTEMPT_WINDOW_SECONDS), None
    return Limit(f"{action}-address", per_address, window), Limit(f"{action}-account", per_account, window)


def throttle(
    action: Action,
    *,
    address: str,
    account: str | None,
    limits: RateLimitRepository,
    settings: Settings,
) -> None:
    """Count one attempt; TooManyRequests (429 with Retry-After) when the address or account is spent."""
    by_address, by_account = limits_of(action, settings)
    checks = [(by_address, address)]
    if by_account is not None and account:
        checks.append((by_account, account))
    enforce(checks, repo=limits, message="Too many attempts; wait a moment and try again.")
