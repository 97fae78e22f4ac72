"""One campaign message through SES v2: headers for RFC 8058 one-click unsubscribe, tags, rate limit."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

# SES answers these when we go faster than the account may: the claim is released and the batch
# comes back from SQS. Anything else about one recipient fails that recipient only.
THROTTLED = frozenset(
    {"TooManyRequestsException", "Throttling", "ThrottlingException", "LimitExceededException"}
)
RECIPIENT_ERRORS = frozenset({"MessageRejected", "BadRequestException", "InvalidParameterValue"})


class TokenBucket:
    """At most `rate` acquisitions a second on average, bursts up to `burst` (thread-safe)."""

    def __init__(
        self,
        rate: float,
        *,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = max(rate, 0.001)
        self.burst = max(burst if burst is not None else self.rate, 1.0)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.burst
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, waiting for it if needed; returns how long it waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait


@dataclass(frozen=True)
class Message:
    """One rendered campaign message for one recipient."""

    to: str
    from_address: str
    reply_to: str | None
    subject: str
    html: str
    text: str
    one_click_url: str
    tags: dict[str, str]


def send(message: Message, *, ses: SESV2Client, configuration_set: str | None) -> str:
    """Hand one message to SES; returns its message id (ClientError propagates)."""
    body: dict[str, Any] = {}
    if message.text:
        body["Text"] = {"Data": message.text, "Charset": "UTF-8"}
    if message.html or not message.text:
        body["Html"] = {"Data": message.html, "Charset": "UTF-8"}
    kwargs: dict[str, Any] = {
        "FromEmailAddress": message.from_address,
        "Destination": {"ToAddresses": [message.to]},
        "Content": {
            "Simple": {
                "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                "Body": body,
                "Headers": [
                    {"Name": "List-Unsubscribe", "Value": f"<{message.one_click_url}>"},
                    {"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"},
                ],
            }
        },
        "EmailTags": [{"Name": name, "Value": value} for name, value in message.tags.items()],
    }
    if message.reply_to:
        kwargs["ReplyToAddresses"] = [message.reply_to]
    if configuration_set:
        kwargs["ConfigurationSetName"] = configuration_set
    response = ses.send_email(**kwargs)
    return str(response["MessageId"])
