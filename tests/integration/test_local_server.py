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

    with local_server(tmp_path) as base, httpx.Client(base_url=base, timeout=10) as http:
        login = http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        token = login.json()["access_token"]
        me = http.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["email"] == email
        assert len([m for m in http.get("/_local/outbox").json() if email in m["to"]]) == 1
