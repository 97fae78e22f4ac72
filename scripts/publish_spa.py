"""Publish the built SPA to the stack's bucket, with its runtime config, and invalidate CloudFront.

`make deploy` runs this after `sam deploy`. It reads the stack's outputs (WebBucketName,
WebDistributionId, WebSocketUrl), writes `config.json` so one build serves any stage, uploads
`frontend/dist` (hashed assets cached for a year, everything else revalidated), removes
files no longer in the build, and invalidates the distribution.
Usage: python scripts/publish_spa.py --stage dev [--region eu-west-1]
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "frontend" / "dist"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def runtime_config(outputs: dict[str, str], stage: str) -> dict[str, str]:
    """What the SPA reads from /config.json."""
    return {"apiBase": "/api", "wsUrl": outputs["WebSocketUrl"], "stage": stage}


def cache_control(relative: str) -> str:
    """Vite's hashed assets never change; index.html and config.json always may."""
    return IMMUTABLE if relative.startswith("assets/") else REVALIDATE


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    """The stack's outputs by key."""
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def publish(*, s3: Any, cloudfront: Any, outputs: dict[str, str], stage: str, dist: Path = DIST) -> int:
    """Upload the build and the config; returns how many files were uploaded."""
    if not (dist / "index.html").exists():
        raise SystemExit(f"{dist}/index.html is missing: build the SPA first (make frontend)")
    bucket = outputs["WebBucketName"]
    files = {p.relative_to(dist).as_posix(): p for p in dist.rglob("*") if p.is_file()}
    for relative, path in sorted(files.items()):
        content_type = mimetypes.guess_type(relative)[0] or "application/octet-stream"
        s3.upload_file(
            str(path),
            bucket,
            relative,
            ExtraArgs={"ContentType": content_type, "CacheControl": cache_control(relative)},
        )
    s3.put_object(
        Bucket=bucket,
        Key="config.json",
        Body=json.dumps(runtime_config(outputs, stage)).encode(),
        ContentType="application/json",
        CacheControl=REVALIDATE,
    )
    keep = set(files) | {"config.json"}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        stale = [{"Key": o["Key"]} for o in page.get("Contents", []) if o["Key"] not in keep]
        if stale:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": stale})
    cloudfront.create_invalidation(
        DistributionId=outputs["WebDistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": str(time.time())},
    )
    return len(files) + 1


def main() -> None:
    """Command-line entry point."""
    import boto3

    parser = argparse.ArgumentParser()
    parser.add_argument("--stage", required=True)
    parser.add_argument("--stack", help="default: herald-<stage>, as in samconfig.toml")
    parser.add_argument("--region")
    args = parser.parse_args()
    session = boto3.session.Session(region_name=args.region)
    outputs = stack_outputs(session.client("cloudformation"), args.stack or f"herald-{args.stage}")
    count = publish(
        s3=session.client("s3"), cloudfront=session.client("cloudfront"), outputs=outputs, stage=args.stage
    )
    print(f"published {count} files; site: {outputs.get('SiteUrl', '?')}")  # noqa: T201


if __name__ == "__main__":
    main()
