"""The README's "Subscribe and send with a key" commands, run as written against the API: each curl's
method, path, headers and body, with a key of the scope the README names."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import bearer, registered_user

ROOT = Path(__file__).resolve().parents[2]


def readme_curls() -> list[list[str]]:
    """The section's curl commands, each split into words as a shell would (variables left in)."""
    section = (ROOT / "README.md").read_text().split("### Subscribe and send with a key", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    words = shlex.split(block.group(1), comments=True)
    starts = [i for i, word in enumerate(words) if word == "curl"] + [len(words)]
    return [words[a:b] for a, b in zip(starts, starts[1:], strict=False)]


def run(client: TestClient, words: list[str], env: dict[str, str]) -> Any:
    """One curl command through the ASGI client, its $VARIABLES taken from `env`."""
    words = [re.sub(r"\$(\w+)", lambda m: env[m.group(1)], word) for word in words]
    method, url, headers, body = "GET", "", {}, None
    for i, word in enumerate(words):
        if word == "-X":
            method = words[i + 1]
        elif word == "-H":
            name, value = words[i + 1].split(": ", 1)
            headers[name] = value
        elif word == "-d":
            body = json.loads(words[i + 1])
        elif "/api/" in word:
            url = word.split("/api/", 1)[1]
    return client.request(method, f"/api/{url}", headers=headers, json=body)


def test_a_write_key_subscribes_and_creates_and_a_send_key_sends(client: TestClient) -> None:
    # Given an owner's list, a read_write key and a send_only key
    _, token = registered_user(client, prefix="readme")
    list_id = client.post("/api/lists", json={"name": "Readers"}, headers=bearer(token)).json()["id"]
    keys = {
        scope: client.post("/api/keys", json={"name": scope, "scope": scope}, headers=bearer(token)).json()[
            "key"
        ]
        for scope in ("read_write", "send_only")
    }
    subscribe, create, send = readme_curls()
    env = {"LIST_ID": list_id, "HERALD_KEY": keys["read_write"]}

    # When the README's commands run: subscribe and create with the write key, send with the send key
    subscribed = run(client, subscribe, env)
    created = run(client, create, env)
    env |= {"CAMPAIGN_ID": created.json().get("id", ""), "HERALD_KEY": keys["send_only"]}
    sent = run(client, send, env)
    refused = run(client, subscribe, env)  # the send key may not add subscribers

    # Then each answers as the README says
    assert subscribed.status_code == 201, subscribed.text
    assert (subscribed.json()["email"], subscribed.json()["status"]) == ("ada@example.com", "subscribed")
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "draft"
    assert sent.status_code == 202, sent.text
    assert sent.json()["status"] == "queued"
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "insufficient_scope")
