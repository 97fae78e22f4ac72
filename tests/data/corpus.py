"""CSV files for import tests, generated on demand: good ones, bad ones, and S3 event shapes."""

from __future__ import annotations

import uuid
from typing import Any


def good_csv(rows: int, *, domain: str = "example.com", start: int = 0) -> bytes:
    """`rows` valid, distinct subscribers with a name and one attribute."""
    lines = ["email,name,city"]
    lines += [f"user{i}@{domain},User {i},City {i % 7}" for i in range(start, start + rows)]
    return ("\n".join(lines) + "\n").encode()


def mixed_csv(rows: int, *, domain: str) -> tuple[bytes, dict[str, int]]:
    """A CSV of `rows` data rows where every 50th is invalid and every 100th repeats an earlier one.

    Returns the bytes and what an import must find: valid (distinct) rows, and error rows.
    """
    lines = ["\ufeffEmail,Name,Plan"]
    valid = errors = 0
    for i in range(rows):
        if i % 100 == 99:
            lines.append(f"user{i - 1}@{domain},Again,pro")  # a duplicate of the valid row above
            errors += 1
        elif i % 50 == 49:
            lines.append(f"not-an-email-{i},Broken,free")
            errors += 1
        else:
            lines.append(f"user{i}@{domain},User {i},free")
            valid += 1
    return ("\r\n".join(lines) + "\r\n").encode("utf-8"), {"valid": valid, "errors": errors}


def bad_corpus(domain: str) -> dict[str, tuple[bytes, dict[str, Any]]]:
    """Each awkward file and what the import must end with (status, failure code, counts)."""
    ten_mb = b"x" * (10 * 1024 * 1024)
    return {
        "empty file": (b"", {"status": "failed", "code": "empty_file"}),
        "header only": (b"email,name\r\n", {"status": "failed", "code": "no_rows"}),
        "missing email column": (
            f"name,city\nAda,Paris\nbob@{domain},Rome\n".encode(),
            {"status": "failed", "code": "missing_email_column"},
        ),
        "not utf-8": (
            f"email,name\nrene@{domain},Ren\u00e9 Fran\u00e7ois\n".encode("cp1252"),
            {"status": "failed", "code": "invalid_encoding"},
        ),
        "utf-16": (
            "email,name\nada@x.example,Ada\n".encode("utf-16"),
            {"status": "failed", "code": "invalid_encoding"},
        ),
        "a 10 MB single line": (ten_mb, {"status": "failed", "code": "unreadable_header"}),
        "a 1 MB row among good ones": (
            b"email,name\n"
            + f"a@{domain},A\n".encode()
            + ten_mb[: 1024 * 1024]
            + f"\nb@{domain},B\n".encode(),
            {"status": "completed", "created": 2, "errors": 1, "error_rows": [3]},
        ),
        "quoted newlines": (
            f'email,name,notes\n"q1@{domain}","Multi\nLine Name","a\nb"\nq2@{domain},Plain,x\n'.encode(),
            {"status": "completed", "created": 2, "errors": 0},
        ),
        "duplicate emails": (
            f"email,name\nd@{domain},First\nD@{domain.upper()},Second\n d@{domain} ,Third\n"
            f"e@{domain},E\n".encode(),
            {"status": "completed", "created": 2, "errors": 2, "error_rows": [3, 4]},
        ),
        "invalid emails": (
            f"email,name\nnope,N\n@{domain},M\nok@{domain},OK\nx@y@{domain},Z\n,Empty\n".encode(),
            {"status": "completed", "created": 1, "errors": 4, "error_rows": [2, 3, 5, 6]},
        ),
        "hyperlink formulas": (
            f'email,name\n"=HYPERLINK(""http://evil.example"",""click"")",Evil\nf@{domain},"=HYPERLINK(""x"")"\n'.encode(),
            {"status": "completed", "created": 1, "errors": 1, "error_rows": [2]},
        ),
        "more columns than headers": (
            f"email,name\nm1@{domain},M1,extra,more\nm2@{domain},M2\nm3@{domain},M3,,\n".encode(),
            {"status": "completed", "created": 2, "errors": 1, "error_rows": [2]},
        ),
    }


def s3_created_event(bucket: str, key: str, *, size: int, etag: str) -> dict[str, Any]:
    """An S3 ObjectCreated notification exactly as Lambda receives it (the key form-encoded)."""
    from urllib.parse import quote_plus

    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2026-11-22T12:00:00.000Z",
                "eventName": "ObjectCreated:Post",
                "userIdentity": {"principalId": "AWS:EXAMPLE"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {"x-amz-request-id": uuid.uuid4().hex, "x-amz-id-2": "x"},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "Uploaded",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "EXAMPLE"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        "key": quote_plus(key, safe="/"),
                        "size": size,
                        "eTag": etag.strip('"'),
                        "sequencer": "0055AED6DCD90281E5",
                    },
                },
            }
        ]
    }
