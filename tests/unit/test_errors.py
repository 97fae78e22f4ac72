"""Domain errors: a missing item of each kind is reported one way."""

from __future__ import annotations

import pytest

from app.errors import NotFound, found, no_such


def test_a_missing_item_is_a_not_found_named_after_its_kind() -> None:
    error = no_such("template")()
    assert isinstance(error, NotFound)
    assert (error.message, error.code) == ("No such template.", "template_not_found")


def test_a_kind_may_keep_a_code_of_its_own() -> None:
    error = no_such("webhook endpoint", "webhook_not_found")()
    assert (error.message, error.code) == ("No such webhook endpoint.", "webhook_not_found")


def test_found_passes_a_value_through_and_raises_for_none() -> None:
    assert found("x", no_such("segment")) == "x"
    with pytest.raises(NotFound) as raised:
        found(None, no_such("segment"))
    assert raised.value.code == "segment_not_found"
