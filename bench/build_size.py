"""What `sam build` produces: each artifact's size (unzipped and zipped) and the build's time.

Runs `sam build --config-env dev` (the Makefile's `make build`) from a source tree into a
fresh build and cache directory, so no earlier build or SAM cache is reused (pip's own
download cache is, as on any developer machine). Every artifact directory is then zipped
in memory the way `sam package` zips it (deflate), and its bytes counted. The goal: all
artifacts zip to at most 30 MB and the build takes at most 40 s.
Usage: python bench/build_size.py [--source DIR] [--sam PATH] [--label NAME] [--output FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SAM = ROOT / ".venv-tools" / "bin" / "sam"
GOAL_TOTAL_ZIPPED_MB = 30.0
GOAL_BUILD_SECONDS = 40.0
MB = 1_000_000
Artifacts = dict[str, dict[str, Any]]


def zipped(directory: Path) -> tuple[int, int, int, str]:
    """Unzipped bytes, zipped bytes, file count and a content digest of one artifact directory."""
    buffer = io.BytesIO()
    raw = files = 0
    digest = hashlib.sha256()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            relative = path.relative_to(directory).as_posix()
            data = path.read_bytes()
            archive.writestr(relative, data)
            digest.update(relative.encode() + b"\0" + hashlib.sha256(data).digest())
            raw += len(data)
            files += 1
    return raw, len(buffer.getvalue()), files, digest.hexdigest()[:12]


def measure(build_dir: Path) -> Artifacts:
    """Sizes of every artifact directory sam build wrote (functions and layers)."""
    artifacts = {}
    for directory in sorted(p for p in build_dir.iterdir() if p.is_dir()):
        raw, packed, files, digest = zipped(directory)
        artifacts[directory.name] = {
            "files": files,
            "unzipped_mb": round(raw / MB, 2),
            "zipped_mb": round(packed / MB, 2),
            "content": digest,
        }
    return artifacts


def build(source: Path, sam: Path, work: Path) -> tuple[list[str], float]:
    """Run sam build into `work`; returns the command and its wall time in seconds."""
    command = [
        str(sam),
        "build",
        "--config-env",
        "dev",
        "--build-dir",
        str(work / "build"),
        "--cache-dir",
        str(work / "cache"),
    ]
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "PATH": f"{sam.parent}:{os.environ.get('PATH', '')}"}
    started = time.perf_counter()
    done = subprocess.run(command, cwd=source, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"sam build failed ({done.returncode})")
    return ["sam", *command[1:]], elapsed


def report(label: str, command: list[str], seconds: float, artifacts: Artifacts) -> dict[str, Any]:
    """The JSON record of one run, with totals against the goals."""
    total = sum(a["zipped_mb"] for a in artifacts.values())
    distinct = sum({a["content"]: a["zipped_mb"] for a in artifacts.values()}.values())
    return {
        "benchmark": "build_size",
        "label": label,
        "command": " ".join(command[:3]) + " (fresh --build-dir and --cache-dir)",
        "build_seconds": round(seconds, 1),
        "artifacts": artifacts,
        "artifact_count": len(artifacts),
        "total_zipped_mb": round(total, 2),
        "distinct_zipped_mb": round(distinct, 2),
        "goal_total_zipped_mb": GOAL_TOTAL_ZIPPED_MB,
        "goal_build_seconds": GOAL_BUILD_SECONDS,
        "python": sys.version.split()[0],
    }


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", type=Path, default=ROOT, help="the tree to build (default: this one)")
    parser.add_argument("--sam", type=Path, default=DEFAULT_SAM)
    parser.add_argument("--label", default="current")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "build_size.json")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="herald-build-"))
    try:
        command, seconds = build(args.source.resolve(), args.sam.resolve(), work)
        result = report(args.label, command, seconds, measure(work / "build"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for name, artifact in result["artifacts"].items():
        sizes = f"{artifact['unzipped_mb']:8.2f} MB {artifact['zipped_mb']:7.2f} MB zipped"
        print(f"{name:36} {artifact['files']:6} files {sizes}")
    print(
        f"total {result['total_zipped_mb']} MB zipped ({result['distinct_zipped_mb']} MB distinct) "
        f"in {result['artifact_count']} artifacts; sam build {result['build_seconds']} s "
        f"(goals: {GOAL_TOTAL_ZIPPED_MB:g} MB, {GOAL_BUILD_SECONDS:g} s)"
    )
    existing = json.loads(args.output.read_text()) if args.output.exists() else {}
    runs = existing.get("runs", {}) if isinstance(existing.get("runs"), dict) else {}
    runs[args.label] = result
    args.output.write_text(json.dumps({"benchmark": "build_size", "runs": runs}, indent=2) + "\n")


if __name__ == "__main__":
    main()
