"""Subscribers as CSV, a chunk of lines at a time (what export jobs write, app/exports/).

Every field of a subscriber is a column, its attributes one JSON column (as listmonk exports them:
the set of attribute names is only known once every row is read). Cells that a spreadsheet would
run as a formula (=, +, -, @ first) get a leading apostrophe: names and attributes come from
public forms.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from app.contacts.models import Subscriber, attributes_json

COLUMNS = (
    "email",
    "name",
    "status",
    "list_id",
    "source",
    "created_at",
    "updated_at",
    "confirmed_at",
    "confirmed_by",
    "confirmed_reason",
    "consent_at",
    "consent_ip",
    "consent_form_id",
    "consent_text",
    "campaigns_received",
    "last_sent_at",
    "attributes",
)
ROWS_PER_CHUNK = 200
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """A value as a CSV cell: empty for None, ISO times, a formula defused."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def subscriber_row(s: Subscriber) -> list[Any]:
    """A subscriber's values in the order of `COLUMNS`."""
    consent = s.consent
    return [
        s.email,
        s.name,
        s.status,
        s.list_id,
        s.source,
        s.created_at,
        s.updated_at,
        s.confirmed_at,
        s.confirmed_by,
        s.confirmed_reason,
        consent.at if consent else None,
        consent.ip if consent else None,
        consent.form_id if consent else None,
        consent.text if consent else None,
        s.campaigns_received,
        s.last_sent_at,
        attributes_json(s.attributes),
    ]


def file_stem(name: str, fallback: str = "subscribers") -> str:
    """A name made safe for a file name: ASCII letters, digits, - and _ (a Content-Disposition header
    carries it), at most 60."""
    safe = "".join(c if (c.isascii() and c.isalnum()) or c in "-_" else "-" for c in name).strip("-")
    return safe[:60] or fallback


class _Lines:
    """Where the csv writer puts lines: kept as the str objects it writes (io.StringIO would hold
    every character in four bytes), joined per chunk."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> str:
        text, self.parts = "".join(self.parts), []
        return text


def table_chunks(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The header, then the rows (every value through `cell`), `ROWS_PER_CHUNK` lines per chunk."""
    lines = _Lines()
    writer = csv.writer(lines, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([cell(v) for v in row])
        count += 1
        if count % ROWS_PER_CHUNK == 0:
            yield lines.take()
    yield lines.take()
