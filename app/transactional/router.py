"""/api/tx: send one transactional message, and see what became of the messages sent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response, status
from starlette.concurrency import run_in_threadpool

from app import aws
from app.api.deps import CorrelationId, CurrentUser, NewId, SettingsDep, StoreDep
from app.api.owned import OwnedRoutes
from app.transactional import service
from app.transactional.models import IDEMPOTENCY_KEY, TxMessage, TxSend

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=IDEMPOTENCY_KEY,
        description="Any unique string (a UUID): a retry with the same key and body sends nothing "
        "and answers the first message (200, `Idempotent-Replayed: true`); keys last 24 hours.",
    ),
]

router = APIRouter(tags=["transactional"])
# GET /api/tx/messages and /api/tx/messages/{message_id}: the lines `messages.*` below.
messages = OwnedRoutes(
    router, "/api/tx/messages/{message_id:message_id}", NewId, repo=lambda store: store.tx_messages
)


@router.post(
    "/api/tx",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": TxMessage, "description": "A retry: the message the key first sent"}},
)
async def send_message(
    body: TxSend,
    response: Response,
    user: CurrentUser,
    store: StoreDep,
    settings: SettingsDep,
    correlation_id: CorrelationId,
    idempotency_key: IdempotencyKey = None,
) -> TxMessage:
    """Send one message now, from a template (`template_id`) or inline content, with `data` for its
    merge tags. 409 `suppressed` (nothing sent) or `idempotency_key_reused` (the key was used for
    another body), 422 `template_error` or `message_rejected`, 429 `transactional_send_limit` or
    `send_rate_limited` with Retry-After."""
    sent = await run_in_threadpool(
        service.send_message,
        user.user_id,
        body,
        client_key=idempotency_key,
        templates_repo=store.templates,
        messages=store.tx_messages,
        suppressions=store.suppressions,
        budget=store.send_budget,
        ses=aws.sesv2(),
        settings=settings,
        correlation_id=correlation_id,
    )
    if sent.replayed:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    return sent.message


messages.listed(service.reads, "Your transactional messages, newest first (kept 30 days).")


messages.one(
    service.reads,
    "One message; its status follows SES's events (delivered, opened, clicked, bounced, complained).",
)
