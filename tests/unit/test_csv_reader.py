"""The streaming CSV reader: bounded lines, strict UTF-8, header mapping, row checks, the report."""

from __future__ import annotations

import codecs
import csv
import io

import pytest

from app.imports.csvfile import (
    Candidate,
    Columns,
    ErrorReport,
    FileProblem,
    LineTooLong,
    Record,
    RowError,
    TextLines,
    check_row,
    limited,
    neutralise,
    records,
    scan,
)


def chunked(data: bytes, size: int = 7) -> list[bytes]:
    """The bytes cut at awkward places, as a network stream would deliver them."""
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_lines_keep_their_endings_and_drop_the_bom_even_across_chunk_boundaries() -> None:
    data = codecs.BOM_UTF8 + "email\r\nzoë@example.com\nlast".encode()
    assert list(TextLines(chunked(data, 2))) == ["email\r\n", "zoë@example.com\n", "last"]


def test_an_over_long_line_is_skipped_once_and_reading_goes_on() -> None:
    lines = TextLines(chunked(b"a\n" + b"x" * 100 + b"\nb\n", 16), max_line=50)
    assert next(lines) == "a\n"
    with pytest.raises(LineTooLong):
        next(lines)
    assert next(lines) == "b\n"
    with pytest.raises(StopIteration):
        next(lines)


@pytest.mark.parametrize(
    ("data", "guess"),
    [
        ("email\nRené\n".encode("cp1252"), "Windows-1252"),
        ("email\nx\n".encode("utf-16"), "UTF-16"),
        (b"email\n\xe2\x82", "UTF-8"),  # a character cut off at the end of the file
    ],
)
def test_bytes_that_are_not_utf8_fail_the_file_with_a_hint(data: bytes, guess: str) -> None:
    with pytest.raises(FileProblem) as caught:
        list(TextLines(chunked(data)))
    assert caught.value.code == "invalid_encoding"
    assert guess in caught.value.message or "encoding" in caught.value.message
    assert "CSV UTF-8" in caught.value.message


def test_records_number_rows_like_a_spreadsheet_and_survive_bad_rows() -> None:
    data = b'email,notes\n"a@x.io","two\nlines"\n' + b"y" * 40_000 + b"\nb@x.io,ok\n"
    got = list(records(chunked(data, 4096)))
    assert got[0] == Record(1, ["email", "notes"])
    assert got[1] == Record(2, ["a@x.io", "two\nlines"])
    assert isinstance(got[2], RowError) and got[2].row == 3 and "32 KB" in got[2].reason
    assert got[3] == Record(4, ["b@x.io", "ok"])


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["Email", "Name", "City"], Columns(email=0, name=1, attributes=((2, "City"),), width=3)),
        (["first", "E-Mail Address", "Full_Name", ""], Columns(1, 2, ((0, "first"),), 4)),
        ([" email ", "plan"], Columns(0, None, ((1, "plan"),), 2)),
    ],
)
def test_header_mapping(header: list[str], expected: Columns) -> None:
    assert Columns.from_header(header) == expected


@pytest.mark.parametrize(
    ("header", "code"),
    [(["name", "city"], "missing_email_column"), (["email", "City", "city"], "duplicate_column")],
)
def test_a_header_without_email_or_with_a_repeat_fails_the_file(header: list[str], code: str) -> None:
    with pytest.raises(FileProblem) as caught:
        Columns.from_header(header)
    assert caught.value.code == code


COLUMNS = Columns(email=0, name=1, attributes=((2, "plan"),), width=3)


@pytest.mark.parametrize(
    ("cells", "outcome"),
    [
        (["  Ada@Example.COM ", " Ada ", "pro"], Candidate(5, "ada@example.com", "Ada", {"plan": "pro"})),
        (["b@x.io"], Candidate(5, "b@x.io", "", {})),
        (["c@x.io", "C", "", "", ""], Candidate(5, "c@x.io", "C", {})),
        (["d@x.io", "D", "pro", "surprise"], "4 values but the header has 3"),
        (["", "Nobody"], "missing"),
        (["not-an-email", "N"], "not valid"),
        (["e@x.io", "n" * 201], "longer than 200"),
        (["f@x.io", "F", "p" * 5000], "more than 4096 bytes"),
    ],
)
def test_row_checks(cells: list[str], outcome: Candidate | str) -> None:
    result = check_row(Record(5, cells), COLUMNS)
    if isinstance(outcome, Candidate):
        assert result == outcome
    else:
        assert isinstance(result, RowError) and result.row == 5 and outcome in result.reason


def test_scan_counts_data_rows_and_skips_blank_ones() -> None:
    found = scan(chunked(b"\n\nemail,name\na@x.io,A\n\n,,\nnot-valid,B\n"))
    assert found.rows == 2 and found.columns.email == 0


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"\n \n", "empty_file"),
        (b"email,name\n", "no_rows"),
        (b"z" * 50_000, "unreadable_header"),
    ],
)
def test_scan_refuses_files_with_nothing_to_import(data: bytes, code: str) -> None:
    with pytest.raises(FileProblem) as caught:
        scan(chunked(data, 8192))
    assert caught.value.code == code


def test_limited_stops_a_stream_that_grows_past_the_limit() -> None:
    with pytest.raises(FileProblem) as caught:
        list(limited([b"a" * 600_000, b"b" * 600_000], 1024 * 1024))
    assert caught.value.code == "file_too_large"


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("  =1", "'  =1"),
        ("\uff1d1", "'\uff1d1"),
        ("plain@example.com", "plain@example.com"),
    ],
)
def test_neutralise_turns_formulas_into_text(value: str, safe: str) -> None:
    assert neutralise(value) == safe


def test_the_error_report_keeps_the_first_errors_and_says_how_many_more() -> None:
    report = ErrorReport(keep=2)
    for row in (2, 3, 4):
        report.add(RowError(row, "=1+1", "The email address is not valid: =1+1"))
    body = report.to_csv()
    assert body.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["row", "email", "reason"]
    assert rows[1] == ["2", "'=1+1", "The email address is not valid: =1+1"]
    assert len(rows) == 4 and "1 more" in rows[3][2] and report.total == 3
