"""The work a campaign costs per recipient: AWS calls and items, messages, steps (counts, not seconds).

A campaign of N recipients (default 3,000) goes through the whole local pipeline on the embedded
cloud, with the SES rate lifted: send now -> StartDelivery (pages of the audience, the first
window of batches) -> the senders (opt-out check, claim, render, SES, records, batch count,
heartbeat or resume) -> WaitForSender top-ups -> Finalize -> sent, and the SES feedback of every
message. Every AWS call Herald's own code makes is counted, by the function that made it (the API,
each step, the senders, the feedback and stream workers), with the items each batch call carries;
the execution's history gives the state transitions and Lambda tasks. The counts are exact for
this run (timing does not change them, except how often senders ask for a top-up); the README's
paper model scales them to a million recipients.

The embedded cloud's own polling (SQS receives and deletes, stream reads) is not Herald's code
and is left out: in AWS that is the event source mappings' work.
Usage: python bench/delivery_work.py [--recipients 3000] [--window 100] (a smaller window than
the 100 batches of production makes a few thousand recipients go round the top-up loop too).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "delivery_work.json"


class Meter:
    """Counts the AWS calls of Herald's clients (those app.aws creates), by function and operation."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str, str]] = Counter()
        self.items: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()

    def install(self) -> None:
        """Tag every client app.aws builds from now on, and count the tagged clients' calls (a
        thread pool's tasks are counted for the function that started them)."""
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        import botocore.client

        from app import aws

        build = aws._client  # the bench wraps the client factory

        def tagged(factory: Any) -> Any:
            def make(*args: Any) -> Any:
                client = factory(*args)
                client._herald_metered = True
                return client

            make.cache_clear = factory.cache_clear  # type: ignore[attr-defined]
            return make

        aws._client = tagged(build)
        aws.clear_clients()
        meter, make_call = self, botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

        def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
            response = make_call(client, operation, params)
            if getattr(client, "_herald_metered", False):
                meter.count(client.meta.service_model.service_name, operation, params, response)
            return response

        botocore.client.BaseClient._make_api_call = counted  # type: ignore[attr-defined]
        submit = ThreadPoolExecutor.submit

        def in_context(pool: ThreadPoolExecutor, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            return submit(pool, contextvars.copy_context().run, fn, *args, **kwargs)

        ThreadPoolExecutor.submit = in_context  # type: ignore[method-assign,assignment]

    def count(self, service: str, operation: str, params: dict[str, Any], response: dict[str, Any]) -> None:
        """One call, by the function running it, with the items it carries (or a query returns)."""
        try:
            from localcloud.functions import CURRENT_FUNCTION

            running = CURRENT_FUNCTION.get()
            who = running.logical_id if running is not None else "ApiFunction"
        except ImportError:
            who = "unknown"
        key = (who, service, operation)
        with self._lock:
            self.calls[key] += 1
            self.items[key] += _items(operation, params, response)


def _items(operation: str, params: dict[str, Any], response: dict[str, Any]) -> int:
    if operation == "Query":
        return len(response.get("Items", []))
    if operation == "BatchGetItem":
        return sum(len(t.get("Keys", [])) for t in params.get("RequestItems", {}).values())
    if operation == "BatchWriteItem":
        return sum(len(requests) for requests in params.get("RequestItems", {}).values())
    if operation == "TransactWriteItems":
        return len(params.get("TransactItems", []))
    if operation == "SendMessageBatch":
        return len(params.get("Entries", []))
    return 1


def run(recipients: int, *, window: int) -> dict[str, Any]:
    """Send one campaign (with a send window of `window` batches) and return its counts."""
    from bench.send_campaign import _cloud, _seed, send_and_wait

    cloud = _cloud()
    try:
        owner, campaign_id, _ = _seed(recipients)
        from app import aws
        from app.config import get_settings
        from app.delivery import start
        from app.delivery.models import BATCH_SIZE
        from app.store import Store

        start.SEND_WINDOW, start.REFILL_AT = window, window // 2
        watch, sfn = Store.default(), aws.stepfunctions()  # the bench's own reads: not counted
        meter = Meter()
        meter.install()
        started = time.perf_counter()
        campaign = send_and_wait(owner, campaign_id, watch=watch)
        cloud.wait_idle(120)  # the SES feedback of the last messages
        elapsed = time.perf_counter() - started
        if campaign.status != "sent" or campaign.stats.sent != recipients:
            raise RuntimeError(f"the campaign ended {campaign.status} with {campaign.stats.sent} sent")
        machine = get_settings().state_machine_arn or ""
        arn = machine.replace(":stateMachine:", ":execution:") + f":{campaign_id}"
        report = _report(meter, _history(sfn, arn), recipients=recipients, seconds=elapsed)
        return {**report, "batch_size": BATCH_SIZE, "window_batches": window}
    finally:
        cloud.stop()


def _history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = sfn.get_execution_history(
            executionArn=arn, maxResults=1000, **({"nextToken": token} if token else {})
        )
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events


def _report(
    meter: Meter, history: list[dict[str, Any]], *, recipients: int, seconds: float
) -> dict[str, Any]:
    by_operation: Counter[str] = Counter()
    by_function: dict[str, Counter[str]] = {}
    items: Counter[str] = Counter()
    for (who, service, operation), calls in meter.calls.items():
        name = f"{service}:{operation}"
        by_operation[name] += calls
        items[name] += meter.items[(who, service, operation)]
        by_function.setdefault(who, Counter())[name] += calls
    states = Counter(
        e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e
    )
    lambda_tasks = sum(1 for e in history if e["type"] in ("TaskScheduled", "LambdaFunctionScheduled"))
    dynamodb_calls = sum(c for name, c in by_operation.items() if name.startswith("dynamodb:"))
    dynamodb_items = sum(n for name, n in items.items() if name.startswith("dynamodb:"))
    per = {name: round(count / recipients, 4) for name, count in sorted(by_operation.items())}
    return {
        "recipients": recipients,
        "seconds_on_the_embedded_cloud": round(seconds, 1),
        "per_recipient": {
            "dynamodb_calls": round(dynamodb_calls / recipients, 3),
            "dynamodb_items": round(dynamodb_items / recipients, 3),
            "sqs_messages_sent": round(items["sqs:SendMessageBatch"] / recipients, 4),
            "ses_sends": round(by_operation["sesv2:SendEmail"] / recipients, 4),
            "stepfunctions_calls": round(
                sum(c for name, c in by_operation.items() if name.startswith("stepfunctions:")) / recipients,
                4,
            ),
        },
        "calls_per_recipient": per,
        "items_per_recipient": {name: round(n / recipients, 4) for name, n in sorted(items.items())},
        "calls_by_function": {who: dict(sorted(c.items())) for who, c in sorted(by_function.items())},
        "state_transitions": sum(states.values()),
        "states_entered": dict(states),
        "lambda_step_invocations": lambda_tasks,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }


def main() -> None:
    """Run once, print and save the counts."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument("--window", type=int, default=100, help="batches on the queue beyond those done")
    args = parser.parse_args()
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    result = run(args.recipients, window=args.window)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
