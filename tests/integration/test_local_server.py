"""`make run`'s server as a developer uses it: a real uvicorn process, restarted with its data."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.factories import PASSWORD, new_email
from tests.server import local_server


def test_make_run_flow_welcome_email_within_10s_and_data_survives_a_restart(tmp_path: Path) -> None:
    email = new_email("server")
    with local_server(tmp_path) as base, httpx.Client(base_url=base, timeout=10) as http:
        assert (
            http.post(
                "/api/auth/signup", json={"email": email, "password": PASSWORD, "name": "Ada"}
            ).status_code
            == 201
        )
        assert http.post("/api/auth/confirm", json={"email": email, "code": "000000"}).status_code == 200
        login = http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        token = login.json()["access_token"]
        assert http.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        started = time.monotonic()
        while not [m for m in http.get("/_local/outbox").json() if email in m["to"]]:
            assert time.monotonic() - started < 10, "no welcome email within 10 s"
            time.sleep(0.2)
        config = http.get("/config.json").json()
        assert config["apiBase"] == "/api" and config["wsUrl"].endswith("/ws")

    log = tmp_path.parent / f"{tmp_path.name}-restarted.log"
    with local_server(tmp_path, log_file=log) as base, httpx.Client(base_url=base, timeout=10) as http:
        login = http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        token = login.json()["access_token"]
        me = http.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["email"] == email, log.read_text()[-4000:]
        assert len([m for m in http.get("/_local/outbox").json() if email in m["to"]]) == 1


def test_a_restart_mid_send_fails_the_campaign_clearly_and_mails_nobody_twice(tmp_path: Path) -> None:
    email = new_email("restart")
    readers = [f"reader{i:03d}-{email}" for i in range(150)]  # 150 at 14 a second: about 10 s of sending
    with local_server(tmp_path) as base, httpx.Client(base_url=base, timeout=10) as http:
        http.post("/api/auth/signup", json={"email": email, "password": PASSWORD, "name": "Ada"})
        http.post("/api/auth/confirm", json={"email": email, "code": "000000"})
        token = http.post("/api/auth/login", json={"email": email, "password": PASSWORD}).json()[
            "access_token"
        ]
        auth = {"Authorization": f"Bearer {token}"}
        list_id = http.post("/api/lists", json={"name": "Readers"}, headers=auth).json()["id"]
        for reader in readers:
            assert http.post(
                f"/api/lists/{list_id}/subscribers", json={"email": reader}, headers=auth
            ).is_success
        draft = {"name": "Restarted", "subject": "Hi", "list_id": list_id, "html_body": "<p>Hi</p>"}
        campaign_id = http.post("/api/campaigns", json=draft, headers=auth).json()["id"]
        assert http.post(f"/api/campaigns/{campaign_id}/send", headers=auth).status_code == 202
        started = time.monotonic()
        while not _campaign_mail(http, campaign_id):  # stop once the first messages went out
            assert time.monotonic() - started < 30, "nothing was sent within 30 s"
            time.sleep(0.1)

    with local_server(tmp_path) as base, httpx.Client(base_url=base, timeout=10) as http:
        token = http.post("/api/auth/login", json={"email": email, "password": PASSWORD}).json()[
            "access_token"
        ]
        auth = {"Authorization": f"Bearer {token}"}
        started = time.monotonic()
        while (campaign := http.get(f"/api/campaigns/{campaign_id}", headers=auth).json())[
            "status"
        ] != "failed":
            assert time.monotonic() - started < 30, campaign
            time.sleep(0.2)
        assert campaign["failure"]["code"] == "delivery_aborted"
        assert "restarted" in campaign["failure"]["message"]
        time.sleep(2)  # batches still queued find the campaign failed and are dropped
        mailed = _campaign_mail(http, campaign_id)
        assert mailed and len(mailed) == len(set(mailed)) and set(mailed) <= set(readers)


def _campaign_mail(http: httpx.Client, campaign_id: str) -> list[str]:
    outbox = http.get("/_local/outbox").json()
    return [to for m in outbox if (m.get("tags") or {}).get("campaign") == campaign_id for to in m["to"]]
