"""How AWS turns requests into billed units (pure arithmetic: no AWS, no clock, no I/O).

DynamoDB on-demand: a write request unit per started 1 KB of item, a read request unit per
started 4 KB (an eventually consistent read costs half), transactional reads and writes cost
double, and every global secondary index an item is written to costs its own writes. The item
size is the sum of its attribute names and values as DynamoDB counts them.
Lambda bills GB-seconds of configured memory times duration rounded up to the millisecond;
SQS a request per started 64 KB of payload; EventBridge an event per started 64 KB; HTTP APIs a
request per started 512 KB; WebSocket APIs a message per started 32 KB and every started minute
a socket is connected.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

KB = 1024
ITEM_OVERHEAD_BYTES = 100  # what DynamoDB adds to each stored item (and index copy) for storage
WRITE_UNIT_BYTES = 1 * KB
READ_UNIT_BYTES = 4 * KB
SQS_CHUNK_BYTES = 64 * KB
EVENTBRIDGE_CHUNK_BYTES = 64 * KB
HTTP_API_CHUNK_BYTES = 512 * KB
WEBSOCKET_CHUNK_BYTES = 32 * KB

# The billable quantities a meter counts and a price table prices (one name each).
METERS = (
    "dynamodb_write_units",
    "dynamodb_read_units",
    "lambda_requests",
    "lambda_gb_seconds",
    "sfn_transitions",
    "eventbridge_events",
    "sqs_requests",
    "sns_requests",
    "ses_messages",
    "s3_tier1_requests",
    "s3_tier2_requests",
    "apigw_http_requests",
    "apigw_ws_messages",
    "apigw_ws_connection_minutes",
)


def attribute_value_size(value: Any) -> int:
    """Bytes DynamoDB counts for one attribute value: its typed JSON form ({"S": "x"}, ...), or an
    object holding the same as `type` and `value` (an emulator's typed value, e.g. moto's), whose
    list and map elements are again either form."""
    kind, inner = next(iter(value.items())) if isinstance(value, Mapping) else (value.type, value.value)
    if kind == "S":
        return len(str(inner).encode("utf-8"))
    if kind == "N":
        return number_size(str(inner))
    if kind == "B":
        return len(_binary(inner))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(v).encode("utf-8")) for v in inner)
    if kind == "NS":
        return sum(number_size(str(v)) for v in inner)
    if kind == "BS":
        return sum(len(_binary(v)) for v in inner)
    if kind == "L":
        # 3 bytes of overhead, plus one per element.
        return 3 + sum(1 + attribute_value_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(str(k).encode("utf-8")) + attribute_value_size(v) for k, v in inner.items())
    raise ValueError(f"unknown DynamoDB attribute type {kind!r}")


@lru_cache(maxsize=4096)
def number_size(text: str) -> int:
    """A number's size: about one byte per two significant digits, plus one."""
    try:
        digits = Decimal(text).normalize().as_tuple().digits
    except InvalidOperation as exc:
        raise ValueError(f"not a DynamoDB number: {text!r}") from exc
    return math.ceil(len(digits) / 2) + 1


def _binary(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    return base64.b64decode(str(value))


def item_size(item: Mapping[str, Any]) -> int:
    """An item's size in bytes: every attribute's UTF-8 name plus its value (either form)."""
    return sum(len(name.encode("utf-8")) + attribute_value_size(value) for name, value in item.items())


def write_units(size: int, *, transactional: bool = False) -> int:
    """Write request units for one item write of `size` bytes (at least one)."""
    units = max(1, math.ceil(size / WRITE_UNIT_BYTES))
    return units * 2 if transactional else units


def read_units(size: int, *, consistent: bool, transactional: bool = False) -> float:
    """Read request units for reading `size` bytes at once (an item, or a Query page's total)."""
    units = float(max(1, math.ceil(size / READ_UNIT_BYTES)))
    if transactional:
        return units * 2
    return units if consistent else units / 2


def chunks(size: int, chunk: int) -> int:
    """Billed requests for a payload of `size` bytes counted per started `chunk` (at least one)."""
    return max(1, math.ceil(size / chunk))


def gb_seconds(memory_mb: int, seconds: float) -> float:
    """Lambda's GB-seconds: configured memory times duration rounded up to the millisecond."""
    milliseconds = math.ceil(seconds * 1000)
    return memory_mb / 1024 * milliseconds / 1000


def connection_minutes(seconds: float) -> int:
    """WebSocket connection minutes for a socket open `seconds` (each started minute, at least one)."""
    return max(1, math.ceil(seconds / 60))
