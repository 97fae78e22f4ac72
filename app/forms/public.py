"""Public sign-up pages (HTML, no login, no script): the hosted form and its POST, and the
confirmation link's page. They live under /api/public/ so CloudFront sends them to the API."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Path, Request
from starlette.responses import HTMLResponse

from app import secrets
from app.api.deps import ClientAddress, CorrelationId, StoreDep
from app.errors import InvalidInput
from app.forms import confirmation, pages, signup

FormId = Annotated[str, Path(min_length=1, max_length=64)]
Token = Annotated[str, Path(max_length=2048)]
MAX_BODY = 32 * 1024  # a sign-up is a few hundred bytes
MAX_FIELDS = 100

router = APIRouter(tags=["sign-up"])


async def _fields(request: Request) -> dict[str, list[str]] | None:
    """The form's fields (application/x-www-form-urlencoded); None when the body is too large."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return None
    try:
        return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:
        return None


@router.get("/api/public/subscribe/{form_id}", response_class=HTMLResponse)
async def form_page(form_id: FormId, request: Request, store: StoreDep) -> HTMLResponse:
    """The hosted sign-up form: an HTML page whose form POSTs to this same address."""
    return pages.respond(
        lambda: pages.form_page(
            signup.public_form(form_id, forms=store.forms, lists=store.lists), action=request.url.path
        )
    )


@router.post("/api/public/subscribe/{form_id}", response_class=HTMLResponse)
async def sign_up(
    form_id: FormId,
    request: Request,
    store: StoreDep,
    correlation_id: CorrelationId,
    client: ClientAddress,
) -> HTMLResponse:
    """A sign-up (`email`, `name`, `attributes.<key>`, `list` per chosen list): the same answer
    for every address; 422 shows the form again with what to fix, 429 says when to try again."""
    fields = await _fields(request)
    if fields is None:
        return pages.error_page(InvalidInput("The form sent too much data.", code="form_too_large"))
    submission = signup.Submission(fields=fields, ip=client)
    return pages.respond(
        lambda: pages.done_page(
            signup.submit(
                form_id,
                submission,
                kit=signup.SignupKit.of(store),
                correlation_id=correlation_id,
            )
        ),
        invalid=lambda exc: pages.form_page(
            signup.public_form(form_id, forms=store.forms, lists=store.lists),
            action=request.url.path,
            error=exc.message,
            values=fields,
        ),
    )


@router.get("/api/public/confirm/{token}", response_class=HTMLResponse)
async def confirmation_page(token: Token, request: Request, store: StoreDep) -> HTMLResponse:
    """The confirmation link: a page with a button (a link scanner's GET confirms nothing)."""
    return pages.respond(
        lambda: pages.confirm_page(
            confirmation.show(
                token, key=secrets.signing_key(), lists=store.lists, subscribers=store.subscribers
            ),
            action=request.url.path,
        )
    )


@router.post("/api/public/confirm/{token}", response_class=HTMLResponse)
async def confirm(token: Token, request: Request, store: StoreDep, client: ClientAddress) -> HTMLResponse:
    """Confirm the subscription (idempotent); the time and IP are recorded with it."""
    return pages.respond(
        lambda: pages.confirm_page(
            confirmation.confirm(
                token,
                key=secrets.signing_key(),
                ip=client,
                lists=store.lists,
                subscribers=store.subscribers,
                suppressions=store.suppressions,
            ),
            action=request.url.path,
        )
    )
