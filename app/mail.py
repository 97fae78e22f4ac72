"""Sending mail through SES v2 with Herald's configuration set, within the account's sending rate.

All of Herald's mail shares one SES identity and one account rate. Campaign senders take the rate
less `transactional_rate_per_second` (each sender instance its share: workers/send_campaign_batch.py);
mail outside campaigns takes that share, split evenly between its kinds (test copies and the
transactional API, which people wait for, and the welcome mail, which can wait), so a burst of
sign-ups never holds up a test copy, nor one tenant's transactional burst a test copy. Each share is
counted in the table, so every instance of every function draws on the same count, and each account
may send `test_sends_per_hour` test copies and `transactional_sends_per_hour` transactional messages.

Both counts are app/ratelimit.py's fixed windows (one conditional ADD each): a 1-second window
per kind, with the account as its one subject, and a 1-hour window per tenant.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from app.db import Table
from app.errors import TooManyRequests
from app.ratelimit import Limit, RateLimitRepository

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

    from app.config import Settings


MailKind = Literal["test", "welcome", "transactional"]
KINDS = 3  # the kinds of mail outside campaigns, sharing transactional_rate_per_second evenly


@dataclass(frozen=True)
class HourlyAllowance:
    """Messages of one kind an account may send an hour: its count's name, the setting, the 429's code."""

    name: str
    per_hour: Callable[[Settings], int]
    code: str
    noun: str


TEST_COPIES = HourlyAllowance("test-sends", lambda s: s.test_sends_per_hour, "test_send_limit", "test copies")
TRANSACTIONAL_MESSAGES = HourlyAllowance(
    "tx-sends", lambda s: s.transactional_sends_per_hour, "transactional_send_limit", "transactional messages"
)


class SendBudget:
    """Counts of mail sent outside campaigns: per second for the account, per hour per tenant."""

    def __init__(self, table: Table, *, clock: Callable[[], float] = time.time) -> None:
        self.table = table
        self.limits = RateLimitRepository(table)
        self.clock = clock

    def take_second(
        self,
        kind: MailKind,
        *,
        settings: Settings,
        wait: int = 0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """One message of `kind` within its share of the SES rate, waiting up to `wait` seconds
        for it; TooManyRequests (retry after 1 s) when the share stays used up."""
        share = Limit(f"ses-{kind}", max(settings.transactional_rate_per_second // KINDS, 1), 1)
        for waited in range(wait + 1):
            if self.limits.hit(share, "account", now=self.clock()) is None:
                return
            if waited < wait:
                sleep(1.0)
        raise TooManyRequests(
            "Herald is sending as fast as its mail service allows; try again in a second.",
            retry_after=1,
            code="send_rate_limited",
        )

    def take_test(self, owner_id: str, *, settings: Settings) -> None:
        """One of the account's test copies this hour; TooManyRequests until the hour ends when
        they are used up."""
        self._take_hourly(TEST_COPIES, owner_id, settings=settings)

    def take_transactional(self, owner_id: str, *, settings: Settings) -> None:
        """One of the account's transactional messages this hour; TooManyRequests until the hour
        ends when they are used up."""
        self._take_hourly(TRANSACTIONAL_MESSAGES, owner_id, settings=settings)

    def _take_hourly(self, allowance: HourlyAllowance, owner_id: str, *, settings: Settings) -> None:
        most = allowance.per_hour(settings)
        retry_after = self.limits.hit(Limit(allowance.name, most, 3600), owner_id, now=self.clock())
        if retry_after is not None:
            raise TooManyRequests(
                f"You sent {most} {allowance.noun} this hour, the most an account may.",
                retry_after=retry_after,
                code=allowance.code,
            )


def send_email(
    *,
    to: str,
    subject: str,
    text: str,
    html: str,
    ses: SESV2Client,
    settings: Settings,
    from_name: str = "Herald",
    from_address: str | None = None,
    reply_to: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> str:
    """Send one message (an empty body part is left out; `from_address` is a whole From header);
    returns SES's message id."""
    body: dict[str, Any] = {}
    if text:
        body["Text"] = {"Data": text, "Charset": "UTF-8"}
    if html or not text:
        body["Html"] = {"Data": html, "Charset": "UTF-8"}
    kwargs: dict[str, Any] = {
        "FromEmailAddress": from_address or f"{from_name} <{settings.sender_email}>",
        "Destination": {"ToAddresses": [to]},
        "Content": {
            "Simple": {
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": body,
            }
        },
    }
    if reply_to:
        kwargs["ReplyToAddresses"] = [reply_to]
    if tags:
        kwargs["EmailTags"] = [{"Name": name, "Value": value} for name, value in tags.items()]
    if settings.ses_configuration_set:
        kwargs["ConfigurationSetName"] = settings.ses_configuration_set
    response = ses.send_email(**kwargs)
    return str(response["MessageId"])
