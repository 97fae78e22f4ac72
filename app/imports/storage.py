"""The imports bucket: presigned uploads, streaming reads, reports and download links."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

from app.aws import error_code

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

READ_CHUNK = 64 * 1024


class UploadChanged(Exception):
    """The object is no longer the one the event announced (a newer upload replaced it)."""


class UploadMissing(Exception):
    """The object is gone."""


def upload_key(owner_id: str, import_id: str) -> str:
    """Where an import's CSV is uploaded."""
    return f"imports/{owner_id}/{import_id}.csv"


def report_key(owner_id: str, import_id: str) -> str:
    """Where an import's error report is written."""
    return f"reports/{owner_id}/{import_id}.csv"


def parse_upload_key(key: str) -> tuple[str, str] | None:
    """(owner, import id) of a key laid out by `upload_key`, else None."""
    parts = key.split("/")
    if len(parts) != 3 or parts[0] != "imports" or not parts[2].endswith(".csv"):
        return None
    owner_id, import_id = parts[1], parts[2][: -len(".csv")]
    if not owner_id or not import_id:
        return None
    return owner_id, import_id


class UploadStore(Protocol):
    """What the import use cases need from the bucket (S3 in AWS and locally; fakes in tests)."""

    def presign_upload(
        self, key: str, *, content_type: str, max_bytes: int, expires_in: int
    ) -> tuple[str, dict[str, str]]:
        """URL and form fields of a POST that may only create `key`, of that type and size."""
        ...

    def read(self, key: str, *, etag: str) -> Iterator[bytes]:
        """The object's bytes in chunks, only while it is still the version with `etag`."""
        ...

    def put_report(self, key: str, body: bytes) -> None:
        """Store an error report."""
        ...

    def download_url(self, key: str, *, filename: str, expires_in: int) -> str:
        """A presigned GET that downloads `key` as `filename`."""
        ...

    def delete(self, key: str) -> None:
        """Remove an object (missing is fine)."""
        ...


class S3Uploads:
    """UploadStore over one S3 bucket."""

    def __init__(self, s3: S3Client, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket

    def presign_upload(
        self, key: str, *, content_type: str, max_bytes: int, expires_in: int
    ) -> tuple[str, dict[str, str]]:
        """A presigned POST bound to the key, the content type and 1..max_bytes bytes."""
        post = self.s3.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_in,
        )
        return str(post["url"]), {str(k): str(v) for k, v in post["fields"].items()}

    def read(self, key: str, *, etag: str) -> Iterator[bytes]:
        """Stream the object in 64 KB chunks (If-Match the announced ETag)."""
        try:
            quoted = etag if etag.startswith('"') else f'"{etag}"'  # events carry the ETag unquoted
            response = self.s3.get_object(Bucket=self.bucket, Key=key, IfMatch=quoted)
        except Exception as exc:
            code = error_code(exc)
            if code in ("PreconditionFailed", "412"):
                raise UploadChanged(key) from exc
            if code in ("NoSuchKey", "404"):
                raise UploadMissing(key) from exc
            raise
        body = response["Body"]
        try:
            yield from body.iter_chunks(READ_CHUNK)
        finally:
            body.close()

    def put_report(self, key: str, body: bytes) -> None:
        """Write the report (private; downloaded through a presigned GET)."""
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="text/csv; charset=utf-8")

    def download_url(self, key: str, *, filename: str, expires_in: int) -> str:
        """A presigned GET with a download file name."""
        return self.s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
                "ResponseContentType": "text/csv; charset=utf-8",
            },
            ExpiresIn=expires_in,
        )

    def delete(self, key: str) -> None:
        """Remove an object."""
        self.s3.delete_object(Bucket=self.bucket, Key=key)
