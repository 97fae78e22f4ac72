"""Campaign delivery through the local pipeline vs a bare SES `send_email` loop (same recipients).

`ours`: the real path on the embedded cloud, timed from the send request until the campaign is
`sent`: StartDelivery freezes the audience (query, suppression BatchGetItem, recipient
BatchWriteItem) and enqueues batches; the SQS poller feeds the send worker (a conditional claim
per recipient, render with Jinja, SES v2 with headers and tags, sent records per 10, batch
count); the last batch resumes the execution; Finalize updates every subscriber mailed (a page
per run) and marks the campaign sent. Meanwhile the SES events of the sent mail are processed
(one conditional write per Delivery) and the stream worker runs (the whole process shares one
interpreter lock, so all of it competes with the senders).
`ours` is timed until the campaign is `sent` and the cloud is idle: every SES event of its mail
has been processed (`sent_seconds` is the time to `sent` alone).
`baseline`: one boto3 `send_email` per recipient, in a loop, with the same configuration set, so
the emulated SES produces the same events (they reach the same feedback worker, which finds no
campaign tags and does nothing with them). `bare`: the same loop without a configuration set
(no events at all), for reference.
The sending rate limit is lifted (SendRatePerSecond=1000000) so both measure the machinery, not
the throttle. Each run gets a freshly started cloud; boto3 reaches it in-process (the local
runner's transport) unless `--transport http`. `--compare-http` also times `ours` over HTTP.
Figures: ours in seconds (target <= 60 at 5,000), ratio = ours / baseline, ratio to bare.
Usage: python bench/send_campaign.py [--recipients 5000] [--transport in-process|http] [--compare-http]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "send_campaign.json"
TARGET_SECONDS = 60.0
PARAMETERS = {"SendRatePerSecond": "1000000"}
POLL_SECONDS = 0.25  # the bench's own reads compete with the pipeline for the interpreter


def _cloud(*, in_process: bool = True) -> Any:
    from localcloud.asgi import reset_app_caches
    from localcloud.cloud import EmbeddedCloud

    cloud = EmbeddedCloud(
        template_path=ROOT / "template.yaml", state_dir=None, parameters=PARAMETERS, in_process=in_process
    )
    cloud.start()
    cloud.apply_environment()
    reset_app_caches()
    return cloud


def _seed(recipients: int) -> tuple[str, str, list[str]]:
    """A list of `recipients` subscribers (written directly) and a draft campaign for it."""
    from app.contacts.models import NewSubscriber
    from app.store import Store

    store = Store.default()
    owner, list_id, campaign_id = uuid.uuid4().hex, uuid.uuid4().hex[:28], uuid.uuid4().hex[:28]
    store.lists.create(owner, list_id, name="Bench", description="", correlation_id=None)
    emails = [f"reader{i}@bench.example" for i in range(recipients)]
    store.subscribers.put_many(
        owner,
        list_id,
        [
            NewSubscriber(
                email=email, name=f"Reader {i}", attributes={"city": f"City {i % 97}"}, source="import"
            )
            for i, email in enumerate(emails)
        ],
    )
    content = {
        "name": "Bench",
        "subject": "Hello {{ subscriber.name }}",
        "from_name": "Herald Bench",
        "reply_to": None,
        "list_id": list_id,
        "html_body": "<p>Hi {{ subscriber.name }} in {{ attributes.city }}</p>"
        "<a href='{{ unsubscribe_url }}'>unsubscribe</a>",
        "text_body": "Hi {{ subscriber.name }}: {{ unsubscribe_url }}",
    }
    store.campaigns.create(owner, campaign_id, content, correlation_id=None)
    return owner, campaign_id, emails


def send_and_wait(owner: str, campaign_id: str, *, watch: Any = None, timeout: float | None = None) -> Any:
    """Send the campaign now, as the API does, and wait until it is sent or failed (read through
    `watch`, a store of its own, when the reads must not count); returns the campaign.
    RuntimeError when `timeout` seconds pass first."""
    from app import aws
    from app.campaigns import service
    from app.campaigns.launch import StepFunctionsLauncher
    from app.config import get_settings
    from app.store import Store

    settings, store = get_settings(), Store.default()
    launcher = StepFunctionsLauncher(
        sfn=aws.stepfunctions(),
        scheduler=aws.scheduler(),
        state_machine_arn=settings.state_machine_arn or "",
        scheduler_role_arn="",
        stage=settings.stage,
    )
    service.send_now(
        owner, campaign_id, repo=store.campaigns, lists=store.lists, launcher=launcher, correlation_id=None
    )
    reader = (watch or store).campaigns
    deadline = None if timeout is None else time.monotonic() + timeout
    while (campaign := reader.get(owner, campaign_id)) is None or campaign.status not in ("sent", "failed"):
        if deadline is not None and time.monotonic() > deadline:
            raise RuntimeError(f"the campaign was not sent within {timeout:.0f} s")
        time.sleep(POLL_SECONDS)
    return campaign


def run_ours(recipients: int, *, in_process: bool = True) -> tuple[float, float]:
    """Seconds from send to `sent`, and to the end of its feedback, on the real pipeline."""
    from app import aws

    cloud = _cloud(in_process=in_process)
    try:
        owner, campaign_id, _ = _seed(recipients)
        aws.campaign_ses(), aws.sqs()  # clients exist in a warm Lambda; not part of the figure
        started = time.perf_counter()
        campaign = send_and_wait(owner, campaign_id)
        sent = time.perf_counter() - started
        if campaign.status != "sent" or campaign.stats.sent != recipients:
            raise RuntimeError(f"the campaign ended {campaign.status} with {campaign.stats.sent} sent")
        if not cloud.wait_idle(600):
            raise RuntimeError("the feedback was not processed within 600 s")
        return sent, time.perf_counter() - started
    finally:
        cloud.stop()


def run_baseline(recipients: int, *, configuration_set: bool = True, in_process: bool = True) -> float:
    """Seconds for a bare `send_email` loop over the same recipients."""
    from app import aws
    from app.config import get_settings

    cloud = _cloud(in_process=in_process)
    try:
        _, _, emails = _seed(recipients)
        ses = aws.sesv2()
        settings = get_settings()
        extra: dict[str, Any] = {}
        if configuration_set:
            extra["ConfigurationSetName"] = settings.ses_configuration_set or ""
        started = time.perf_counter()
        for i, email in enumerate(emails):
            ses.send_email(
                FromEmailAddress=settings.sender_email,
                Destination={"ToAddresses": [email]},
                Content={
                    "Simple": {
                        "Subject": {"Data": f"Hello Reader {i}"},
                        "Body": {
                            "Text": {"Data": f"Hi Reader {i}"},
                            "Html": {"Data": f"<p>Hi Reader {i}</p>"},
                        },
                    }
                },
                **extra,
            )
        return time.perf_counter() - started
    finally:
        cloud.stop()


def main() -> None:
    """Run each, print and save the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--transport", choices=("in-process", "http"), default="in-process")
    parser.add_argument("--compare-http", action="store_true", help="also time ours over HTTP")
    args = parser.parse_args()
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    in_process = args.transport == "in-process"
    bare = run_baseline(args.recipients, configuration_set=False, in_process=in_process)
    baseline = run_baseline(args.recipients, in_process=in_process)
    sent, ours = run_ours(args.recipients, in_process=in_process)
    result: dict[str, Any] = {
        "recipients": args.recipients,
        "transport": args.transport,
        "bare_seconds": round(bare, 2),
        "baseline_seconds": round(baseline, 2),
        "sent_seconds": round(sent, 2),
        "ours_seconds": round(ours, 2),
        "ratio": round(ours / baseline, 2),
        "ratio_to_bare": round(ours / bare, 2),
        "target_seconds": TARGET_SECONDS,
        "met": ours <= TARGET_SECONDS,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    if args.compare_http:
        http_sent, http_ours = run_ours(args.recipients, in_process=False)
        result["ours_over_http_seconds"] = round(http_ours, 2)
        result["sent_over_http_seconds"] = round(http_sent, 2)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
