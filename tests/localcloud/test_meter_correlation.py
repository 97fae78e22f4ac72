"""Which correlation id the meter bills a call to, and that an invocation's event is read once."""

from __future__ import annotations

import json
from typing import Any

import pytest

from localcloud.calls import Call
from localcloud.functions import CURRENT_INVOCATION, Invocation, LocalFunction
from localcloud.meter import Meter
from localcloud.replay import _correlation_of as walk

SENDER = LocalFunction(
    logical_id="Sender", name="sender", arn="arn:aws:lambda:::function:sender", handler="x.h"
)


def _call(params: dict[str, Any]) -> Call:
    return Call("dynamodb", "UpdateItem", params, SENDER, False, "in-process")


def test_an_event_without_a_correlation_id_is_read_once_per_invocation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given an invocation whose event (ten SQS bodies) carries no correlation id
    reads: list[Any] = []

    def counting(value: Any, depth: int = 0) -> str | None:
        if depth == 0 and isinstance(value, dict) and "Records" in value:
            reads.append(value)
        return walk(value, depth)

    monkeypatch.setattr("localcloud.meter._correlation_of", counting)
    event = {"Records": [{"body": json.dumps({"batch": n, "correlation_id": None})} for n in range(10)]}
    metering = Meter(account_id="123456789012", region="us-east-1")
    token = CURRENT_INVOCATION.set(Invocation(id="inv-1", function=SENDER, event=event))
    try:
        # When its handler makes calls without one, then one with, then without again
        first = [metering._correlation(_call({"Key": {"PK": {"S": "A"}}})) for _ in range(3)]
        named = metering._correlation(_call({"Item": {"correlation_id": {"S": "corr-1"}}}))
        after = metering._correlation(_call({"Key": {"PK": {"S": "B"}}}))
    finally:
        CURRENT_INVOCATION.reset(token)

    # Then the calls are billed as before (none, then the first id a call carried, kept for the
    # rest of the invocation), and the event was walked once, not at every call
    assert first == [None, None, None]
    assert (named, after) == ("corr-1", "corr-1")
    assert len(reads) == 1


@pytest.mark.parametrize(
    ("payload", "found"),
    [
        ({"correlation_id": "plain"}, "plain"),  # a mapping of the key alone
        ({"Item": {"correlation_id": {"S": "typed"}, "n": {"N": "1"}}}, "typed"),
        ({"Item": {"body": {"S": json.dumps({"correlation_id": "in-json"})}}}, "in-json"),
        ({"NewImage": {"meta": {"M": {"correlation_id": {"S": "nested"}}}}}, "nested"),
        (
            {
                "Records": [
                    {"dynamodb": {"NewImage": {"a": {"S": "x"}}}},
                    {"body": '{"correlation_id": "2nd"}'},
                ]
            },
            "2nd",
        ),
        ({"Item": {"a": {"S": "correlation_id"}, "b": {"N": "1"}, "c": {"L": [{"S": "x"}]}}}, None),
        ({"Item": {"correlation_id": {"S": ""}}}, None),
    ],
)
def test_a_correlation_id_is_found_wherever_a_payload_holds_one(payload: Any, found: str | None) -> None:
    # Given a payload that holds an id (or none) as a key, a typed value, JSON text or deeper
    # Then the walk finds the first one, passing over attribute values that cannot hold one
    assert walk(payload) == found
