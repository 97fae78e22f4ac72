"""Opaque, tamper-checked page cursors: the position as JSON, sealed with the signing key (signing.py);
and reading every page of a paged read."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from app.errors import NotFound
from app.signing import seal_json, unseal_json

KeySource = Callable[[], bytes]
T = TypeVar("T")
P = TypeVar("P")


@dataclass(frozen=True)
class PageRequest:
    """Which page a list is asked for: at most `limit` items, after `cursor` (None: the first page)."""

    limit: int = 50
    cursor: str | None = None


class Page(BaseModel, Generic[T]):
    """A page of a list: its items, and the `next_cursor` to pass back for the next (None after the last).

    Each list's page is a subclass (`class ListPage(Page[ContactList])`) with its own name and
    docstring in the API schema.
    """

    items: list[T]
    next_cursor: str | None


def encode_cursor(position: Mapping[str, Any], *, scope: str, key: KeySource) -> str:
    """A cursor for `position`, valid only for the same `scope` (e.g. the owner and the list)."""
    return seal_json(dict(position), scope=scope, key=key())


def _invalid() -> NotFound:
    # A well-formed cursor that does not verify names no page this caller can have: a 404, like an
    # unknown id (a malformed one is refused by the parameter's pattern, a 422).
    return NotFound("The cursor is not valid; start again from the first page.", code="invalid_cursor")


def decode_cursor(cursor: str, *, scope: str, key: KeySource) -> dict[str, Any]:
    """The position a cursor stands for; NotFound if it was altered or made for another scope."""
    position = unseal_json(cursor, scope=scope, key=key())
    if not isinstance(position, dict):
        raise _invalid()
    return position


def start_after(cursor: str | None, *, scope: str, prefix: str, key: KeySource) -> str | None:
    """The sort key a page of one partition starts after (None: the first page); NotFound for a
    cursor made for another scope, or one whose sort key is outside `prefix`."""
    if not cursor:
        return None
    sk = decode_cursor(cursor, scope=scope, key=key).get("sk")
    if not isinstance(sk, str) or not sk.startswith(prefix):
        raise _invalid()
    return sk


def next_cursor(last_sk: str | None, *, scope: str, key: KeySource) -> str | None:
    """The cursor of the page after the one that ended at `last_sk` (None: that was the last page)."""
    return encode_cursor({"sk": last_sk}, scope=scope, key=key) if last_sk else None


def every_page(read: Callable[[P | None], tuple[Sequence[T], P | None]]) -> Iterator[T]:
    """Every item of a paged read, a page at a time as they are consumed: `read(start)` gives the
    page after `start` (None: the first) and where the next one starts (None: that was the last)."""
    start: P | None = None
    while True:
        items, start = read(start)
        yield from items
        if start is None:
            return
