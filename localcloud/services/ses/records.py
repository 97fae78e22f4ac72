"""What every SES event record shares: the sent mail it is about, its `mail` object, its publishing."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from localcloud.server import StateLock


def timestamp(at: dt.datetime | None = None) -> str:
    """SES's timestamps: ISO 8601 in UTC with milliseconds (`2017-08-05T00:41:02.669Z`); now by default."""
    return (at or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(frozen=True)
class SentMail:
    """What the event needs to know about one message SES accepted."""

    message_id: str
    source: str
    destinations: list[str]
    subject: str
    tags: Mapping[str, str]
    configuration_set: str | None
    sent_at: dt.datetime | None = None


def mail_object(mail: SentMail, account_id: str) -> dict[str, Any]:
    """The `mail` object every SES event record carries (tags as lists, SES's own tags added)."""
    tags: dict[str, list[str]] = {name: [value] for name, value in mail.tags.items()}
    if mail.configuration_set:
        tags["ses:configuration-set"] = [mail.configuration_set]
    tags["ses:from-domain"] = [mail.source.rpartition("@")[2].rstrip(">")]
    return {
        "timestamp": timestamp(mail.sent_at),
        "source": mail.source,
        "sendingAccountId": account_id,
        "messageId": mail.message_id,
        "destination": list(mail.destinations),
        "headersTruncated": False,
        "commonHeaders": {"from": [mail.source], "to": list(mail.destinations), "subject": mail.subject},
        "tags": tags,
    }


def publish(
    events: list[dict[str, Any]], *, topic_arn: str, account_id: str, region: str, state_lock: StateLock
) -> int:
    """Put SES events on a topic, each its own SNS message as SES publishes them; how many.

    Straight into moto's SNS, which delivers to the topic's subscriptions as for any publish:
    SES's publishing is AWS's own, not an API call anyone makes, so it skips the SDK round. The
    caller wakes the pollers of the topic's queues (`Write("sns")`).
    """
    from moto.sns.models import sns_backends

    with state_lock.shared():
        backend = sns_backends[account_id][region]
        for event in events:
            backend.publish(message=json.dumps(event), arn=topic_arn)
    return len(events)
