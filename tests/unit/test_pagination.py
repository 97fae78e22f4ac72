"""Cursors are opaque, round-trip, and refuse tampering or reuse in another scope."""

from __future__ import annotations

import pytest

from app.errors import NotFound
from app.pagination import decode_cursor, encode_cursor


def key() -> bytes:
    return b"k" * 32


def test_a_cursor_round_trips_and_is_opaque() -> None:
    position = {"PK": "OWNER#1", "SK": "SUB#alice@example.com"}
    cursor = encode_cursor(position, scope="owner-1/list-1", key=key)
    assert "alice" not in cursor
    assert decode_cursor(cursor, scope="owner-1/list-1", key=key) == position


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"),  # signature altered
        lambda c: "e30" + c[c.index(".") :],  # payload swapped for {}
        lambda c: c.replace(".", ""),  # no separator
        lambda _c: "",  # empty
        lambda _c: "%%%.%%%",  # not base64
    ],
)
def test_an_altered_cursor_is_refused_as_invalid_cursor(mangle: object) -> None:
    cursor = encode_cursor({"n": 1}, scope="s", key=key)
    with pytest.raises(NotFound) as caught:
        decode_cursor(mangle(cursor), scope="s", key=key)  # type: ignore[operator]
    assert caught.value.code == "invalid_cursor"


def test_a_cursor_from_another_scope_or_key_is_refused() -> None:
    cursor = encode_cursor({"n": 1}, scope="owner-1", key=key)
    with pytest.raises(NotFound):
        decode_cursor(cursor, scope="owner-2", key=key)
    with pytest.raises(NotFound):
        decode_cursor(cursor, scope="owner-1", key=lambda: b"x" * 32)
