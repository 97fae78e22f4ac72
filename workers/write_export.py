"""EventBridge `ExportRequested` -> the CSV written to S3 and the export marked ready (safe to redeliver)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.parser import envelopes, event_parser

from app import aws
from app.config import get_settings
from app.events import ExportRequested
from app.exports import service
from app.exports.sources import Sources
from app.exports.storage import S3Exports
from app.observability import bind_correlation_id, with_lambda_context
from app.store import Store

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@with_lambda_context
@event_parser(model=ExportRequested, envelope=envelopes.EventBridgeEnvelope)
def handler(event: ExportRequested, context: LambdaContext) -> dict[str, Any]:
    """An unexpected exception makes Lambda retry (the retry takes the export over), then park the event."""
    bind_correlation_id(event.correlation_id)
    export = service.run_export(
        event.owner_id,
        event.export_id,
        sources=Sources.of(Store.default()),
        files=S3Exports(aws.s3(), get_settings().imports_bucket),
        time_left=lambda: context.get_remaining_time_in_millis() / 1000,
    )
    return {"export_id": event.export_id, "status": export.status if export else "unchanged"}
