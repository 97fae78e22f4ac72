"""`make seed`: a realistic local state, saved as the named snapshot `seed` of `make run`'s state.

One account (`demo@herald.example`) with three lists (40,000, 9,000 and 1,000 subscribers,
50,000 in all, imported from CSV files the way the browser uploads them: presigned POST, S3
notification, import worker) and three campaigns sent to the smallest list through the real
delivery pipeline (SES feedback processed). Built in a cloud of its own, in a temporary
directory, through Herald's HTTP API only, then copied to `<state_dir>/snapshots/seed.pickle`:
load it from the dev console's Snapshots, or `POST /_local/snapshots/seed/load`.

    python -m localcloud.seed [--name seed] [--lists 40000,9000,1000] [--campaigns 3]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from localcloud.asgi import LocalOptions, reset_app_caches
from localcloud.cloud import EmbeddedCloud

logger = logging.getLogger("localcloud.seed")

EMAIL = "demo@herald.example"
PASSWORD = "Herald-demo-2024"
LIST_NAMES = ("Newsletter", "Product updates", "Beta testers")
CITIES = ("Oslo", "Lisbon", "Nairobi", "Osaka", "Lima", "Tallinn", "Hobart")


def main(argv: Sequence[str] | None = None) -> None:
    """Build the state, save it, say where it is and how to log in."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--name", default="seed", help="the snapshot's name")
    parser.add_argument("--lists", default="40000,9000,1000", help="subscribers per list, comma-separated")
    parser.add_argument("--campaigns", type=int, default=3, help="campaigns sent to the smallest list")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.lists.split(",")]
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logging.getLogger("localcloud").addHandler(handler)
    logging.getLogger("localcloud").setLevel(logging.INFO)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    options = LocalOptions.from_environ(os.environ)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="herald-seed-") as work:
        cloud = EmbeddedCloud(
            template_path=options.template_path,
            state_dir=Path(work),
            # The sending rate is a function setting, not state: seeding need not wait for it.
            parameters={"AppUrl": options.app_url, "SendRatePerSecond": "1000000"},
        )
        cloud.start()
        try:
            cloud.apply_environment()
            reset_app_caches()
            seed_account(sizes, campaigns=args.campaigns)
            if not cloud.wait_idle(300):
                raise RuntimeError("the cloud did not settle within 300 s")
            saved = cloud.snapshots.path(args.name)
            cloud.save_snapshot(args.name)
            target = options.state_dir / "snapshots" / f"{args.name}.pickle"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(saved, target)
        finally:
            cloud.stop(save=False)
    logger.info(
        "saved %s (%.1f MB) in %.0f s\nlog in as %s / %s after loading it: dev console > Snapshots, or\n"
        "  curl -X POST %s/_local/snapshots/%s/load",
        target,
        target.stat().st_size / 1e6,
        time.monotonic() - started,
        EMAIL,
        PASSWORD,
        options.app_url,
        args.name,
    )


def seed_account(sizes: Sequence[int], *, campaigns: int) -> None:
    """The account, its lists (imported from CSV) and its sent campaigns, through the HTTP API."""
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(), base_url="https://localhost") as client:
        _ok(client.post("/api/auth/signup", json={"email": EMAIL, "password": PASSWORD, "name": "Demo"}))
        _ok(client.post("/api/auth/confirm", json={"email": EMAIL, "code": "123456"}))
        token = _ok(client.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD}))[
            "access_token"
        ]
        headers = {"Authorization": f"Bearer {token}"}
        list_ids = []
        for index, (name, size) in enumerate(zip(LIST_NAMES, sizes, strict=False)):
            list_id = _ok(client.post("/api/lists", json={"name": name}, headers=headers))["id"]
            _import(client, headers, list_id, _csv(index, size))
            list_ids.append(list_id)
            logger.info("list %s: %d subscribers imported", name, size)
        smallest = list_ids[sizes.index(min(sizes))]
        for number in range(1, campaigns + 1):
            _send_campaign(client, headers, smallest, number)
            logger.info("campaign %d sent", number)


def _ok(response: Any) -> Any:
    if response.status_code >= 300:
        raise RuntimeError(
            f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
        )
    return response.json() if response.content else None


def _csv(index: int, size: int) -> bytes:
    rows = ["email,name,city,plan"]
    rows += [
        f"reader{index}-{i}@example.com,Reader {i},{CITIES[i % len(CITIES)]},{'pro' if i % 4 else 'free'}"
        for i in range(size)
    ]
    return ("\n".join(rows) + "\n").encode()


def _import(client: Any, headers: dict[str, str], list_id: str, content: bytes) -> None:
    job = _ok(client.post(f"/api/lists/{list_id}/imports", json={"file_name": "seed.csv"}, headers=headers))
    form = job["upload"]
    upload = httpx.post(
        form["url"], data=form["fields"], files={"file": ("seed.csv", content, "text/csv")}, timeout=120
    )
    if upload.status_code >= 300:
        raise RuntimeError(f"the upload was refused: {upload.status_code} {upload.text}")
    _wait(lambda: _ok(client.get(f"/api/imports/{job['id']}", headers=headers))["status"], {"completed"}, 600)


def _send_campaign(client: Any, headers: dict[str, str], list_id: str, number: int) -> None:
    campaign = _ok(
        client.post(
            "/api/campaigns",
            json={
                "name": f"Beta news #{number}",
                "subject": "What's new, {{ subscriber.name }}",
                "from_name": "Herald demo",
                "list_id": list_id,
                "html_body": "<p>Hello {{ subscriber.name }} in {{ attributes.city }}!</p>"
                "<p><a href='{{ unsubscribe_url }}'>Unsubscribe</a></p>",
                "text_body": "Hello {{ subscriber.name }}!\nUnsubscribe: {{ unsubscribe_url }}",
            },
            headers=headers,
        )
    )
    _ok(client.post(f"/api/campaigns/{campaign['id']}/send", headers=headers))
    _wait(
        lambda: _ok(client.get(f"/api/campaigns/{campaign['id']}", headers=headers))["status"], {"sent"}, 600
    )


def _wait(status: Any, wanted: set[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while (current := status()) not in wanted:
        if current == "failed" or time.monotonic() > deadline:
            raise RuntimeError(f"stopped at {current!r}, waiting for {sorted(wanted)}")
        time.sleep(0.5)


if __name__ == "__main__":
    main()
