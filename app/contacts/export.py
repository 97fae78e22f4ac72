"""Subscribers as CSV, a chunk of lines at a time (what the export routes stream).

Every field of a subscriber is a column, its attributes one JSON column (as listmonk exports them:
the set of attribute names is only known once every row is read). Cells that a spreadsheet would
run as a formula (=, +, -, @ first) get a leading apostrophe: names and attributes come from
public forms.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.contacts.models import Subscriber, attributes_json

if TYPE_CHECKING:
    from starlette.responses import StreamingResponse

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


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _row(s: Subscriber) -> list[str]:
    consent = s.consent
    values: list[Any] = [
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
    return [_cell(v) for v in values]


def csv_chunks(subscribers: Iterable[Subscriber]) -> Iterator[str]:
    """The header, then the rows, `ROWS_PER_CHUNK` lines per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    rows = 0
    for subscriber in subscribers:
        writer.writerow(_row(subscriber))
        rows += 1
        if rows % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(file_name: str, chunks: Iterator[str]) -> StreamingResponse:
    """A CSV download whose body is produced as it is sent (Starlette runs the iterator in a thread,
    so the paged Queries behind it never block the event loop)."""
    from starlette.responses import StreamingResponse

    return StreamingResponse(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{file_name}"', "Cache-Control": "no-store"},
    )
