"""What Herald costs in AWS for a month's workload, beside a classical always-on setup (offline).

Reads pricing/prices.json and the calibrated bench/results/cost_model.json (pricing.model); runs
nothing in the cloud. Usage:
python scripts/cost.py --subscribers 100000 --campaigns 4 [--engagement 0.3] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pricing.model import MODEL, PRICES, SES, Workload, estimate, load  # noqa: E402


def render(result: dict[str, Any]) -> str:
    """The estimate as a short table for people."""
    inputs = result["inputs"]
    lines = [
        f"Herald on AWS (us-east-1, arm64): {inputs['subscribers']:,} subscribers x {inputs['campaigns']} "
        f"campaigns = {result['emails']:,} emails a month, engagement {inputs['engagement']:.0%}",
        "",
        f"  {'service':<16}{'per month':>12}{'after free tier':>18}",
    ]
    for name, line in sorted(result["services"].items(), key=lambda item: -item[1]["usd"]):
        lines.append(f"  {name:<16}{_usd(line['usd']):>12}{_usd(line['usd_after_free_tier']):>18}")
    lines += [
        f"  {'total':<16}{_usd(result['total_usd']):>12}{_usd(result['total_after_free_tier_usd']):>18}",
        "",
        f"  per 1,000 emails: Herald's own AWS usage {_usd(result['per_1000_emails']['herald_aws_usd'], 4)}"
        f" + SES {_usd(result['per_1000_emails']['ses_usd'], 2)}",
        "",
        "Classical setup (listmonk-style: EC2, RDS PostgreSQL, ALB, SES):",
    ]
    classical = result["classical"]
    for name, usd in classical["services"].items():
        lines.append(f"  {name:<16}{_usd(usd):>12}")
    lines += [
        f"  {'total':<16}{_usd(classical['total_usd']):>12}",
        "",
        f"Prices transcribed {result['prices_transcribed_on']} (pricing/prices.json); coefficients measured "
        f"{result['model_measured_on']} (bench/results/cost_model.json). {SES} is the same in both.",
    ]
    return "\n".join(lines)


def _usd(value: float, places: int = 2) -> str:
    return f"${value:,.{places}f}"


def main(argv: list[str] | None = None) -> int:
    """Print the estimate (a table, or JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, required=True)
    parser.add_argument(
        "--campaigns", type=int, required=True, help="campaigns a month, each to every subscriber"
    )
    parser.add_argument(
        "--engagement", type=float, default=0.0, help="share of emails opened or clicked (0-1)"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    try:
        workload = Workload(args.subscribers, args.campaigns, args.engagement)
    except ValueError as exc:
        parser.error(str(exc))
    if not MODEL.is_file():
        parser.error(f"{MODEL.relative_to(ROOT)} is missing: run python bench/cost_calibration.py first")
    result = estimate(workload, load(PRICES), load(MODEL))
    sys.stdout.write((json.dumps(result, indent=2) if args.json else render(result)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
