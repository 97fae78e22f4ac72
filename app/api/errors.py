"""Domain exceptions and validation failures become typed JSON errors, in this one place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import errors
from app.observability import logger

STATUS: dict[type[errors.DomainError], int] = {
    errors.InvalidInput: 422,
    errors.NotAuthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.TooManyRequests: 429,
    errors.UpstreamUnavailable: 503,
}


class ErrorBody(BaseModel):
    """What went wrong, for a program (`code`) and for a person (`message`)."""

    code: str
    message: str
    details: list[Any] | None = None


class ErrorResponse(BaseModel):
    """Every error Herald's API returns has this shape."""

    error: ErrorBody


def error_response(
    status: int,
    code: str,
    message: str,
    details: list[Any] | None = None,
    *,
    retry_after: int | None = None,
) -> JSONResponse:
    """A JSON error in Herald's shape (a 429 says when to try again)."""
    body = ErrorResponse(error=ErrorBody(code=code, message=message, details=details))
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return JSONResponse(body.model_dump(), status_code=status, headers=headers or None)


def status_for(exc: errors.DomainError) -> int:
    """The HTTP status that fits a domain error (most specific class wins)."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.DomainError)
    retry_after = exc.retry_after if isinstance(exc, errors.TooManyRequests) else None
    return error_response(status_for(exc), exc.code, exc.message, exc.details, retry_after=retry_after)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]
    return error_response(422, "validation_error", "The request is not valid.", details)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, str(exc.detail))


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", extra={"error_type": type(exc).__name__})
    return error_response(500, "internal_error", "Something went wrong on our side.")


def install(app: FastAPI) -> None:
    """Register the handlers on an app."""
    app.add_exception_handler(errors.DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


def document(app: FastAPI, *, before: Callable[[], None] | None = None) -> None:
    """Add Herald's error shape to every operation of the OpenAPI schema, when it is first built.

    Done here rather than with `responses=` on each route: FastAPI builds a validator per
    declared response at import time, which a Lambda cold start would pay for.
    """
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        if before is not None:
            before()  # e.g. include the routers that are otherwise loaded on first use
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(
            ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}").pop("$defs")
        )
        components["ErrorResponse"] = ErrorResponse.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        reference = {
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
        }
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                statuses = ["422", "500"] if path == "/api/health" else list(_DOCUMENTED)
                for status in statuses:
                    description = _DOCUMENTED.get(status, "Error")
                    responses[status] = {"description": description, **reference}
        for unused in ("HTTPValidationError", "ValidationError"):  # 422s use ErrorResponse too
            components.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


_DOCUMENTED = {
    "400": "Bad request",
    "401": "Not authenticated",
    "403": "Forbidden",
    "404": "Not found",
    "409": "Conflict",
    "422": "Invalid input",
    "429": "Too many requests",
    "500": "Internal error",
    "503": "A dependency is unavailable",
}
