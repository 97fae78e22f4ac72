"""Cold start of the ApiFunction handler vs a bare FastAPI+Mangum app (ratio, same run).

Each sample is a fresh interpreter that imports the handler module and serves its first
request as an HTTP API v2 event; only that span is timed, not interpreter start-up. Runs
alternate between the apps so machine noise hits both alike. Two first requests are measured
for Herald: GET /api/health (the target's figure, like the baseline's request) and
GET /api/lists without a token (a domain route: its router is imported on that request).
Usage: python bench/cold_start.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.15

PROBE = r"""
import json, sys, time
started = time.perf_counter()
module = __import__(sys.argv[1], fromlist=["handler"])
path = sys.argv[2]
event = {
    "version": "2.0", "routeKey": "GET " + path, "rawPath": path, "rawQueryString": "",
    "headers": {"host": "api.example.com", "accept": "application/json"},
    "requestContext": {"accountId": "123456789012", "apiId": "api", "domainName": "api.example.com",
        "domainPrefix": "api", "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1", "userAgent": "bench"}, "requestId": "bench", "routeKey": "GET " + path,
        "stage": "$default", "time": "22/Nov/2026:00:00:00 +0000", "timeEpoch": 0},
    "isBase64Encoded": False,
}
class Context:
    function_name = "bench"; memory_limit_in_mb = 1024; aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    def get_remaining_time_in_millis(self): return 30000
response = module.handler(event, Context())
elapsed = time.perf_counter() - started
assert response["statusCode"] in (200, 401), response
print(json.dumps({"seconds": elapsed}))
"""

APPS = {
    "herald": ("app.main", "/api/health"),
    "herald_domain_route": ("app.main", "/api/lists"),
    "baseline": ("bench.baselines.minimal_api", "/api/health"),
}


def sample(module: str, path: str) -> float:
    """One cold start, in seconds."""
    env = {**os.environ, "POWERTOOLS_LOG_LEVEL": "WARNING", "PYTHONDONTWRITEBYTECODE": "0"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, module, path],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds: float = json.loads(out.stdout.strip().splitlines()[-1])["seconds"]
    return seconds


def main() -> None:
    """Measure, print and save the ratio."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    for module, path in APPS.values():  # warm the bytecode cache so no side pays for compiling
        sample(module, path)
    samples: dict[str, list[float]] = {name: [] for name in APPS}
    for _ in range(args.runs):
        for name, (module, path) in APPS.items():
            samples[name].append(sample(module, path))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    ratio = medians["herald"] / medians["baseline"]
    domain_ratio = medians["herald_domain_route"] / medians["baseline"]
    result = {
        "benchmark": "cold_start",
        "runs_each": args.runs,
        "median_seconds": {k: round(v, 4) for k, v in medians.items()},
        "ratio": round(ratio, 3),
        "ratio_domain_route": round(domain_ratio, 3),
        "target": TARGET,
        "python": sys.version.split()[0],
    }
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "cold_start.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"cold start ratio herald/baseline = {ratio:.3f} (target <= {TARGET})")
    print(f"with a domain route as the first request: {domain_ratio:.3f}")


if __name__ == "__main__":
    main()
