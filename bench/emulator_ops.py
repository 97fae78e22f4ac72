"""What one call costs on the embedded cloud: the floor under every local pipeline figure.

Times, in one warm process, N sequential calls each of: SES v2 `send_email` (no configuration
set), DynamoDB `UpdateItem` with a condition and `ReturnValues=ALL_NEW` (a delivery claim),
`UpdateItem` without (a status change), `GetItem`. The send pipeline needs, per recipient, a
conditional claim before the send, a status write on its Delivery event and a subscriber update
in Finalize, so `bench/send_campaign.py`'s ratio cannot fall below
(baseline + these writes) / baseline, whatever else is done.
Usage: python bench/emulator_ops.py [--calls 300]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "emulator_ops.json"


def main() -> None:
    """Time each call kind, print and save milliseconds per call."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    from bench.send_campaign import _cloud

    cloud = _cloud()
    try:
        from app import aws
        from app.config import get_settings
        from app.db import table

        settings, ddb, ses = get_settings(), table(), aws.sesv2()
        n = args.calls
        keys = [{"PK": {"S": "BENCH#ops"}, "SK": {"S": f"R#{i:06d}"}} for i in range(n)]
        for key in keys:
            ddb.client.put_item(TableName=ddb.name, Item={**key, "status": {"S": "pending"}})

        def claim(i: int) -> None:
            ddb.client.update_item(
                TableName=ddb.name,
                Key=keys[i],
                UpdateExpression="SET #s = :c, attempt = :a",
                ConditionExpression="#s = :p",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":c": {"S": "claimed"}, ":p": {"S": "pending"}, ":a": {"S": "x"}},
                ReturnValues="ALL_NEW",
            )

        def status(i: int) -> None:
            ddb.client.update_item(
                TableName=ddb.name,
                Key=keys[i],
                UpdateExpression="SET delivered_at = :t",
                ExpressionAttributeValues={":t": {"S": "2026-01-01T00:00:00Z"}},
            )

        def get(i: int) -> None:
            ddb.client.get_item(TableName=ddb.name, Key=keys[i])

        def send(i: int) -> None:
            ses.send_email(
                FromEmailAddress=settings.sender_email,
                Destination={"ToAddresses": [f"ops{i}@bench.example"]},
                Content={"Simple": {"Subject": {"Data": "x"}, "Body": {"Text": {"Data": "y"}}}},
            )

        kinds: dict[str, Callable[[int], None]] = {
            "ses_send_email": send,
            "dynamodb_conditional_claim": claim,
            "dynamodb_update": status,
            "dynamodb_get": get,
        }
        ms = {}
        for name, call in kinds.items():
            started = time.perf_counter()
            for i in range(n):
                call(i)
            ms[name] = round((time.perf_counter() - started) / n * 1000, 2)
    finally:
        cloud.stop()
    result = {"calls_each": n, "ms_per_call": ms, "python": platform.python_version(), "cpus": os.cpu_count()}
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
