"""The CSV writer of an export: rows become CSV text a chunk at a time, read as bytes by the upload.

Nothing here holds more than one chunk (`ROWS_PER_CHUNK` rows) of the file: the rows are read a
Query page at a time as the upload asks for bytes, so memory does not grow with the export.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from app.contacts.export import table_chunks


class CsvStream(io.RawIOBase):
    """A binary file opened for reading over the CSV of `rows` (UTF-8), produced as it is read."""

    def __init__(self, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        super().__init__()
        self._chunks: Iterator[str] = table_chunks(columns, rows)
        self._pending = memoryview(b"")  # what is left of the current chunk (a view: no copies)
        self.size = 0  # bytes handed out so far

    def readable(self) -> bool:
        """Yes: a reader, never seekable."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill `buffer` from the current chunk, producing the next one when it is used up."""
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = memoryview(chunk.encode("utf-8"))
        view = memoryview(buffer).cast("B")
        count = min(len(view), len(self._pending))
        view[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        self.size += count
        return count


class RowCounter:
    """Counts rows as they pass, and every `every` rows calls `report` (progress, deadline)."""

    def __init__(self, every: int, report: Callable[[int], None]) -> None:
        self.every = every
        self.report = report
        self.rows = 0

    def __call__(self, rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
        """The same rows, counted."""
        for row in rows:
            yield row
            self.rows += 1
            if self.rows % self.every == 0:
                self.report(self.rows)
