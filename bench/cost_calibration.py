"""The cost model's coefficients, measured: campaigns and an import on the embedded cloud, metered.

One freshly started cloud (the template's every poller running, its default sending rate). For
each calibration size N: a CSV of N subscribers is imported the real way (create the import, put
the file in the imports bucket: S3's notification, the queue, the import worker), then a campaign
to that list is sent (Step Functions, the send queue and worker, SES, the SES events and the
feedback worker, the stream worker) and the cloud is left to go idle. `localcloud.meter` counts
every request and billed unit of each.

Two campaign sizes give a line per meter: the slope is the cost of one more email, the intercept
the cost of a campaign whatever its size. An import's units divided by its rows are the cost of
adding a subscriber; the subscriber items' own size (DynamoDB's counting, index copy included) is
what a subscriber stores. The SES events' processing (the feedback function and its queue) per
event is what an engagement event (an open or a click) is assumed to cost once tracking exists.
Writes bench/results/cost_model.json. Usage: python bench/cost_calibration.py [--sizes 100 300]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "cost_model.json"
PARAMETERS = {"LogLevel": "WARNING"}  # the default sending rate (14 a second), as an account starts
SIZES = (100, 300)
# The feedback function and its queue (the template's DeliveryEventsQueue, named herald-<stage>-...).
FEEDBACK_SOURCES = ("OnDeliveryEventFunction", "queue:herald-local-delivery-events")
IDLE_SECONDS = 600.0

if TYPE_CHECKING:
    from localcloud.cloud import EmbeddedCloud
    from localcloud.meter import Usage


def start_cloud() -> EmbeddedCloud:
    """A fresh embedded cloud from template.yaml, its environment applied to this process."""
    from localcloud.asgi import reset_app_caches
    from localcloud.cloud import EmbeddedCloud

    cloud = EmbeddedCloud(template_path=ROOT / "template.yaml", state_dir=None, parameters=PARAMETERS)
    cloud.start()
    cloud.apply_environment()
    reset_app_caches()
    return cloud


def import_subscribers(cloud: EmbeddedCloud, owner: str, rows: int) -> tuple[str, Usage]:
    """A new list filled by a real CSV import of `rows` subscribers; the list id and the import's usage."""
    from app import aws
    from app.config import get_settings
    from app.contacts.models import ListCreate
    from app.contacts.service import create_list
    from app.imports import service
    from app.imports.models import ImportCreate
    from app.imports.storage import S3Uploads, upload_key
    from app.store import Store

    store = Store.default()
    bucket = get_settings().imports_bucket
    list_id = create_list(owner, ListCreate(name="calibration"), repo=store.lists, correlation_id=None).id
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "subscribers.csv"
        lines = ["email,name,city"] + [
            f"reader{i}@calibration.example,Reader {i},City {i % 97}" for i in range(rows)
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with cloud.meter.run("import") as run:
            job = service.create_import(
                owner,
                list_id,
                ImportCreate(file_name=path.name, confirmed_reason="calibration"),
                lists=store.lists,
                repo=store.imports,
                uploads=S3Uploads(aws.s3(), bucket),
                max_bytes=10**9,
                correlation_id=None,
            )
            aws.s3().upload_file(str(path), bucket, upload_key(owner, job.id))
            _wait_idle(cloud)
            done = store.imports.get(owner, job.id)
            if done is None or done.job.status != "completed":
                raise RuntimeError(f"the import ended {done.job.status if done else 'missing'}")
            return list_id, run.usage()


def send_campaign(cloud: EmbeddedCloud, owner: str, list_id: str) -> tuple[str, Usage, dict[str, Usage]]:
    """Send a campaign to the list and let its feedback finish: its id, usage, and usage by source."""
    from app.store import Store
    from bench.send_campaign import send_and_wait

    store = Store.default()
    campaign_id = uuid.uuid4().hex[:28]
    content = {
        "name": "Calibration",
        "subject": "Hello {{ subscriber.name }}",
        "from_name": "Herald",
        "reply_to": None,
        "list_id": list_id,
        "html_body": "<p>Hi {{ subscriber.name }} in {{ attributes.city }}</p>"
        "<a href='{{ unsubscribe_url }}'>unsubscribe</a>",
        "text_body": "Hi {{ subscriber.name }}: {{ unsubscribe_url }}",
    }
    with cloud.meter.run("campaign") as run:
        store.campaigns.create(owner, campaign_id, content, correlation_id=None)
        campaign = send_and_wait(owner, campaign_id, timeout=IDLE_SECONDS)
        if campaign.status != "sent":
            raise RuntimeError(f"the campaign ended {campaign.status}")
        _wait_idle(cloud)
        return campaign_id, run.usage(), run.by_source()


def _wait_idle(cloud: EmbeddedCloud) -> None:
    if not cloud.wait_idle(IDLE_SECONDS):
        raise RuntimeError(f"the cloud was still busy after {IDLE_SECONDS:.0f} s")


def stored_bytes_per_subscriber(owner: str, list_id: str) -> float:
    """What a subscriber of the list stores, as DynamoDB counts it (its item, plus its index copy)."""
    from app import aws
    from app.config import get_settings
    from pricing import units

    table = get_settings().table_name
    pages = (
        aws.dynamodb()
        .get_paginator("query")
        .paginate(
            TableName=table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :sub)",
            ExpressionAttributeValues={":pk": {"S": f"LIST#{owner}#{list_id}"}, ":sub": {"S": "SUB#"}},
        )
    )
    sizes = []
    for page in pages:
        for item in page["Items"]:
            copies = 2 if "GSI1PK" in item and "GSI1SK" in item else 1
            sizes.append(copies * (units.item_size(item) + units.ITEM_OVERHEAD_BYTES))
    if not sizes:
        raise RuntimeError("the list has no subscriber items")
    return sum(sizes) / len(sizes)


def feedback_usage(by_source: Mapping[str, Usage]) -> Usage:
    """The SES events' processing: the feedback function and the polling of its queue."""
    from localcloud.meter import Usage

    total = Usage()
    for source, usage in by_source.items():
        if source in FEEDBACK_SOURCES:
            total.add(usage)
    return total


def measure(sizes: tuple[int, ...]) -> dict[str, Any]:
    """Import and send for each size on one cloud; every run's metered usage."""
    cloud = start_cloud()
    try:
        runs = []
        for recipients in sizes:
            owner = str(uuid.uuid4())
            list_id, imported = import_subscribers(cloud, owner, recipients)
            campaign_id, sent, by_source = send_campaign(cloud, owner, list_id)
            runs.append(
                {
                    "recipients": recipients,
                    "campaign_id": campaign_id,
                    "campaign": sent.as_json(),
                    "campaign_feedback": feedback_usage(by_source).as_json(),
                    "campaign_sources": sorted(by_source),
                    "import": imported.as_json(),
                    "stored_bytes_per_subscriber": round(stored_bytes_per_subscriber(owner, list_id), 1),
                }
            )
        return {"runs": runs}
    finally:
        cloud.stop()


def coefficients(runs: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The model from the runs: per email (slope), per campaign (intercept), per subscriber, per event."""
    first, last = runs[0], runs[-1]
    span = last["recipients"] - first["recipients"]
    if span <= 0:
        raise ValueError("the calibration needs two different campaign sizes")
    names = sorted(set(first["campaign"]["units"]) | set(last["campaign"]["units"]))
    per_email, per_campaign = {}, {}
    for name in names:
        low, high = first["campaign"]["units"].get(name, 0.0), last["campaign"]["units"].get(name, 0.0)
        slope = (high - low) / span
        per_email[name] = round(slope, 6)
        per_campaign[name] = round(max(0.0, low - slope * first["recipients"]), 6)
    rows = sum(run["recipients"] for run in runs)
    per_subscriber: dict[str, float] = {}
    per_event: dict[str, float] = {}
    for run in runs:
        for name, value in run["import"]["units"].items():
            per_subscriber[name] = per_subscriber.get(name, 0.0) + value / rows
        for name, value in run["campaign_feedback"]["units"].items():
            per_event[name] = per_event.get(name, 0.0) + value / rows
    stored = sum(run["stored_bytes_per_subscriber"] * run["recipients"] for run in runs) / rows
    return {
        "per_email": per_email,
        "per_campaign": per_campaign,
        "per_imported_subscriber": {k: round(v, 6) for k, v in sorted(per_subscriber.items())},
        "per_engagement_event": {k: round(v, 6) for k, v in sorted(per_event.items())},
        "stored_bytes_per_subscriber": round(stored, 1),
    }


def main() -> None:
    """Calibrate, print and save the model."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs=2, default=SIZES, metavar=("SMALL", "LARGE"))
    args = parser.parse_args()
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    measured = measure(tuple(args.sizes))
    model = {
        "generated_by": "bench/cost_calibration.py",
        "measured_on": dt.date.today().isoformat(),
        "note": "Counts from the embedded cloud's meter; lambda_gb_seconds is measured wall time "
        "in one shared process (an upper bound of what Lambda would bill).",
        **coefficients(measured["runs"]),
        "runs": measured["runs"],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(model, indent=2) + "\n")
    print(json.dumps({k: v for k, v in model.items() if k != "runs"}, indent=2))


if __name__ == "__main__":
    main()
