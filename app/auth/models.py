"""Requests and responses of the auth routes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from pydantic import (
    BaseModel,
    EmailStr,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
)
from pydantic_core import PydanticCustomError

from app import addresses

# An address as the schema describes it (app/addresses.py), validated by email-validator.
Address = Annotated[EmailStr, Field(max_length=addresses.MAX_LENGTH, json_schema_extra=addresses.SCHEMA)]


def normalise_email(value: str) -> str:
    """Emails are compared trimmed and lower-cased."""
    return value.strip().lower()


def _password_pattern() -> str:
    """The pool's password policy as one regular expression (no look-arounds, so every engine
    that reads the schema can use it): a lower-case letter, an upper-case letter and a digit in
    any order, and no space at either end (Cognito refuses those)."""
    from itertools import permutations

    either_order = "|".join(
        rf"(?:{first}|\S.*{first}).*{second}.*(?:{third}|{third}.*\S)"
        for first, second, third in permutations(("[a-z]", "[A-Z]", "[0-9]"))
    )
    return f"^(?:{either_order})$"


def _in_words(kind: str, message: str) -> Callable[[str, ValidatorFunctionWrapHandler], str]:
    """A wrap validator that words a pattern mismatch for a person (the schema keeps the pattern)."""

    def check(value: str, handler: ValidatorFunctionWrapHandler) -> str:
        try:
            return str(handler(value))
        except ValidationError as exc:
            if any(error["type"] == "string_pattern_mismatch" for error in exc.errors()):
                raise PydanticCustomError(kind, message) from None
            raise

    return check


# The pool's policy (template.yaml: UserPool.Policies.PasswordPolicy), stated in the schema so a
# client can check a password before sending it.
PASSWORD_PATTERN = _password_pattern()


class SignUpRequest(BaseModel):
    """Create an account; a confirmation code is sent to the address. The password needs 10
    characters or more, with a lower-case letter, an upper-case letter and a digit."""

    email: Address
    password: str = Field(min_length=10, max_length=256, pattern=PASSWORD_PATTERN)
    name: str = Field(default="", max_length=120)

    _norm = field_validator("email")(normalise_email)
    _policy = field_validator("password", mode="wrap")(
        _in_words(
            "invalid_password",
            "Use at least 10 characters, with a lower-case letter, an upper-case letter and a digit, "
            "and no space at the start or the end.",
        )
    )


class SignUpResponse(BaseModel):
    """The account exists and waits for its confirmation code."""

    email: str
    confirmed: bool


class ConfirmRequest(BaseModel):
    """Confirm an account with the code that was emailed."""

    email: Address
    code: str = Field(pattern=r"^\s*[0-9]{6}\s*$", description="The 6 digits from the email.")

    _norm = field_validator("email")(normalise_email)
    _digits = field_validator("code", mode="wrap")(
        _in_words("invalid_code", "Enter the 6 digits of the code from the email.")
    )


class ConfirmResponse(BaseModel):
    """The account is confirmed."""

    email: str
    confirmed: bool


class LoginRequest(BaseModel):
    """Log in with email and password."""

    email: Address
    password: str = Field(min_length=1, max_length=256)

    _norm = field_validator("email")(normalise_email)


class TokenResponse(BaseModel):
    """A fresh access token (the refresh token travels in an httpOnly cookie)."""

    access_token: str
    token_type: str = "Bearer"
    expires_in: int


@dataclass(frozen=True)
class Tokens:
    """What Cognito issued."""

    access_token: str
    expires_in: int
    refresh_token: str | None
