"""Where export files go: `exports/<owner>/<id>.csv` in the private files bucket (the imports bucket,
whose lifecycle expires them), written with a multipart upload, read through presigned GETs."""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO, Protocol

from app.imports.storage import S3Uploads

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# s3transfer reads one part at a time from the stream (use_threads=False: no parts in flight
# beside it), so an upload holds at most PART_BYTES of the file; S3 wants at least 5 MB a part.
PART_BYTES = 8 * 1024 * 1024


def object_key(owner_id: str, export_id: str) -> str:
    """Where an export's CSV is written."""
    return f"exports/{owner_id}/{export_id}.csv"


class ExportFiles(Protocol):
    """What export use cases need from the bucket (S3 in AWS and locally; fakes in tests)."""

    def write(self, key: str, body: BinaryIO) -> None:
        """Store everything `body` yields at `key` (one part in memory at a time)."""
        ...

    def download_url(self, key: str, *, filename: str, expires_in: int) -> str:
        """A presigned GET that downloads `key` as `filename`."""
        ...


class S3Exports:
    """ExportFiles over one S3 bucket."""

    def __init__(self, s3: S3Client, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket

    def write(self, key: str, body: BinaryIO) -> None:
        """Upload the stream: one PutObject below PART_BYTES, else a multipart upload of PART_BYTES
        parts (s3transfer aborts it if the stream fails)."""
        from boto3.s3.transfer import TransferConfig

        config = TransferConfig(
            multipart_threshold=PART_BYTES, multipart_chunksize=PART_BYTES, use_threads=False
        )
        self.s3.upload_fileobj(
            body, self.bucket, key, ExtraArgs={"ContentType": "text/csv; charset=utf-8"}, Config=config
        )

    def download_url(self, key: str, *, filename: str, expires_in: int) -> str:
        """A presigned GET with a download file name (as the import reports')."""
        return S3Uploads(self.s3, self.bucket).download_url(key, filename=filename, expires_in=expires_in)
