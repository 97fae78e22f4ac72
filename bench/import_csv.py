"""CSV import worker vs a bare boto3 `batch_writer` loop, on the embedded cloud (same rows, same emulator).

A generated CSV (default 100,000 rows: email, name, two attribute columns) is uploaded to a bucket
of the embedded cloud. Two child processes then write those rows to the table:

- `import`: the real worker handler (`workers.on_import_uploaded.handler`) fed an S3 ObjectCreated
  event: it streams the object, validates, de-duplicates, reads existing subscribers, batch-writes,
  commits progress and completes the job (a first pass counts the rows and checks the encoding);
- `baseline`: `csv.reader` over the same file and `Table.batch_writer()` putting the same items.

Each child reports its wall time and its peak RSS growth (VmHWM at the end minus VmRSS once its
modules and clients are loaded), so the emulator's own memory (moto keeps every item) is not counted.
Each run gets a freshly started cloud (moto's writes slow down as its table grows, so the second run
would pay for the first one's items), without pollers and without snapshots: the stream consumer and
the state saver would otherwise compete for the same two cores, and neither is part of the import.
Figures: throughput ratio = baseline seconds / import seconds (target >= 0.9) and the worker's RSS
growth (target <= 30 MB). Usage: python bench/import_csv.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "import_csv.json"
TARGET_RATIO = 0.9
TARGET_RSS_MB = 30.0
BUCKET = "herald-bench-imports"


def _rss_kb(field: str) -> int:
    """VmRSS / VmHWM of this process, in kB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def write_csv(path: Path, rows: int) -> int:
    """A CSV of `rows` distinct, valid subscribers; returns its size in bytes."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("email,name,city,plan\n")
        for i in range(rows):
            out.write(f"reader{i}@bench.example,Reader {i},City {i % 97},{'pro' if i % 3 else 'free'}\n")
    return path.stat().st_size


# ---------------------------------------------------------------------- children


def child_import(event: dict[str, Any]) -> dict[str, Any]:
    """Run the worker handler on one S3 event; time it and measure its memory."""
    from app import aws
    from tests.factories import FakeLambdaContext
    from workers import on_import_uploaded

    aws.s3(), aws.dynamodb()  # clients are part of the fixed cost, not of the import
    baseline_kb = _rss_kb("VmRSS")
    context: Any = FakeLambdaContext("OnImportUploadedFunction")
    started = time.perf_counter()
    result = on_import_uploaded.handler(event, context)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rss_growth_kb": _rss_kb("VmHWM") - baseline_kb, "result": result}


def child_baseline(csv_path: str, owner: str, list_id: str) -> dict[str, Any]:
    """Put the same items with boto3's batch_writer, reading the same file with csv.reader."""
    import csv
    from datetime import UTC, datetime

    import boto3

    from app.config import get_settings

    table = boto3.resource("dynamodb", region_name=get_settings().aws_region).Table(get_settings().table_name)
    baseline_kb = _rss_kb("VmRSS")
    started = time.perf_counter()
    now = datetime.now(UTC).isoformat()
    written = 0
    with Path(csv_path).open(encoding="utf-8", newline="") as source, table.batch_writer() as writer:
        reader = csv.reader(source)
        next(reader)
        for email, name, city, plan in reader:
            writer.put_item(
                Item={
                    "PK": f"LIST#{owner}#{list_id}",
                    "SK": f"SUB#{email}",
                    "type": "subscriber",
                    "owner_id": owner,
                    "list_id": list_id,
                    "email": email,
                    "name": name,
                    "status": "subscribed",
                    "attributes": json.dumps({"city": city, "plan": plan}, separators=(",", ":")),
                    "source": "import",
                    "created_at": now,
                    "updated_at": now,
                    "correlation_id": "bench",
                    "created_import": "bench",
                }
            )
            written += 1
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rss_growth_kb": _rss_kb("VmHWM") - baseline_kb, "written": written}


def run_child(*args: str) -> dict[str, Any]:
    """This script in a fresh interpreter (inheriting the cloud's environment); its JSON answer."""
    env = {**os.environ, "POWERTOOLS_LOG_LEVEL": "WARNING", "IMPORT_MAX_BYTES": str(10**9)}
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed:\n{out.stderr[-3000:]}")
    answer: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return answer


# ---------------------------------------------------------------------- parent


def new_list(owner: str) -> str:
    """A list to import into."""
    from app.contacts.models import ListCreate
    from app.contacts.service import create_list
    from app.store import Store

    return create_list(owner, ListCreate(name="bench"), repo=Store.default().lists, correlation_id="bench").id


def prepare_import(owner: str, list_id: str, csv_path: Path) -> dict[str, Any]:
    """The import job, the uploaded file, and the S3 event S3 would send for it."""
    from app import aws
    from app.imports import service
    from app.imports.models import ImportCreate
    from app.imports.storage import S3Uploads, upload_key
    from app.store import Store
    from tests.data.corpus import s3_created_event

    job = service.create_import(
        owner,
        list_id,
        ImportCreate(file_name=csv_path.name),
        lists=Store.default().lists,
        repo=Store.default().imports,
        uploads=S3Uploads(aws.s3(), BUCKET),
        max_bytes=10**9,
        correlation_id="bench",
    )
    key = upload_key(owner, job.id)
    aws.s3().upload_file(str(csv_path), BUCKET, key)
    head = aws.s3().head_object(Bucket=BUCKET, Key=key)
    return s3_created_event(BUCKET, key, size=int(head["ContentLength"]), etag=str(head["ETag"]))


def measure(kind: str, csv_path: Path) -> dict[str, Any]:
    """One run on a freshly started cloud (moto's writes slow down as a table grows, so each run
    starts from an empty emulator rather than after the other)."""
    from localcloud.cloud import EmbeddedCloud

    cloud = EmbeddedCloud(template_path=ROOT / "template.yaml", state_dir=None, run_pollers=False)
    cloud.start()
    try:
        cloud.apply_environment()
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"  # the parent's own log lines are noise here
        from app import aws
        from app.config import get_settings

        get_settings.cache_clear()
        aws.clear_clients()
        owner = str(uuid.uuid4())
        if kind == "baseline":
            return run_child("baseline", str(csv_path), owner, new_list(owner))
        aws.s3().create_bucket(Bucket=BUCKET)
        event = prepare_import(owner, new_list(owner), csv_path)
        return run_child("import", json.dumps(event))
    finally:
        cloud.stop()


def main() -> None:
    """Measure both, print the two figures and save them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))  # the children import tests.* helpers as well as app and workers
    if args.child:
        kind, *rest = args.child
        answer = child_import(json.loads(rest[0])) if kind == "import" else child_baseline(*rest)
        print(json.dumps(answer))
        return

    with tempfile.TemporaryDirectory() as scratch:
        csv_path = Path(scratch) / "bench.csv"
        size = write_csv(csv_path, args.rows)
        print(f"{args.rows} rows, {size / 1e6:.1f} MB; moto batch writes measure the emulator, not DynamoDB")
        baseline = measure("baseline", csv_path)
        print(f"baseline batch_writer: {baseline['seconds']:.1f} s")
        worker = measure("import", csv_path)
        print(f"import worker:         {worker['seconds']:.1f} s -> {worker['result']}")

    ratio = baseline["seconds"] / worker["seconds"]
    rss_mb = worker["rss_growth_kb"] / 1024
    print(f"throughput vs batch_writer: {ratio:.2f}x (target >= {TARGET_RATIO})")
    print(f"worker peak RSS growth:     {rss_mb:.1f} MB (target <= {TARGET_RSS_MB:.0f} MB)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "import_csv",
                "rows": args.rows,
                "csv_bytes": size,
                "seconds": {
                    "import_worker": round(worker["seconds"], 2),
                    "batch_writer": round(baseline["seconds"], 2),
                },
                "rows_per_second": {
                    "import_worker": round(args.rows / worker["seconds"]),
                    "batch_writer": round(args.rows / baseline["seconds"]),
                },
                "throughput_ratio": round(ratio, 3),
                "target_ratio": TARGET_RATIO,
                "worker_rss_growth_mb": round(rss_mb, 1),
                "baseline_rss_growth_mb": round(baseline["rss_growth_kb"] / 1024, 1),
                "target_rss_mb": TARGET_RSS_MB,
                "import_result": worker["result"],
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
