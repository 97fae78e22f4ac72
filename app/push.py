"""WebSocket push: connections in the table, messages through the API Gateway management API.

| access pattern                    | key                                              | operation          |
|-----------------------------------|--------------------------------------------------|--------------------|
| store a connection ($connect)     | PK=USER#<user>, SK=WS#<conn>, GSI1PK=WS#<conn>   | PutItem, ttl 2h10m |
| a user's connections (push)       | PK=USER#<user>, SK begins_with WS#               | Query              |
| whose connection is it (disconnect) | GSI1PK=WS#<conn>                               | Query GSI1         |
| forget a connection               | PK=USER#<user>, SK=WS#<conn>                     | DeleteItem         |
| close a user's sockets (log-out)  | PK=USER#<user>, SK begins_with WS#               | Query, DeleteItem  |

A message is one JSON object `{"type": ..., ...}`. `post_to_connection` answering GoneException
means the socket is closed: the connection item is deleted. The endpoint comes from the setting
`websocket_management_url`, so the same code talks to API Gateway and to the local bridge.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any, Protocol

from app.auth.principal import Principal
from app.auth.revocation import RevocationRepository
from app.auth.tokens import authorise
from app.aws import error_code
from app.config import Settings
from app.db import Repository
from app.errors import NotAuthenticated
from app.observability import logger

ENTITY = "ws_connection"
# API Gateway closes a WebSocket after two hours at most; the item outlives it a little.
CONNECTION_TTL_SECONDS = 2 * 3600 + 600


class ManagementApi(Protocol):
    """The part of the `apigatewaymanagementapi` client push uses (fakes implement it in tests)."""

    def post_to_connection(self, *, Data: bytes, ConnectionId: str) -> object:
        """Send bytes to one connection."""
        ...

    def delete_connection(self, *, ConnectionId: str) -> object:
        """Close one connection."""
        ...


def connection_key(user_id: str, connection_id: str) -> tuple[str, str]:
    """The key of a stored connection."""
    return f"USER#{user_id}", f"WS#{connection_id}"


class ConnectionRepository(Repository):
    """Open WebSocket connections in the single table."""

    def add(self, user_id: str, connection_id: str, *, now: float | None = None) -> None:
        """Remember a connection of a user (it expires on its own after API Gateway's maximum)."""
        stamp = time.time() if now is None else now
        pk, sk = connection_key(user_id, connection_id)
        self.table.put(
            {
                "PK": pk,
                "SK": sk,
                "GSI1PK": f"WS#{connection_id}",
                "GSI1SK": pk,
                "type": ENTITY,
                "user_id": user_id,
                "connection_id": connection_id,
                "connected_at": int(stamp),
                "ttl": int(stamp) + CONNECTION_TTL_SECONDS,
            }
        )

    def for_user(self, user_id: str, *, now: float | None = None) -> list[str]:
        """The user's connection ids (TTL deletion lags, so expired items are skipped here)."""
        stamp = time.time() if now is None else now
        pk, _ = connection_key(user_id, "")
        items = self.table.query_all("PK = :pk AND begins_with(SK, :ws)", {":pk": pk, ":ws": "WS#"})
        return [str(i["connection_id"]) for i in items if int(i.get("ttl", 0)) > stamp]

    def owner_of(self, connection_id: str) -> str | None:
        """The user a connection belongs to, if it is stored."""
        items, _ = self.table.query("GSI1PK = :pk", {":pk": f"WS#{connection_id}"}, index="GSI1", limit=1)
        return str(items[0]["user_id"]) if items else None

    def remove(self, user_id: str, connection_id: str) -> None:
        """Forget a connection (missing is fine)."""
        self.table.delete(*connection_key(user_id, connection_id))


def connect(
    token: str | None,
    connection_id: str,
    *,
    repo: ConnectionRepository,
    revocations: RevocationRepository,
    settings: Settings,
) -> Principal:
    """Authorise a new connection by its access token (valid, not revoked) and store it;
    NotAuthenticated otherwise."""
    if not token:
        raise NotAuthenticated("A token query parameter is required.", code="not_authenticated")
    user = authorise(token, settings=settings, revocations=revocations)
    repo.add(user.user_id, connection_id)
    logger.info("websocket connected", extra={"user_id": user.user_id, "connection_id": connection_id})
    return user


def disconnect(connection_id: str, *, repo: ConnectionRepository) -> bool:
    """Forget a closed connection; False when it was not stored (already gone or never authorised)."""
    user_id = repo.owner_of(connection_id)
    if user_id is None:
        return False
    repo.remove(user_id, connection_id)
    logger.info("websocket disconnected", extra={"user_id": user_id, "connection_id": connection_id})
    return True


def push(user_id: str, message: Mapping[str, Any], *, repo: ConnectionRepository, api: ManagementApi) -> int:
    """Send a JSON message to every connection of one user; returns how many took it.

    A closed connection (GoneException) is forgotten; any other failure is logged and skipped, so
    one bad socket never stops the others (pushes are best effort: the API has the truth).
    """
    data = json.dumps(message, separators=(",", ":"), default=str).encode()
    delivered = 0
    for connection_id in repo.for_user(user_id):
        try:
            api.post_to_connection(Data=data, ConnectionId=connection_id)
        except Exception as exc:
            code = error_code(exc)
            if code == "GoneException":
                repo.remove(user_id, connection_id)
                logger.info("websocket gone; forgotten", extra={"connection_id": connection_id})
            else:
                logger.warning(
                    "push failed", extra={"connection_id": connection_id, "error": code or type(exc).__name__}
                )
            continue
        delivered += 1
    return delivered


def close_all(user_id: str, *, repo: ConnectionRepository, api: ManagementApi) -> int:
    """Close every socket of a user (log-out) and forget them; returns how many were open.

    API Gateway then runs `$disconnect`, which finds nothing left to forget. A socket already gone
    counts for nothing; any other failure is logged and the item kept (it expires with its TTL).
    """
    closed = 0
    for connection_id in repo.for_user(user_id):
        try:
            api.delete_connection(ConnectionId=connection_id)
        except Exception as exc:
            code = error_code(exc)
            if code != "GoneException":
                error = code or type(exc).__name__
                logger.warning("socket not closed", extra={"connection_id": connection_id, "error": error})
                continue
        else:
            closed += 1
        repo.remove(user_id, connection_id)
    return closed


def reply(body: str | None) -> dict[str, Any]:
    """The answer to a message a client sent (`$default` route): `ping` gets `pong`."""
    try:
        message = json.loads(body or "")
    except ValueError:
        message = None
    action = message.get("action") if isinstance(message, dict) else None
    if action == "ping":
        return {"type": "pong", "at": int(time.time() * 1000)}
    return {
        "type": "error",
        "code": "unknown_action",
        "message": 'Send {"action": "ping"}; nothing else is understood.',
    }
