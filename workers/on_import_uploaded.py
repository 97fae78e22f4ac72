"""S3 `ObjectCreated` under imports/ -> the CSV is imported into its list (safe to redeliver)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event, event_source

from app import aws
from app.config import get_settings
from app.imports import processing
from app.imports.models import Upload
from app.imports.storage import S3Uploads
from app.observability import with_lambda_context
from app.store import Store

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@with_lambda_context
@event_source(data_class=S3Event)
def handler(event: S3Event, context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001
    """An exception makes Lambda retry the event (then park it in the DLQ); retries resume."""
    settings = get_settings()
    store = Store.default()
    outcomes = []
    for record in event.records:
        if not record.event_name.startswith("ObjectCreated"):
            continue
        s3_object = record.s3.get_object
        upload = Upload(
            bucket=record.s3.bucket.name,
            key=unquote_plus(s3_object.key),  # S3 form-encodes keys in events
            size=s3_object.size,
            etag=s3_object.etag,
        )
        job = processing.process_upload(
            upload,
            repo=store.imports,
            lists=store.lists,
            subscribers=store.subscribers,
            uploads=S3Uploads(aws.s3(), upload.bucket),
            max_bytes=settings.import_max_bytes,
        )
        outcomes.append({"key": upload.key, "status": job.status if job else "ignored"})
    return {"imports": outcomes}
