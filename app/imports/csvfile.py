"""Streaming CSV reading for imports: bounded lines, strict UTF-8, header mapping, row checks.

Nothing here holds more than one row of the file: bytes arrive in chunks, are cut into lines
of at most MAX_ROW_BYTES, decoded as UTF-8 (with or without a BOM) and parsed by `csv`.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from app.contacts.models import (
    MAX_ATTRIBUTE_KEY,
    MAX_ATTRIBUTES_BYTES,
    MAX_NAME,
    InvalidEmail,
    attributes_json,
)
from app.contacts.models import normalise_email as _normalise_email

MAX_ROW_BYTES = 32 * 1024
MAX_REPORTED_VALUE = 200
EMAIL_HEADERS = frozenset({"email", "emailaddress", "mail"})  # after _header_token
NAME_HEADERS = frozenset({"name", "fullname"})
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


class FileProblem(Exception):
    """The whole file cannot be imported; `code` for programs, `message` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class LineTooLong(Exception):
    """One line is longer than MAX_ROW_BYTES (the rest of it was skipped)."""


def limited(chunks: Iterable[bytes], max_bytes: int) -> Iterator[bytes]:
    """Pass chunks through, failing once more than `max_bytes` have gone by."""
    seen = 0
    for chunk in chunks:
        seen += len(chunk)
        if seen > max_bytes:
            raise FileProblem("file_too_large", f"The file is larger than {max_bytes // (1024 * 1024)} MB.")
        yield chunk


def describe_encoding(sample: bytes) -> str:
    """A guess at what a non-UTF-8 file is, for the error message."""
    if (
        sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        or sample.count(b"\x00") > len(sample) // 4
    ):
        return "UTF-16"
    try:
        sample.decode("cp1252")
    except UnicodeDecodeError:
        return "an encoding other than UTF-8"
    return "Windows-1252 or Latin-1"


class TextLines:
    """Text lines of a byte stream: bounded length, UTF-8 (BOM dropped), line endings kept.

    An over-long line raises LineTooLong once (its bytes are skipped) and iteration goes on;
    bytes that are not UTF-8 raise FileProblem("invalid_encoding").
    """

    def __init__(self, chunks: Iterable[bytes], *, max_line: int = MAX_ROW_BYTES) -> None:
        self._chunks = iter(chunks)
        self._buffer = bytearray()
        self._max = max_line
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._eof = False
        self.line_number = 0

    def __iter__(self) -> TextLines:
        return self

    def _fill(self) -> bool:
        for chunk in self._chunks:
            if chunk:
                self._buffer += chunk
                return True
        self._eof = True
        return False

    def _skip_rest_of_line(self) -> None:
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                del self._buffer[: end + 1]
                return
            self._buffer.clear()
            if not self._fill():
                return

    def _next_bytes(self) -> bytes:
        start = 0
        while True:
            end = self._buffer.find(b"\n", start)
            if end >= 0 and end < self._max:
                line = bytes(self._buffer[: end + 1])
                del self._buffer[: end + 1]
                return line
            if end >= 0 or len(self._buffer) > self._max:
                self.line_number += 1
                self._skip_rest_of_line()
                raise LineTooLong(f"line {self.line_number} is longer than {self._max // 1024} KB")
            start = len(self._buffer)
            if not self._eof and self._fill():
                continue
            if self._buffer:
                line = bytes(self._buffer)
                self._buffer.clear()
                return line
            raise StopIteration

    def __next__(self) -> str:
        raw = self._next_bytes()
        self.line_number += 1
        try:
            # The last line may lack its newline: decode it as final, so a cut-off character is caught.
            return self._decoder.decode(raw, final=not raw.endswith(b"\n"))
        except UnicodeDecodeError as exc:
            raise FileProblem(
                "invalid_encoding",
                f"The file is not UTF-8 (line {self.line_number} looks like {describe_encoding(raw)}). "
                "Save it as “CSV UTF-8” in your spreadsheet and import it again.",
            ) from exc


@dataclass(frozen=True)
class Record:
    """One CSV record: its spreadsheet row number (the header is row 1) and its cells."""

    row: int
    cells: list[str]


@dataclass(frozen=True)
class RowError:
    """A row that was not imported, and why."""

    row: int
    value: str
    reason: str


def records(chunks: Iterable[bytes]) -> Iterator[Record | RowError]:
    """Every record of the file in order; unreadable rows become RowError (the file goes on)."""
    lines = TextLines(chunks)
    reader = csv.reader(lines)
    row = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except LineTooLong:
            row += 1
            yield RowError(row, "", f"The row is longer than {MAX_ROW_BYTES // 1024} KB.")
            continue
        except csv.Error as exc:
            row += 1
            yield RowError(row, "", f"The row is not valid CSV ({exc}).")
            continue
        row += 1
        yield Record(row, cells)


def is_blank(record: Record) -> bool:
    """A record with no values (empty line, or only separators)."""
    return not any(cell.strip() for cell in record.cells)


def _header_token(cell: str) -> str:
    return "".join(cell.strip().lower().replace("_", " ").replace("-", " ").split())


@dataclass(frozen=True)
class Columns:
    """Where the email, the name and each attribute are in a row."""

    email: int
    name: int | None
    attributes: tuple[tuple[int, str], ...]
    width: int

    @classmethod
    def from_header(cls, cells: list[str]) -> Columns:
        """Map a header row; FileProblem when there is no email column or a name repeats."""
        email: int | None = None
        name: int | None = None
        attributes: list[tuple[int, str]] = []
        seen: dict[str, int] = {}
        for index, raw in enumerate(cells):
            label = raw.strip()
            token = _header_token(label)
            if not token:
                continue
            if token in seen:
                raise FileProblem(
                    "duplicate_column",
                    f"The column “{label}” appears twice in the header; rename one of them.",
                )
            seen[token] = index
            if token in EMAIL_HEADERS:
                email = index
            elif token in NAME_HEADERS:
                name = index
            else:
                if len(label) > MAX_ATTRIBUTE_KEY:
                    raise FileProblem(
                        "column_name_too_long",
                        f"The column name “{label[:40]}…” is longer than {MAX_ATTRIBUTE_KEY} characters.",
                    )
                attributes.append((index, label))
        if email is None:
            raise FileProblem(
                "missing_email_column",
                "The first row must be a header with an “email” column (and optionally “name” and others).",
            )
        return cls(email=email, name=name, attributes=tuple(attributes), width=len(cells))


@dataclass(frozen=True)
class Candidate:
    """A valid row: a normalised address, a name and attributes."""

    row: int
    email: str
    name: str
    attributes: dict[str, Any] = field(default_factory=dict)


def check_row(record: Record, columns: Columns) -> Candidate | RowError:
    """Validate one data row against the header."""
    cells = record.cells
    raw_email = cells[columns.email].strip() if columns.email < len(cells) else ""
    if len(cells) > columns.width and any(cell.strip() for cell in cells[columns.width :]):
        return RowError(
            record.row,
            raw_email,
            f"The row has {len(cells)} values but the header has {columns.width} columns.",
        )
    if not raw_email:
        return RowError(record.row, "", "The email address is missing.")
    try:
        email = _normalise_email(raw_email)
    except InvalidEmail as exc:
        return RowError(record.row, raw_email, f"The email address is not valid: {exc}")
    name = cells[columns.name].strip() if columns.name is not None and columns.name < len(cells) else ""
    if len(name) > MAX_NAME:
        return RowError(record.row, raw_email, f"The name is longer than {MAX_NAME} characters.")
    attributes = {
        label: cells[index].strip()
        for index, label in columns.attributes
        if index < len(cells) and cells[index].strip()
    }
    if attributes and len(attributes_json(attributes).encode()) > MAX_ATTRIBUTES_BYTES:
        return RowError(
            record.row, raw_email, f"The other columns hold more than {MAX_ATTRIBUTES_BYTES} bytes."
        )
    return Candidate(record.row, email, name, attributes)


@dataclass(frozen=True)
class Scan:
    """What a first pass over the file found: its columns and how many data rows it has."""

    columns: Columns
    rows: int


def read_header(items: Iterator[Record | RowError]) -> Columns:
    """Consume leading blank records and the header; FileProblem when there is none."""
    for item in items:
        if isinstance(item, RowError):
            raise FileProblem(
                "unreadable_header",
                f"The first row cannot be read as a CSV header ({item.reason.rstrip('.')}). "
                "Is this a CSV file?",
            )
        if is_blank(item):
            continue
        return Columns.from_header(item.cells)
    raise FileProblem("empty_file", "The file is empty; export a CSV with a header row (email, name, ...).")


def data_rows(items: Iterator[Record | RowError]) -> Iterator[Record | RowError]:
    """The records after the header that count as rows (blank lines are skipped)."""
    for item in items:
        if isinstance(item, Record) and is_blank(item):
            continue
        yield item


def scan(chunks: Iterable[bytes]) -> Scan:
    """Check encoding and header and count the data rows, without keeping any of them."""
    items = records(chunks)
    columns = read_header(items)
    rows = sum(1 for _ in data_rows(items))
    if rows == 0:
        raise FileProblem("no_rows", "The file has a header but no rows to import.")
    return Scan(columns=columns, rows=rows)


def neutralise(value: str) -> str:
    """A cell a spreadsheet will show as text, never run as a formula."""
    text = value[:MAX_REPORTED_VALUE]
    return "'" + text if text.lstrip(" ").startswith(FORMULA_STARTS) else text


class ErrorReport:
    """The first `keep` row errors, and how many there were in all."""

    def __init__(self, keep: int = 1000) -> None:
        self.keep = keep
        self.rows: list[RowError] = []
        self.total = 0

    def add(self, error: RowError) -> None:
        """Count an error; keep it if there is room."""
        self.total += 1
        if len(self.rows) < self.keep:
            self.rows.append(error)

    def to_csv(self) -> bytes:
        """The report as a UTF-8 CSV (with a BOM, so spreadsheets pick the encoding)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["row", "email", "reason"])
        for error in self.rows:
            writer.writerow([str(error.row), neutralise(error.value), neutralise(error.reason)])
        if self.total > len(self.rows):
            writer.writerow(["", "", f"… and {self.total - len(self.rows)} more rows with errors"])
        return ("\ufeff" + out.getvalue()).encode()
