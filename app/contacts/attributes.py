"""Subscriber attributes as segment filters read them: the `attrs` map, and a compiled filter.

`attrs` holds a subscriber's attributes once more, normalised so one comparison fits every value:
numbers and numeric text as numbers, other text lower-cased (app/segments/rules.py compiles a
segment's rule to a Filter over it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any


@dataclass(frozen=True)
class Filter:
    """A FilterExpression with its placeholders (segments compile their rules to one)."""

    expression: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Any] = field(default_factory=dict)


_NUMERIC_TEXT = re.compile(r"-?\d{1,30}(\.\d{1,30})?")


def filter_value(value: Any) -> Any:
    """An attribute value as segment filters compare it: numbers (and numeric text) as numbers,
    other text lower-cased, lists element by element, anything nested as lower-cased JSON text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return _number(str(value))
    if isinstance(value, str):
        text = value.strip()
        number = _number(text) if _NUMERIC_TEXT.fullmatch(text) else None
        return number if number is not None else text.lower()
    if isinstance(value, list):
        return [filter_value(v) if not isinstance(v, list | dict) else _nested(v) for v in value]
    return _nested(value)


def _number(text: str) -> Decimal | str:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text.lower()
    # What a DynamoDB number holds (38 digits, magnitude 1E-130 to 1E+126); beyond it, text.
    fits = number.is_finite() and len(number.as_tuple().digits) <= 38 and -130 <= number.adjusted() <= 125
    if number.is_zero():
        return Decimal(0)
    return number if fits else text.lower()


def _nested(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True).lower()


def filter_map(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """The `attrs` map stored beside the attributes (what segment filters read)."""
    return {key: filter_value(value) for key, value in attributes.items()}
