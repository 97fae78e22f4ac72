"""Each worker, fed the event shape AWS gives it, against the emulated services."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from app.config import get_settings
from app.db import table
from localcloud.cloud import EmbeddedCloud
from tests.factories import (
    eventbridge_envelope,
    lambda_context,
    new_email,
    post_confirmation_event,
    stream_insert_event,
)
from tests.helpers import eventually, mail_to
from workers import on_table_change, on_user_confirmed, send_welcome_email


def test_post_confirmation_writes_the_profile_once(cloud: EmbeddedCloud) -> None:
    settings = get_settings()
    sub, email = str(uuid.uuid4()), new_email()
    event = post_confirmation_event(
        sub=sub,
        email=email,
        name="Ada",
        pool_id=settings.user_pool_id or "",
        client_id=settings.user_pool_client_id or "",
        correlation_id="corr-confirm",
    )

    assert on_user_confirmed.handler(event, lambda_context()) == event
    on_user_confirmed.handler(event, lambda_context())  # Cognito may retry the trigger

    item = table().get(f"USER#{sub}", "PROFILE")
    assert item is not None
    assert (item["email"], item["name"], item["correlation_id"], item["type"]) == (
        email,
        "Ada",
        "corr-confirm",
        "user",
    )


def test_stream_insert_of_a_profile_publishes_user_signed_up(cloud: EmbeddedCloud) -> None:
    user_id, email = str(uuid.uuid4()), new_email()
    image = {
        "PK": f"USER#{user_id}",
        "SK": "PROFILE",
        "type": "user",
        "user_id": user_id,
        "email": email,
        "name": "Ada",
        "created_at": "2026-11-22T00:00:00+00:00",
        "correlation_id": "corr-stream",
    }
    from app import aws

    stream_arn = aws.dynamodb().describe_table(TableName=get_settings().table_name)["Table"][
        "LatestStreamArn"
    ]

    result = on_table_change.handler(stream_insert_event(image, stream_arn=stream_arn), lambda_context())

    assert result == {"batchItemFailures": []}
    published = eventually(
        lambda: [
            e
            for e in cloud.console.recent_events()
            if e["detail-type"] == "UserSignedUp" and e["detail"]["user_id"] == user_id
        ]
    )
    assert published and published[0]["source"] == "herald.users"
    assert published[0]["detail"]["correlation_id"] == "corr-stream"


def test_only_the_stream_record_that_cannot_be_published_is_reported_as_failed(
    cloud: EmbeddedCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a batch where one change cannot be published and the other needs no event
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/s"
    failing = {"PK": "USER#x", "SK": "PROFILE", "type": "user", "user_id": "x", "email": "x@example.com"}
    harmless = {"PK": "IDEMPOTENCY#y", "SK": "y", "status": "COMPLETED"}
    event = stream_insert_event(failing, stream_arn=arn, sequence="4242")
    event["Records"] += stream_insert_event(harmless, stream_arn=arn, sequence="4243")["Records"]

    def refuse(*_: Any, **__: Any) -> None:
        raise RuntimeError("bus unavailable")

    monkeypatch.setattr(on_table_change, "publish", refuse)

    # When the worker runs, then only the failed record is retried
    result = on_table_change.handler(event, lambda_context())
    assert result == {"batchItemFailures": [{"itemIdentifier": "4242"}]}


def test_welcome_email_is_sent_once_even_when_the_event_is_redelivered(cloud: EmbeddedCloud) -> None:
    user_id, email = str(uuid.uuid4()), new_email()
    event = eventbridge_envelope(
        "UserSignedUp",
        "herald.users",
        {"user_id": user_id, "email": email, "name": "Ada <b>", "correlation_id": "corr-mail"},
        bus=get_settings().event_bus_name,
    )

    first = send_welcome_email.handler(event, lambda_context())
    second = send_welcome_email.handler(dict(event, id=str(uuid.uuid4())), lambda_context())

    assert first == second
    sent = mail_to(cloud, email)
    assert len(sent) == 1
    assert sent[0]["subject"] == "Welcome to Herald"
    assert "Ada &lt;b&gt;" in sent[0]["html"]  # the name is escaped in HTML
    assert "Ada <b>" in sent[0]["text"]


def test_welcome_event_without_an_email_fails_so_lambda_retries_it(cloud: EmbeddedCloud) -> None:
    event = eventbridge_envelope(
        "UserSignedUp", "herald.users", {"user_id": "u"}, bus=get_settings().event_bus_name
    )
    with pytest.raises(Exception, match="email"):
        send_welcome_email.handler(event, lambda_context())
