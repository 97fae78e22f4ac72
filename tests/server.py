"""Run `make run`'s server (uvicorn + embedded cloud) in a subprocess for tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.helpers import SUITE_LIMITS

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def local_server(state_dir: Path, *, log_file: Path | None = None) -> Iterator[str]:
    """uvicorn serving Herald on the embedded cloud as `make run` does (without --reload)."""
    port = free_port()
    env = {
        **os.environ,
        **SUITE_LIMITS,
        "HERALD_STATE_DIR": str(state_dir),
        "HERALD_APP_URL": f"http://127.0.0.1:{port}",
    }
    for name in [n for n in env if n.startswith(("AWS_", "MOTO_", "TABLE_", "USER_POOL", "COGNITO_"))]:
        del env[name]  # the runner must set up everything itself, as on a fresh machine
    log = log_file.open("wb") if log_file else subprocess.DEVNULL
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "localcloud.asgi:create_local_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}; see {log_file}")
            if time.monotonic() > deadline:
                raise RuntimeError("server did not answer /api/health within 90 s")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        if log_file:
            log.close()  # type: ignore[union-attr]
