"""The schema's rule for attribute names is the validator's, for every character."""

from __future__ import annotations

import re

from app.contacts.models import _NOT_BLANK


def test_the_not_blank_pattern_agrees_with_the_validator_on_every_code_point() -> None:
    # Given the pattern the OpenAPI document states (ECMA and Python read this class alike)
    pattern = re.compile(_NOT_BLANK)

    # When each code point is a one-character name, then the schema and str.strip agree on it
    disagree = [hex(c) for c in range(0x110000) if bool(pattern.search(chr(c))) != bool(chr(c).strip())]
    assert disagree == []
