"""Send queue consumer: each recipient of a batch is mailed at most once (partial batch failures)."""

from __future__ import annotations

from functools import cache, partial
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from app import aws, secrets
from app.config import get_settings
from app.delivery import send
from app.delivery.models import SendBatch
from app.delivery.queue import SqsBatchQueue, StepFunctionsResumer
from app.delivery.sender import TokenBucket
from app.observability import with_lambda_context
from app.store import Store

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext


@cache
def limiter() -> TokenBucket:
    """This instance's share of the account's sending rate, less the share kept for test copies and
    welcome mail (app/mail.py); kept while the instance is warm."""
    settings = get_settings()
    campaigns_rate = max(settings.send_rate_per_second - settings.transactional_rate_per_second, 1.0)
    return TokenBucket(campaigns_rate / max(settings.send_max_concurrency, 1))


def record_handler(record: SQSRecord, *, kit: send.SenderKit) -> str:
    """One batch; an exception (throttling) makes SQS redeliver just this message, up to its last try."""
    receives = int(record.attributes.approximate_receive_count)
    attempt = f"{record.message_id}:{receives}"
    batch = SendBatch.model_validate_json(record.body)
    return send.send_batch(batch, attempt, kit=kit, last_try=receives >= send.LAST_RECEIVE)


@with_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Partial batch response: only the batches that stopped come back."""
    settings = get_settings()
    if not settings.send_queue_url:
        raise RuntimeError("SEND_QUEUE_URL is not set")
    store = Store.default()
    kit = send.SenderKit(  # templates are compiled once per invocation
        campaigns=store.campaigns,
        recipients=store.recipients,
        batches=store.batches,
        queue=SqsBatchQueue(aws.sqs(), settings.send_queue_url),
        ses=aws.campaign_ses(),
        resumer=StepFunctionsResumer(aws.stepfunctions()),
        settings=settings,
        limiter=limiter(),
        signing_key=secrets.signing_key,
        time_left=lambda: context.get_remaining_time_in_millis() / 1000,
    )
    return process_partial_response(
        event=event,
        record_handler=partial(record_handler, kit=kit),
        processor=BatchProcessor(event_type=EventType.SQS),  # one per invocation (see on_delivery_event)
        context=context,
    )
