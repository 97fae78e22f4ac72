"""Shared test helpers: waiting for what other threads do, reading what the emulator recorded.

Test modules import helpers from here (and data from tests/factories.py), never from each other.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar, cast

import boto3
import httpx
from fastapi.testclient import TestClient

from localcloud.cloud import EmbeddedCloud

if TYPE_CHECKING:
    from app.campaigns.models import Campaign
    from app.config import Settings
    from app.delivery.feedback import FeedbackKit
    from app.delivery.models import DeliveryState, SendBatch
    from app.store import Store

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")

# The suite signs up and logs in hundreds of accounts from one client address (the ASGI client's,
# or 127.0.0.1 for the local server): the per-address auth limits are raised for it. The
# per-account limits keep their defaults; tests/api/test_auth_limits.py checks all at their defaults.
SUITE_LIMITS = {
    "SIGNUP_PER_ADDRESS": "100000",
    "CONFIRM_PER_ADDRESS": "100000",
    "LOGIN_PER_ADDRESS": "100000",
    "REFRESH_PER_ADDRESS": "100000",
}
# The session cloud's template parameters. The suite signs up several users a second, and at the
# default share (a third of 3 a second) their welcome mail queued up behind them, so every
# `wait_idle` also waited out a backlog no test asked for. Welcome mail, test copies and
# transactional mail get 10 a second each; campaigns keep the default 14 (44 - 30), so pacing tests
# see the same rate. Tests of the shares set their own (tests/services/test_send_budget.py).
SUITE_PARAMETERS = {"SendRatePerSecond": "44", "TransactionalRatePerSecond": "30"}


def settings_from(monkeypatch: Any, **variables: str) -> Iterator[None]:
    """A fixture's body: Herald's settings read with these environment variables, then restored."""
    from app.config import get_settings

    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def eventually(check: Callable[[], T], timeout: float = 10.0) -> T:
    """Poll `check` until it returns something truthy or the timeout passes (pollers run in threads)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def exported(
    client: TestClient, headers: dict[str, str], kind: str, source_id: str
) -> tuple[dict[str, Any], httpx.Response]:
    """Export a list, segment or campaign through the API and the worker: the ready export and the
    download of its presigned link."""
    started = client.post("/api/exports", json={"kind": kind, "id": source_id}, headers=headers)
    assert started.status_code == 202, started.text

    def ready() -> dict[str, Any] | None:
        export: dict[str, Any] = client.get(f"/api/exports/{started.json()['id']}", headers=headers).json()
        return export if export["status"] in ("ready", "failed") else None

    export = eventually(ready, timeout=30)
    assert export and export["status"] == "ready", export
    return export, httpx.get(export["download_url"], timeout=10)


def mail_to(cloud: EmbeddedCloud, address: str) -> list[dict[str, Any]]:
    """Messages in the emulator's outbox for one address."""
    return [m for m in cloud.console.outbox() if address in m["to"]]


def campaign_mail(cloud: EmbeddedCloud, campaign_id: str) -> list[dict[str, Any]]:
    """Outbox entries sent for one campaign."""
    return [m for m in cloud.console.outbox() if m.get("tags", {}).get("campaign") == campaign_id]


def sfn(cloud: EmbeddedCloud) -> Any:
    """A Step Functions client for the embedded cloud."""
    return boto3.client("stepfunctions", endpoint_url=cloud.endpoint_url, region_name="us-east-1")


def state_names(cloud: EmbeddedCloud, campaign_id: str) -> list[str]:
    """The states the campaign's execution entered, in order, once it has ended (waits up to 15 s:
    the campaign becomes `sent` or `failed` in a step, before the execution passes its last states)."""
    from app.config import get_settings

    arn = get_settings().state_machine_arn or ""
    execution = arn.replace(":stateMachine:", ":execution:") + f":{campaign_id}"
    eventually(lambda: sfn(cloud).describe_execution(executionArn=execution)["status"] != "RUNNING", 15)
    events = sfn(cloud).get_execution_history(executionArn=execution, maxResults=1000)["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


@contextmanager
def local_console(cloud: EmbeddedCloud, dist: Path) -> Iterator[TestClient]:
    """The local runner's routes (/_local/...) over `cloud`, with a stand-in SPA built in `dist`."""
    from localcloud.asgi import LocalOptions, create_local_app

    (dist / "index.html").write_text("<html>console</html>")
    app = create_local_app(options=LocalOptions(frontend_dist=dist), cloud=cloud)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        yield client


def wait_for_status(client: TestClient, headers: dict[str, str], campaign_id: str, statuses: set[str]) -> Any:
    """Poll the campaign through the API until it reaches one of `statuses` (30 s)."""
    deadline = time.monotonic() + 30
    while True:
        campaign = client.get(f"/api/campaigns/{campaign_id}", headers=headers).json()
        if campaign["status"] in statuses or time.monotonic() > deadline:
            return campaign
        time.sleep(0.1)


class LogCapture(logging.Handler):
    """Collects Herald's structured log lines (Powertools JSON) as dicts."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        from app.observability import logger

        self.lines.append(json.loads(logger.registered_formatter.format(record)))

    def with_message(self, message: str) -> list[dict[str, Any]]:
        """Lines whose message is exactly `message`."""
        return [line for line in self.lines if line.get("message") == message]


def table_definition() -> dict[str, Any]:
    """CreateTable arguments for a table shaped like the template's: its keys, attribute types and
    indexes, without the stream (so no poller ever reads it)."""
    from localcloud.template import load_template

    resources = load_template(ROOT / "template.yaml")["Resources"]
    spec = next(r["Properties"] for r in resources.values() if r["Type"] == "AWS::DynamoDB::Table")
    indexes = [
        {key: index[key] for key in ("IndexName", "KeySchema", "Projection")}
        for index in spec.get("GlobalSecondaryIndexes", [])
    ]
    definition: dict[str, Any] = {
        "AttributeDefinitions": spec["AttributeDefinitions"],
        "KeySchema": spec["KeySchema"],
        "BillingMode": spec["BillingMode"],
    }
    if indexes:
        definition["GlobalSecondaryIndexes"] = indexes
    return definition


# Stand-ins for what services talk to besides the table (the table itself is real: see services/).


class FakeQueue:
    """The send queue: remembers what was enqueued."""

    def __init__(self) -> None:
        self.batches: list[Any] = []

    def enqueue(self, batches: Any) -> None:
        self.batches.extend(batches)


class FakeResumer:
    """Task tokens: remembers each resume and heartbeat; a token resumed once is stale after."""

    def __init__(self) -> None:
        self.resumed: list[tuple[str, dict[str, Any]]] = []
        self.heartbeats: list[str] = []

    def resume(self, token: str, output: Any) -> bool:
        if any(t == token for t, _ in self.resumed):
            return False
        self.resumed.append((token, dict(output)))
        return True

    def heartbeat(self, token: str) -> bool:
        if any(t == token for t, _ in self.resumed):
            return False
        self.heartbeats.append(token)
        return True


class FakeLauncher:
    """Step Functions and the scheduler: remembers starts and schedules, or fails when told to."""

    def __init__(self, *, fail: bool = False) -> None:
        self.fail = fail
        self.started: list[tuple[str, str, str | None]] = []
        self.scheduled: dict[tuple[str, str], tuple[Any, str | None]] = {}

    def start(
        self, owner_id: str, campaign_id: str, correlation_id: str | None, *, name: str | None = None
    ) -> str:
        if self.fail:
            from app.errors import UpstreamUnavailable

            raise UpstreamUnavailable("The delivery could not start (test).")
        self.started.append((owner_id, campaign_id, correlation_id))
        return f"arn:aws:states:us-east-1:123456789012:execution:test:{name or campaign_id}"

    def schedule(self, owner_id: str, campaign_id: str, at: Any, correlation_id: str | None) -> str:
        self.scheduled[(owner_id, campaign_id)] = (at, correlation_id)
        return f"schedule-{campaign_id}"

    def unschedule(self, owner_id: str, campaign_id: str) -> None:
        self.scheduled.pop((owner_id, campaign_id), None)


class FakeSes:
    """The part of the SES v2 client the senders use; remembers every message handed to it."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.refuse: dict[str, str] = {}  # address -> the error code SES answers for it

    def send_email(self, **kwargs: Any) -> dict[str, Any]:
        [to] = kwargs["Destination"]["ToAddresses"]
        if to in self.refuse:
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": self.refuse[to], "Message": "refused"}}, "SendEmail")
        self.sent.append(kwargs)
        return {"MessageId": f"m-{len(self.sent)}"}

    def recipients(self) -> list[str]:
        """Every address mailed, once per message."""
        return [to for message in self.sent for to in message["Destination"]["ToAddresses"]]


# Delivery's steps called one after the other, as the state machine and the send queue would.

EXECUTION = "delivery-under-test"


@dataclass
class Delivery:
    """One campaign on its way, and the stand-ins its steps talk to."""

    store: Store
    owner: str
    list_id: str
    campaign_id: str
    queue: FakeQueue
    resumer: FakeResumer
    ses: FakeSes

    def start(self, *, time_left: Callable[[], float] | None = None) -> DeliveryState:
        from app.config import get_settings
        from app.delivery import start
        from app.delivery.models import CampaignRef

        return start.start_delivery(
            CampaignRef(owner_id=self.owner, campaign_id=self.campaign_id),
            execution=EXECUTION,
            repos=start.Freezing.of(self.store),
            queue=self.queue,
            settings=get_settings(),
            time_left=time_left or (lambda: float("inf")),
        )

    def wait(self, token: str, status: str | None = "started") -> bool:
        from app.delivery import wait
        from app.delivery.models import WaitRequest

        request = {"owner_id": self.owner, "campaign_id": self.campaign_id, "task_token": token}
        return wait.wait_for_sender(
            WaitRequest(**request, wait_timeout_seconds=60, status=status),
            campaigns=self.store.campaigns,
            batches=self.store.batches,
            queue=self.queue,
            resumer=self.resumer,
        )

    def send(
        self,
        batch: SendBatch,
        attempt: str,
        *,
        time_left: Callable[[], float] | None = None,
        last_try: bool = False,
    ) -> str:
        from app.config import get_settings
        from app.delivery import send
        from app.delivery.sender import TokenBucket

        kit = send.SenderKit(
            campaigns=self.store.campaigns,
            recipients=self.store.recipients,
            batches=self.store.batches,
            queue=self.queue,
            ses=cast(Any, self.ses),
            resumer=self.resumer,
            settings=get_settings(),
            limiter=TokenBucket(10_000),
            signing_key=lambda: b"s" * 32,
            time_left=time_left or (lambda: float("inf")),
        )
        return send.send_batch(batch, attempt, kit=kit, last_try=last_try)

    def resume(self) -> Campaign:
        from app.delivery import pause

        return pause.resume(
            self.owner,
            self.campaign_id,
            campaigns=self.store.campaigns,
            batches=self.store.batches,
            queue=self.queue,
            resumer=self.resumer,
            correlation_id=None,
        )

    def finalize(self, state: DeliveryState) -> DeliveryState:
        from app.delivery import finish

        return finish.finalize(
            state,
            campaigns=self.store.campaigns,
            recipients=self.store.recipients,
            subscribers=self.store.subscribers,
            page_size=2,
        )

    def feedback(self) -> FeedbackKit:
        """What the feedback worker writes with (flush it to add what it counted)."""
        from app.delivery.feedback import FeedbackKit

        return FeedbackKit(
            campaigns=self.store.campaigns,
            recipients=self.store.recipients,
            subscribers=self.store.subscribers,
            suppressions=self.store.suppressions,
            engagement=self.store.engagement,
            messages=self.store.tx_messages,
            soft_bounce_limit=3,
        )

    def status(self) -> str:
        campaign = self.store.campaigns.get(self.owner, self.campaign_id, consistent=True)
        assert campaign is not None
        return campaign.status


def queued(store: Store, members: list[str], **content: Any) -> Delivery:
    """A campaign to these subscribers (its content as given), queued as send-now leaves it."""
    from tests.factories import draft, list_with, owner_id

    owner = owner_id()
    list_id = list_with(store, owner, members)
    campaign_id = draft(store, owner, list_id, **content)
    assert store.campaigns.update(owner, campaign_id, allowed=("draft",), to="queued") is not None
    return Delivery(store, owner, list_id, campaign_id, FakeQueue(), FakeResumer(), FakeSes())


class MemoryUploads:
    """The imports bucket in memory (UploadStore): objects with their ETags, reports, presigns."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}
        self.reports: dict[str, bytes] = {}
        self.presigned: dict[str, tuple[str, int, int]] = {}

    def put(self, key: str, body: bytes) -> str:
        """Store an object as an upload would; returns its ETag."""
        etag = f"etag-{len(self.objects)}-{len(body)}"
        self.objects[key] = (body, etag)
        return etag

    def presign_upload(
        self, key: str, *, content_type: str, max_bytes: int, expires_in: int
    ) -> tuple[str, dict[str, str]]:
        self.presigned[key] = (content_type, max_bytes, expires_in)
        return "https://uploads.test/", {"key": key, "Content-Type": content_type}

    def read(self, key: str, *, etag: str) -> Any:
        from app.imports.storage import UploadChanged, UploadMissing

        if key not in self.objects:
            raise UploadMissing(key)
        body, stored = self.objects[key]
        if stored != etag:
            raise UploadChanged(key)
        yield body

    def put_report(self, key: str, body: bytes) -> None:
        self.reports[key] = body

    def download_url(self, key: str, *, filename: str, expires_in: int) -> str:
        return f"https://uploads.test/{key}?name={filename}&expires={expires_in}"

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)


class MemoryExports:
    """The exports' bucket in memory (ExportFiles): reads the stream as S3 would, a part at a time;
    `keep=False` keeps only each file's size and digest (what a memory measurement needs)."""

    def __init__(self, *, keep: bool = True, part_bytes: int = 64 * 1024) -> None:
        self.keep = keep
        self.part_bytes = part_bytes
        self.files: dict[str, bytes] = {}
        self.sizes: dict[str, int] = {}
        self.digests: dict[str, str] = {}

    def write(self, key: str, body: BinaryIO) -> None:
        digest, size, parts = hashlib.sha256(), 0, []
        while part := body.read(self.part_bytes):
            digest.update(part)
            size += len(part)
            if self.keep:
                parts.append(part)
        self.files[key] = b"".join(parts)
        self.sizes[key], self.digests[key] = size, digest.hexdigest()

    def download_url(self, key: str, *, filename: str, expires_in: int) -> str:
        return f"https://exports.test/{key}?name={filename}&expires={expires_in}"


@contextmanager
def visitor(ip: str | None = None) -> Iterator[TestClient]:
    """The API as one anonymous visitor sees it: a client of its own, from its own IP (public
    routes throttle per IP, so tests do not share one)."""
    from app.main import create_app

    address = ip or f"198.18.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    with TestClient(create_app(), base_url="https://testserver", client=(address, 50000)) as test_client:
        yield test_client


def link_in_mail(message: dict[str, Any], marker: str) -> str:
    """The first URL in a message's text part that contains `marker`."""
    return next(word for word in str(message["text"]).split() if marker in word)


@dataclass
class Received:
    """One request a webhook listener got."""

    body: bytes
    headers: dict[str, str]


@contextmanager
def webhook_listener(status: int = 200) -> Iterator[tuple[str, list[Received]]]:
    """A real HTTP server on 127.0.0.1 that answers every POST with `status`: its URL and what it got."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received: list[Received] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append(Received(body=body, headers={k.lower(): v for k, v in self.headers.items()}))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            del format, args  # quiet

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


SIMULATOR = "simulator.amazonses.com"  # SES's mailbox simulator: success+x@ delivers, bounce+x@ bounces


def send_tx(client: TestClient, headers: dict[str, str], to: str) -> str:
    """A short inline transactional message sent through the API (201 asserted); its id."""
    answer = client.post("/api/tx", json={"to": to, "subject": "Hi", "text_body": "Hello"}, headers=headers)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def send_transactional(
    store: Store, owner: str, ses: FakeSes, *, key: str | None, to: str, settings: Settings
) -> Any:
    """A transactional message sent through the service (inline content, merge data), to a stand-in SES."""
    from app.transactional import service
    from app.transactional.models import TxInline

    cmd = TxInline(to=to, subject="Hello {{ data.name }}", text_body="Hi", data={"name": "Ada"})
    return service.send_message(
        owner,
        cmd,
        client_key=key,
        templates_repo=store.templates,
        messages=store.tx_messages,
        suppressions=store.suppressions,
        budget=store.send_budget,
        ses=cast(Any, ses),
        settings=settings,
        correlation_id=None,
    )
