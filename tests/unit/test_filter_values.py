"""Attribute values as segment filters store them: every number DynamoDB can hold stays a number,
anything beyond its range is kept as text instead of failing the write."""

from __future__ import annotations

from decimal import Decimal

import pytest
from boto3.dynamodb.types import TypeSerializer

from app.contacts.attributes import filter_map


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (42, Decimal(42)),
        (2.5, Decimal("2.5")),
        (" 7 ", Decimal(7)),
        (10**200, str(10**200)),
        (1e-200, "1e-200"),
        (1e300, "1e+300"),
        (0.0, Decimal(0)),
        ("Gold", "gold"),
        (True, True),
    ],
)
def test_a_value_is_stored_as_a_number_only_when_dynamodb_can_hold_it(value: object, stored: object) -> None:
    # Given an attribute value, when it becomes the filter map, then it is what the test expects
    attrs = filter_map({"k": value})
    assert attrs == {"k": stored}
    # and boto3's serializer (DynamoDB's number context) accepts it
    TypeSerializer().serialize(attrs)
