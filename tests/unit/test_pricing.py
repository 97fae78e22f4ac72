"""Billing arithmetic (DynamoDB sizes and units, Lambda GB-seconds, chunks) and the monthly model."""

from __future__ import annotations

from typing import Any

import pytest

from localcloud.meter import transitions
from pricing import units
from pricing.model import GROWTH, MODEL, PRICES, Workload, estimate, load, monthly_units


def test_an_item_is_sized_as_dynamodb_counts_it() -> None:
    # Given an item with a string, a number, a boolean, a list and a map
    item: dict[str, dict[str, Any]] = {
        "PK": {"S": "LIST#a"},  # 2 + 6
        "n": {"N": "12345"},  # 1 + (3 + 1)
        "ok": {"BOOL": True},  # 2 + 1
        "l": {"L": [{"S": "ab"}, {"NULL": True}]},  # 1 + 3 + (1 + 2) + (1 + 1)
        "m": {"M": {"k": {"S": "v"}}},  # 1 + 3 + 1 + 1 + 1
    }
    # Then its size is the sum of names and values
    assert units.item_size(item) == 8 + 5 + 3 + 9 + 7
    assert units.attribute_value_size({"S": "é"}) == 2  # UTF-8 bytes
    assert units.number_size("-0.00100") == 2  # one significant digit


def test_an_emulator_typed_item_is_sized_as_its_json() -> None:
    # Given an item of every type, as DynamoDB JSON and as moto holds it (typed values)
    from moto.dynamodb.models.dynamo_type import Item

    item: dict[str, dict[str, Any]] = {
        "PK": {"S": "LIST#é"},
        "n": {"N": "-12.500"},
        "b": {"B": "aGVsbG8="},
        "ok": {"BOOL": False},
        "nothing": {"NULL": True},
        "ss": {"SS": ["a", "bc"]},
        "ns": {"NS": ["1", "22.0"]},
        "bs": {"BS": ["aGk="]},
        "l": {"L": [{"S": "ab"}, {"M": {"k": {"N": "7"}}}]},
        "m": {"M": {"k": {"L": [{"BOOL": True}]}, "s": {"S": "v"}}},
    }
    typed = Item(None, None, item).attrs  # type: ignore[arg-type]

    # Then both forms measure the same, value by value and whole
    assert {name: units.attribute_value_size(value) for name, value in typed.items()} == {
        name: units.attribute_value_size(value) for name, value in item.items()
    }
    assert units.item_size(typed) == units.item_size(item) > 0


def test_on_demand_units_round_up_per_kb_and_per_4_kb() -> None:
    assert units.write_units(1) == 1 and units.write_units(1024) == 1 and units.write_units(1025) == 2
    assert units.write_units(1500, transactional=True) == 4
    assert units.read_units(4096, consistent=True) == 1 and units.read_units(4097, consistent=True) == 2
    assert units.read_units(100, consistent=False) == 0.5
    assert units.read_units(100, consistent=True, transactional=True) == 2


def test_lambda_gb_seconds_round_up_to_the_millisecond_and_chunks_to_the_size() -> None:
    assert units.gb_seconds(1024, 0.0001) == pytest.approx(0.001)
    assert units.gb_seconds(512, 1.0) == pytest.approx(0.5)
    assert units.chunks(0, units.SQS_CHUNK_BYTES) == 1
    assert units.chunks(64 * 1024 + 1, units.SQS_CHUNK_BYTES) == 2


def test_state_transitions_count_each_state_entered_and_each_retry() -> None:
    history = [
        {"type": "ExecutionStarted"},
        {"type": "TaskStateEntered"},
        {"type": "TaskScheduled"},
        {"type": "TaskFailed"},
        {"type": "TaskScheduled"},  # a retry of the same state
        {"type": "TaskSucceeded"},
        {"type": "TaskStateExited"},
        {"type": "ChoiceStateEntered"},
        {"type": "SucceedStateEntered"},
    ]
    assert transitions(history) == 4


def test_the_model_scales_with_the_workload_and_keeps_ses_apart() -> None:
    # Given the calibrated coefficients and the price table
    prices, model = load(PRICES), load(MODEL)
    # When a month of 100,000 subscribers and 4 campaigns is priced
    small = estimate(Workload(100_000, 4), prices, model)
    large = estimate(Workload(200_000, 4, 0.3), prices, model)
    # Then SES is $0.10 per 1,000 emails and the rest is Herald's own usage
    assert small["emails"] == 400_000
    assert small["ses_usd"] == pytest.approx(40.0)
    assert small["per_1000_emails"]["ses_usd"] == pytest.approx(0.10)
    assert small["herald_aws_usd"] == pytest.approx(small["total_usd"] - small["ses_usd"], abs=1e-3)
    assert small["total_after_free_tier_usd"] < small["total_usd"]
    assert large["total_usd"] > 2 * small["total_usd"] - 1e-6
    classical = small["classical"]
    assert classical["services"]["SES"] == small["ses_usd"]
    assert classical["total_usd"] == pytest.approx(sum(classical["services"].values()), abs=1e-3)
    # And the month's units are the coefficients times emails, campaigns and growth
    month = monthly_units(Workload(1000, 2), model)
    expected = 2000 * model["per_email"]["ses_messages"] + 2 * model["per_campaign"].get("ses_messages", 0)
    assert month["ses_messages"] == pytest.approx(expected)
    imported = model["per_imported_subscriber"]["dynamodb_write_units"]
    assert month["dynamodb_write_units"] >= 1000 * GROWTH * imported


def test_a_workload_that_cannot_be_priced_is_refused() -> None:
    with pytest.raises(ValueError, match="engagement"):
        Workload(10, 1, 1.5)
    with pytest.raises(ValueError, match="0 or more"):
        Workload(-1, 1)
