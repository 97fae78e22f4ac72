"""DynamoDB stream consumer: table changes become domain events (the outbox pattern)."""

from __future__ import annotations

import json
from collections.abc import Sequence, Set
from functools import partial
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)

from app import aws, outbox
from app.config import get_settings
from app.contacts.service import purge_deleted_list
from app.events import DomainEvent, publish
from app.observability import bind_correlation_id, with_lambda_context
from app.push import push
from app.store import Store
from app.webhooks.service import worth_publishing

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext


def _publish(events: Sequence[DomainEvent], *, owners: dict[str, bool]) -> None:
    kept = worth_publishing(events, repo=Store.default().webhooks, owners=owners)
    if kept:
        publish(kept, client=aws.events(), bus_name=get_settings().event_bus_name)


def _push(message: outbox.Push) -> None:
    endpoint = get_settings().websocket_management_url
    if endpoint:  # unset: no WebSocket API to push through (pushes are best effort)
        api = aws.apigateway_management(endpoint)
        push(message.user_id, message.message, repo=Store.default().connections, api=api)


def _purge(target: outbox.Purge) -> None:
    purge_deleted_list(target.owner_id, target.list_id, repo=Store.default().subscribers)


def _last_change_per_item(records: Sequence[dict[str, Any]]) -> set[str]:
    last: dict[str, str] = {}
    for record in records:
        keys = (record.get("dynamodb") or {}).get("Keys") or {}
        last[json.dumps(keys, sort_keys=True)] = str(record.get("eventID", ""))
    return set(last.values())


def record_handler(record: DynamoDBRecord, *, latest: Set[str], owners: dict[str, bool]) -> None:
    """One change: events published, pushes and purges done, or the record reported as failed.

    `latest` holds the event ids of each item's last change in the batch (older progress is not pushed);
    `owners` whether each owner seen in the batch has webhook endpoints (activity is published only then).
    """
    stream = record.dynamodb
    change = outbox.TableChange(
        kind=record.event_name.name if record.event_name else "MODIFY",  # type: ignore[arg-type]
        old=stream.old_image if stream else None,
        new=stream.new_image if stream else None,
        latest=record.event_id in latest,
    )
    bind_correlation_id(change.correlation_id)
    outbox.react(change, publish=partial(_publish, owners=owners), push=_push, purge=_purge)


@with_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Partial batch response: only failed records are retried."""
    latest = _last_change_per_item(event.get("Records") or [])
    return process_partial_response(
        event=event,
        record_handler=partial(record_handler, latest=latest, owners={}),
        # A processor holds one invocation's records: one each, as the embedded cloud may run
        # invocations of a function side by side in one process.
        processor=BatchProcessor(event_type=EventType.DynamoDBStreams),
        context=context,
    )
