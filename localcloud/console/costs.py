"""The meter in the dev console: what the work seen so far would have cost in AWS.

Per correlation id (a campaign's send, an import, any API request and all it caused), priced at
list price from `pricing/prices.json` (no free tier: that is a month's allowance, not a run's).
"""

from __future__ import annotations

from typing import Any

from localcloud.meter import Meter, Usage
from pricing import model


def _priced(usage: Usage, prices: dict[str, Any]) -> dict[str, Any]:
    shown = usage.as_json()
    return {
        "requests": sum(usage.requests.values()),
        "units": shown["units"],
        "by_service": shown["requests"],
        "invocations": shown["invocations"],
        "cost": model.cost_of(usage.units, prices),
    }


def overview(meter: Meter, *, limit: int) -> dict[str, Any]:
    """Everything since the cloud started, and the latest correlation ids, newest first."""
    prices = model.load(model.PRICES)
    return {
        "total": _priced(meter.total(), prices),
        "recent": [
            {"correlation_id": cid, "label": label, **_priced(usage, prices)}
            for cid, label, usage in meter.recent(limit)
        ],
    }


def for_correlation(meter: Meter, correlation_id: str) -> dict[str, Any]:
    """One correlation id's usage and cost (zero when the meter saw nothing under it)."""
    usage = meter.for_correlation(correlation_id)
    return {"correlation_id": correlation_id, **_priced(usage, model.load(model.PRICES))}
