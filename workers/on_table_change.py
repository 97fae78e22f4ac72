"""DynamoDB stream consumer: table changes become domain events (the outbox pattern)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)

from app import aws, outbox
from app.config import get_settings
from app.events import DomainEvent, publish
from app.observability import bind_correlation_id, logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def _publish(events: Sequence[DomainEvent]) -> None:
    publish(events, client=aws.events(), bus_name=get_settings().event_bus_name)


def record_handler(record: DynamoDBRecord) -> None:
    """One change: its events are published, or the record is reported as failed."""
    stream = record.dynamodb
    change = outbox.TableChange(
        kind=record.event_name.name if record.event_name else "MODIFY",  # type: ignore[arg-type]
        old=stream.old_image if stream else None,
        new=stream.new_image if stream else None,
    )
    bind_correlation_id(change.correlation_id)
    outbox.react(change, publish=_publish)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Partial batch response: only failed records are retried."""
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
