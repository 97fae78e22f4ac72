"""Herald's monthly AWS cost for a workload: the calibrated coefficients times the price table.

A month is `campaigns` campaigns, each to every one of `subscribers`; `engagement` is the share
of emails that bring back an open or click event, each assumed to cost what processing one SES
event costs (measured). A share of the audience (`GROWTH`) is added each month through imports,
at the measured cost of importing a subscriber, and every subscriber is stored at its measured
size. Everything else comes from bench/results/cost_model.json (bench/cost_calibration.py) and
pricing/prices.json. The SPA's calculator (frontend/src/screens/cost/model.ts) is the same
arithmetic; keep them together.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PRICES = ROOT / "pricing" / "prices.json"
MODEL = ROOT / "bench" / "results" / "cost_model.json"
GROWTH = 0.05  # the share of the audience added by imports each month (an assumption, not measured)
GIB = 1024**3
SES = "SES"


@dataclass(frozen=True)
class Workload:
    """What a month asks of Herald."""

    subscribers: int
    campaigns: int
    engagement: float = 0.0

    def __post_init__(self) -> None:
        if self.subscribers < 0 or self.campaigns < 0:
            raise ValueError("subscribers and campaigns must be 0 or more")
        if not 0 <= self.engagement <= 1:
            raise ValueError("engagement is a share: between 0 and 1")

    @property
    def emails(self) -> int:
        """Emails sent in the month."""
        return self.subscribers * self.campaigns


def load(path: Path) -> dict[str, Any]:
    """A JSON data file (the price table or the calibrated model)."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def monthly_units(workload: Workload, model: Mapping[str, Any]) -> dict[str, float]:
    """Billed units of each meter in a month (plus the table's GB-months of storage)."""
    emails = workload.emails
    units: dict[str, float] = {}

    def add(coefficients: Mapping[str, float], times: float) -> None:
        for name, value in coefficients.items():
            units[name] = units.get(name, 0.0) + value * times

    add(model["per_email"], emails)
    add(model["per_campaign"], workload.campaigns)
    add(model["per_engagement_event"], emails * workload.engagement)
    add(model["per_imported_subscriber"], workload.subscribers * GROWTH)
    units["dynamodb_storage_gb_months"] = workload.subscribers * model["stored_bytes_per_subscriber"] / GIB
    return units


def priced(units: Mapping[str, float], prices: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """Billed units priced by service: `usd`, and `usd_after_free_tier` (a month's allowance off)."""
    table, free = prices["prices"], prices["free_tier"]
    services: dict[str, dict[str, float]] = {}
    for name, quantity in sorted(units.items()):
        price = table.get(name)
        if price is None:
            raise KeyError(f"the price table has no line for {name}")
        allowance = free.get(name, {}).get("amount", 0)
        line = services.setdefault(price["service"], {"usd": 0.0, "usd_after_free_tier": 0.0})
        line["usd"] += quantity * price["usd"] / price["per"]
        line["usd_after_free_tier"] += max(0.0, quantity - allowance) * price["usd"] / price["per"]
    return services


def cost_of(units: Mapping[str, float], prices: Mapping[str, Any]) -> dict[str, Any]:
    """What some metered usage (a campaign, an import, one request's trail) costs in AWS, by
    service, at list price (no free tier: it is a month's allowance, not a run's)."""
    services = {name: round(line["usd"], 6) for name, line in priced(units, prices).items()}
    return {
        "services": services,
        "total_usd": round(sum(services.values()), 6),
        "prices_transcribed_on": prices["transcribed_on"],
    }


def estimate(workload: Workload, prices: Mapping[str, Any], model: Mapping[str, Any]) -> dict[str, Any]:
    """The month's cost by service, with and without the free tier, and the classical setup's."""
    units = monthly_units(workload, model)
    services = priced(units, prices)
    total = sum(line["usd"] for line in services.values())
    ses = services.get(SES, {}).get("usd", 0.0)
    emails = workload.emails
    classical = classical_setup(prices, ses)
    return {
        "inputs": {
            "subscribers": workload.subscribers,
            "campaigns": workload.campaigns,
            "engagement": workload.engagement,
        },
        "emails": emails,
        "units": {name: round(value, 4) for name, value in sorted(units.items())},
        "services": {name: _rounded(line) for name, line in services.items()},
        "total_usd": round(total, 4),
        "total_after_free_tier_usd": round(sum(line["usd_after_free_tier"] for line in services.values()), 4),
        "herald_aws_usd": round(total - ses, 4),
        "ses_usd": round(ses, 4),
        "per_1000_emails": {
            "herald_aws_usd": round((total - ses) / emails * 1000, 4) if emails else 0.0,
            "ses_usd": round(ses / emails * 1000, 4) if emails else 0.0,
        },
        "classical": classical,
        "prices_transcribed_on": prices["transcribed_on"],
        "model_measured_on": model.get("measured_on"),
    }


def classical_setup(prices: Mapping[str, Any], ses_usd: float) -> dict[str, Any]:
    """The always-on setup's month: each line (hourly lines for every hour), plus the same SES."""
    setup = prices["classical"]
    hours = setup["hours_per_month"]
    lines = []
    for line in setup["lines"]:
        quantity = hours if line["per"] == "hour" else line.get("quantity", 1)
        lines.append(
            {"name": line["name"], "service": line["service"], "usd": round(line["usd"] * quantity, 4)}
        )
    by_service: dict[str, float] = {}
    for line in lines:
        by_service[line["service"]] = round(by_service.get(line["service"], 0.0) + line["usd"], 4)
    by_service[SES] = round(ses_usd, 4)
    return {
        "setup": setup["setup"],
        "lines": lines,
        "services": by_service,
        "total_usd": round(sum(by_service.values()), 4),
    }


def _rounded(line: Mapping[str, float]) -> dict[str, float]:
    return {key: round(value, 4) for key, value in line.items()}
