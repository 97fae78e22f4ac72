"""Requests and responses of the auth routes."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, EmailStr, Field, field_validator


def normalise_email(value: str) -> str:
    """Emails are compared trimmed and lower-cased."""
    return value.strip().lower()


class SignUpRequest(BaseModel):
    """Create an account; a confirmation code is sent to the address."""

    email: EmailStr
    password: str = Field(min_length=10, max_length=256)
    name: str = Field(default="", max_length=120)

    _norm = field_validator("email")(normalise_email)


class SignUpResponse(BaseModel):
    """The account exists and waits for its confirmation code."""

    email: str
    confirmed: bool


class ConfirmRequest(BaseModel):
    """Confirm an account with the code that was emailed."""

    email: EmailStr
    code: str = Field(min_length=1, max_length=16)

    _norm = field_validator("email")(normalise_email)


class ConfirmResponse(BaseModel):
    """The account is confirmed."""

    email: str
    confirmed: bool


class LoginRequest(BaseModel):
    """Log in with email and password."""

    email: EmailStr
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
