"""Fault switches: SES throttles or rejects, DynamoDB throttles, a named function fails N times.

The AWS switches are an observer on the dispatcher's seam (`localcloud.calls`): a matching call
from the app or a function gets the error AWS would send (`aws_error`), so boto3 retries or raises
exactly as it would against AWS; the cloud's own requests (its pollers) are never refused. The
function switch is asked by the invoker before each invocation: the handler does not run, and the
invocation fails as a handler exception would (Lambda's error payload, retries, DLQs).
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any, Literal

from localcloud.calls import Call, aws_error
from localcloud.functions import LocalFunction
from localcloud.patches.dynamodb import ITEM_OPERATIONS
from localcloud.server import WsgiResponse

SesMode = Literal["off", "throttle", "reject"]
DynamoDBMode = Literal["off", "throttle"]

SES_SENDS = frozenset(
    {"SendEmail", "SendRawEmail", "SendTemplatedEmail", "SendBulkEmail", "SendBulkTemplatedEmail"}
)


class InjectedFailure(Exception):
    """What a function raises when its fault switch says it fails this invocation."""


@dataclass
class Switch:
    """One AWS fault: what it does, to what share of the matching calls, how many more times."""

    mode: str = "off"
    rate: float = 1.0  # the share of matching calls refused, in (0, 1]
    remaining: int | None = None  # refuse this many more, then switch off (None: until switched off)


class Faults:
    """Every fault switch of one cloud (thread-safe; the console and tests flip them)."""

    def __init__(self, *, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self._ses = Switch()
        self._dynamodb = Switch()
        self._functions: dict[str, int] = {}
        self._injected: Counter[str] = Counter()

    # ------------------------------------------------------------------ switching

    def set_ses(self, mode: SesMode, *, rate: float = 1.0, count: int | None = None) -> None:
        """SES sends are throttled (`TooManyRequestsException`) or rejected (`MessageRejected`)."""
        with self._lock:
            self._ses = _switch(mode, rate, count)

    def set_dynamodb(self, mode: DynamoDBMode, *, rate: float = 1.0, count: int | None = None) -> None:
        """DynamoDB item operations are throttled (`ProvisionedThroughputExceededException`)."""
        with self._lock:
            self._dynamodb = _switch(mode, rate, count)

    def fail_function(self, logical_id: str, times: int) -> None:
        """The function fails its next `times` invocations (0 clears it)."""
        if times < 0:
            raise ValueError("times must be 0 or more")
        with self._lock:
            if times:
                self._functions[logical_id] = times
            else:
                self._functions.pop(logical_id, None)

    def clear(self) -> None:
        """Every switch off (what was injected so far stays counted)."""
        with self._lock:
            self._ses, self._dynamodb, self._functions = Switch(), Switch(), {}

    def describe(self) -> dict[str, Any]:
        """The switches and how many faults each injected, for the console."""
        with self._lock:
            return {
                "ses": asdict(self._ses),
                "dynamodb": asdict(self._dynamodb),
                "functions": dict(self._functions),
                "injected": dict(self._injected),
            }

    # ------------------------------------------------------------------ the seam

    def before(self, call: Call) -> WsgiResponse | None:
        """AWS's error for a call a switch refuses; None lets it through."""
        if call.internal:
            return None
        if call.service in ("sesv2", "ses") and call.operation in SES_SENDS:
            mode = self._take("ses")
            if mode == "throttle":
                if call.service == "ses":
                    return aws_error(call, 400, "Throttling", "Maximum sending rate exceeded.")
                return aws_error(call, 429, "TooManyRequestsException", "Maximum sending rate exceeded.")
            if mode == "reject":
                return aws_error(call, 400, "MessageRejected", "Rejected by the local SES fault switch.")
        elif call.service == "dynamodb" and call.operation in ITEM_OPERATIONS and self._take("dynamodb"):
            return aws_error(
                call,
                400,
                "ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded. "
                "Consider increasing your provisioning level with the UpdateTable API.",
            )
        return None

    def after(self, call: Call, response: WsgiResponse) -> None:
        """Nothing to do once answered."""
        del call, response

    def _take(self, name: Literal["ses", "dynamodb"]) -> str | None:
        """The switch's mode when it refuses this call (counting it), else None."""
        with self._lock:
            switch = self._ses if name == "ses" else self._dynamodb
            mode = switch.mode
            if mode == "off" or self._random.random() >= switch.rate:
                return None
            if switch.remaining is not None:
                switch.remaining -= 1
                if switch.remaining <= 0:
                    switch.mode, switch.remaining = "off", None
            self._injected[name] += 1
            return mode

    # ------------------------------------------------------------------ the invoker

    def check_invocation(self, function: LocalFunction) -> None:
        """Raise InjectedFailure when this invocation of `function` is to fail."""
        with self._lock:
            left = self._functions.get(function.logical_id, 0)
            if not left:
                return
            if left == 1:
                del self._functions[function.logical_id]
            else:
                self._functions[function.logical_id] = left - 1
            self._injected[f"function:{function.logical_id}"] += 1
        raise InjectedFailure(
            f"{function.logical_id} failed by the local fault switch ({left - 1} more to fail)"
        )


def _switch(mode: str, rate: float, count: int | None) -> Switch:
    if not 0 < rate <= 1:
        raise ValueError("rate must be more than 0 and at most 1")
    if count is not None and count < 1:
        raise ValueError("count must be 1 or more (or absent: until switched off)")
    return Switch(mode=mode, rate=rate, remaining=None if mode == "off" else count)
