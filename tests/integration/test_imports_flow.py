"""A CSV import end to end through the embedded cloud, uploaded exactly as a browser form would."""

from __future__ import annotations

import base64
import csv
import io
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from websockets.sync.client import connect

from app.config import get_settings
from localcloud.asgi import LocalOptions, create_local_app
from localcloud.cloud import EmbeddedCloud
from tests.data.corpus import mixed_csv
from tests.factories import bearer, registered_user
from tests.localcloud.helpers import serving


@contextmanager
def live_messages(cloud: EmbeddedCloud, token: str, spa: Path) -> Iterator[list[dict[str, Any]]]:
    """A browser's WebSocket (`/ws?token=` on the local runner); the list fills as messages arrive."""
    received: list[dict[str, Any]] = []
    stop = threading.Event()
    app = create_local_app(options=LocalOptions(frontend_dist=spa), cloud=cloud)
    with serving(app) as address, connect(f"ws://{address}/ws?token={token}", open_timeout=10) as socket:

        def read() -> None:
            while not stop.is_set():
                try:
                    received.append(json.loads(socket.recv(timeout=0.2)))
                except TimeoutError:
                    continue
                except Exception:  # the socket closed: nothing more will come
                    return

        reader = threading.Thread(target=read, name="test-ws-reader", daemon=True)
        reader.start()
        try:
            yield received
        finally:
            stop.set()
            reader.join(5)


def test_a_5000_row_csv_with_bad_rows_imports_with_progress_counts_and_a_report(
    cloud: EmbeddedCloud, client: TestClient, tmp_path: Path
) -> None:
    # Given a person with a list and an open WebSocket, and a 5,000-row CSV with bad and duplicate rows
    _, token = registered_user(client, prefix="importer")
    headers = bearer(token)
    list_id = client.post("/api/lists", json={"name": "Customers"}, headers=headers).json()["id"]
    content, expected = mixed_csv(5000, domain=f"{uuid.uuid4().hex[:8]}.example")
    with live_messages(cloud, token, tmp_path) as messages:
        job = _import_through_the_browser_form(cloud, client, headers, list_id, content, expected)

        # Then the socket got progress, then one completion with the final counts
        done = _wait_for(
            lambda: [m for m in messages if m["type"] == "import.completed" and m["id"] == job["id"]]
        )
    progress = [m for m in messages if m["type"] == "import.progress" and m["id"] == job["id"]]
    assert progress, messages[:5]
    assert all(m["rows_total"] == 5000 and 0 <= m["rows_done"] <= 5000 for m in progress)
    assert [m["rows_done"] for m in progress] == sorted(m["rows_done"] for m in progress)
    assert len(done) == 1 and done[0]["status"] == "completed"
    assert (done[0]["created"], done[0]["errors"], done[0]["report_available"]) == (
        expected["valid"],
        expected["errors"],
        True,
    )
    assert messages.index(done[0]) > messages.index(progress[-1])


def _wait_for(check: Callable[[], list[dict[str, Any]]], timeout: float = 90.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while not (found := check()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def _import_through_the_browser_form(
    cloud: EmbeddedCloud,
    client: TestClient,
    headers: dict[str, str],
    list_id: str,
    content: bytes,
    expected: dict[str, int],
) -> dict[str, Any]:
    """Start an import, upload as a browser form does, and check everything the API shows."""
    # When they start an import
    started = client.post(
        f"/api/lists/{list_id}/imports", json={"file_name": "customers.csv"}, headers=headers
    )
    assert started.status_code == 201, started.text
    job: dict[str, Any] = started.json()
    assert job["status"] == "waiting_upload" and job["file_name"] == "customers.csv"
    form = job["upload"]

    # Then the presigned POST is bound to the key, the type, the size limit and five minutes
    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    key = form["fields"]["key"]
    assert key.startswith("imports/") and key.endswith(f"/{job['id']}.csv")
    conditions = policy["conditions"]
    assert {"key": key} in conditions and {"Content-Type": "text/csv"} in conditions
    assert ["content-length-range", 1, get_settings().import_max_bytes] in conditions
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert 240 < (expires - datetime.now(UTC)).total_seconds() <= 300

    # When the browser posts the form (fields first, then the file) straight to S3
    upload = httpx.post(
        form["url"],
        data=form["fields"],
        files={"file": ("customers.csv", content, "text/csv")},
        headers={"Origin": get_settings().app_url},
        timeout=30,
    )
    assert upload.status_code in (200, 201, 204), upload.text

    # Then the worker runs from the S3 notification; progress shows on the job until it completes
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        current = client.get(f"/api/imports/{job['id']}", headers=headers).json()
        seen.append(current)
        if current["status"] in ("completed", "failed"):
            break
        time.sleep(0.2)
    final = seen[-1]
    assert final["status"] == "completed", final
    assert any(s["status"] == "processing" and 0 < s["rows_done"] < 5000 for s in seen), [
        (s["status"], s["rows_done"]) for s in seen
    ]
    assert (final["rows_total"], final["rows_done"]) == (5000, 5000)
    assert (final["created"], final["errors"]) == (expected["valid"], expected["errors"])

    # And the list counts exactly the valid, distinct rows
    assert (
        client.get(f"/api/lists/{list_id}", headers=headers).json()["subscriber_count"] == expected["valid"]
    )

    # And the error report downloads as CSV through a short-lived link
    link = client.get(f"/api/imports/{job['id']}/report", headers=headers)
    assert link.status_code == 200, link.text
    report = httpx.get(link.json()["url"], timeout=10)
    assert report.status_code == 200 and "attachment" in report.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert len(rows) == expected["errors"]
    assert {r["reason"].split(":")[0] for r in rows} == {
        "The email address is not valid",
        "The email address is already on an earlier row of this file.",
    }

    # And the import is listed for the list, and ImportCompleted went out with the request's correlation id
    listed = client.get(f"/api/lists/{list_id}/imports", headers=headers).json()["items"]
    assert [i["id"] for i in listed] == [job["id"]]
    assert cloud.wait_idle(60), cloud.console.pollers()  # the stream worker has seen the completion
    completed = [
        e
        for e in cloud.console.recent_events()
        if e["detail-type"] == "ImportCompleted" and e["detail"]["import_id"] == job["id"]
    ]
    assert len(completed) == 1 and completed[0]["detail"]["created"] == expected["valid"]
    assert completed[0]["detail"]["correlation_id"] == started.headers["x-correlation-id"]
    return job


def test_an_import_without_errors_has_no_report_and_others_cannot_see_it(
    cloud: EmbeddedCloud, client: TestClient
) -> None:
    _, token = registered_user(client, prefix="importer")
    headers = bearer(token)
    list_id = client.post("/api/lists", json={"name": "Tiny"}, headers=headers).json()["id"]
    job = client.post(f"/api/lists/{list_id}/imports", headers=headers).json()
    form = job["upload"]
    content = b"email,name\nsolo@example.com,Solo\n"
    assert httpx.post(
        form["url"], data=form["fields"], files={"file": ("a.csv", content, "text/csv")}
    ).is_success

    assert cloud.wait_idle(30)
    done = client.get(f"/api/imports/{job['id']}", headers=headers).json()
    assert (done["status"], done["created"], done["report_available"]) == ("completed", 1, False)
    no_report = client.get(f"/api/imports/{job['id']}/report", headers=headers)
    assert no_report.status_code == 404 and no_report.json()["error"]["code"] == "report_not_available"
    _, other = registered_user(client, prefix="other")
    assert client.get(f"/api/imports/{job['id']}", headers=bearer(other)).status_code == 404
