"""The local runner as a developer meets it: time to the first 200 on /api/health, and idle CPU.

Starts the uvicorn command `make run` starts (`localcloud.asgi:create_local_app --factory
--reload` and its reload directories) on a free loopback port with an empty state directory;
times from the start until `/api/health` answers 200; then, after a settling pause, reads the
CPU time of every process of the group (the reloader and the server) over an idle window.
Repeated `--runs` times.
Figures: median start-up seconds (target < 5) and idle CPU as a share of one core (target < 1%).
A second pass restores the state the first one saved (a restart of `make run`).
Usage: python bench/local_runner.py [--runs 3] [--idle-seconds 30]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "local_runner.json"
TARGET_START_SECONDS = 5.0
TARGET_IDLE_CPU = 0.01
SETTLE_SECONDS = 5.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cpu_seconds(group: int) -> float:
    """User + system CPU time of every process of a process group, from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == group:  # the 5th field: process group
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as answer:
            return int(answer.status) == 200
    except OSError:
        return False


def one_run(state_dir: Path, idle_seconds: float) -> dict[str, float]:
    """Start the runner, time its first healthy answer, measure it idle, stop it."""
    port = _free_port()
    env = {
        **os.environ,
        "HERALD_STATE_DIR": str(state_dir),
        "HERALD_APP_URL": f"http://127.0.0.1:{port}",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "localcloud.asgi:create_local_app",
        "--factory",
        "--reload",
        "--reload-dir",
        "app",
        "--reload-dir",
        "workers",
        "--reload-dir",
        "localcloud",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        url = f"http://127.0.0.1:{port}/api/health"
        while not _healthy(url):
            if process.poll() is not None:
                raise RuntimeError(
                    f"the runner exited: {process.stderr.read().decode()[-2000:] if process.stderr else ''}"
                )
            if time.perf_counter() - started > 120:
                raise RuntimeError("no healthy answer within 120 s")
            time.sleep(0.05)
        ready = time.perf_counter() - started
        time.sleep(SETTLE_SECONDS)
        before, window_start = _cpu_seconds(process.pid), time.perf_counter()
        time.sleep(idle_seconds)
        used, window = _cpu_seconds(process.pid) - before, time.perf_counter() - window_start
        return {"start_seconds": ready, "idle_cpu_share": used / window}
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def main() -> None:
    """Run, print and save the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    args = parser.parse_args()
    fresh: list[dict[str, float]] = []
    restored: list[dict[str, float]] = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as state:
            fresh.append(one_run(Path(state), args.idle_seconds))
            restored.append(one_run(Path(state), args.idle_seconds))

    def summary(runs: list[dict[str, float]]) -> dict[str, Any]:
        return {
            "start_seconds_median": round(statistics.median(r["start_seconds"] for r in runs), 2),
            "idle_cpu_percent_median": round(statistics.median(r["idle_cpu_share"] for r in runs) * 100, 2),
            "runs": [{k: round(v, 4) for k, v in r.items()} for r in runs],
        }

    result = {
        "benchmark": "local_runner",
        "fresh_state": summary(fresh),
        "restored_state": summary(restored),
        "idle_seconds": args.idle_seconds,
        "target_start_seconds": TARGET_START_SECONDS,
        "target_idle_cpu_percent": TARGET_IDLE_CPU * 100,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
