"""The preference centre and segments end to end: campaigns mailed through the embedded cloud
carry the reader's link; a segment of 1,000 subscribers gets exactly its members; a segment of
those who opened the last campaign gets only them."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from fastapi.testclient import TestClient

from app.contacts.models import NewSubscriber
from app.store import Store
from localcloud.cloud import EmbeddedCloud
from tests.factories import bearer, engaged, new_campaign, new_email, new_list, registered_user
from tests.helpers import campaign_mail, exported, link_in_mail, local_console, visitor, wait_for_status

PREFERENCES_FOOTER = {
    "html_body": '<p>Hi {{ subscriber.name }}</p><a href="{{ preferences_url }}">Your preferences</a>',
    "text_body": "Hi {{ subscriber.name }}. Preferences: {{ preferences_url }} Leave: {{ unsubscribe_url }}",
}


def send(client: TestClient, headers: dict[str, str], list_id: str, **fields: Any) -> str:
    campaign_id = new_campaign(client, headers, list_id, **{**PREFERENCES_FOOTER, **fields})
    assert client.post(f"/api/campaigns/{campaign_id}/send", headers=headers).status_code == 202
    assert wait_for_status(client, headers, campaign_id, {"sent", "failed"})["status"] == "sent"
    return campaign_id


def test_a_reader_changes_lists_exports_and_erases_from_the_link_in_a_campaign(
    cloud: EmbeddedCloud, client: TestClient, tmp_path: Path
) -> None:
    # Given a reader on two public lists, with attributes, and a campaign that reached them
    _, token = registered_user(client, prefix="prefcentre")
    owner = bearer(token)
    reader, other = new_email("reader"), new_email("other")
    news = new_list(
        client, owner, [{"email": reader, "name": "Ada", "attributes": {"city": "Oslo"}}, {"email": other}]
    )
    offers = new_list(client, owner, [{"email": reader, "name": "Ada"}])
    for list_id in (news, offers):
        assert client.patch(f"/api/lists/{list_id}", json={"public": True}, headers=owner).status_code == 200
    first = send(client, owner, news)
    mail = next(m for m in campaign_mail(cloud, first) if m["to"] == [reader])
    link = link_in_mail(mail, "/preferences/")
    assert f'href="{link}"' in mail["html"]
    path = "/api/public" + urlparse(link).path
    # And the reader's mail client loaded the open pixel (SES's tracking, done by the embedded cloud)
    pixel = next(src for src in mail["html"].split('src="')[1:] if "/_local/ses/t/open/" in src).split('"')[0]
    with local_console(cloud, tmp_path) as mail_client:
        assert mail_client.get(urlparse(pixel).path).status_code == 200
    assert cloud.wait_idle(20)

    with visitor() as browser:
        # When the reader leaves Offers from their page
        changed = browser.put(path, json={"lists": {offers: False}})
        # And downloads everything held about them
        exported = json.loads(browser.get(f"{path}/export").text)
        # And erases it
        erased = browser.post(f"{path}/erase")

    # Then Offers lost them, the export held their attributes and the campaign they got
    assert {entry["id"]: entry["subscribed"] for entry in changed.json()["lists"]} == {
        news: True,
        offers: False,
    }
    assert {s["list_id"]: s["attributes"] for s in exported["subscriptions"]}[news] == {"city": "Oslo"}
    assert [m["campaign_id"] for m in exported["messages"]] == [first]
    # And what they did with it: the open
    assert [(a["campaign_id"], a["open_count"]) for a in exported["activity"]] == [(first, 1)]
    assert "opened" in [e["kind"] for e in exported["activity"][0]["events"]]
    # And after the erasure they are on no list, and no campaign holds them
    assert erased.status_code == 200 and erased.json()["subscriptions"] == 2
    for list_id in (news, offers):
        assert client.get(f"/api/lists/{list_id}/subscribers/{reader}", headers=owner).status_code == 404
    recipients = client.get(f"/api/campaigns/{first}/recipients", headers=owner).json()["items"]
    assert [r["email"] for r in recipients] == [other]

    # When the owner adds the address back (an old import, say) and sends the next campaign
    back = client.post(f"/api/lists/{news}/subscribers", json={"email": reader}, headers=owner)
    assert back.status_code == 201
    second = send(client, owner, news, name="Next")

    # Then the erased address is skipped: its hash still suppresses it
    assert [m["to"] for m in campaign_mail(cloud, second)] == [[other]]
    assert client.get(f"/api/campaigns/{second}/stats", headers=owner).json()["suppressed"] == 1


def test_a_campaign_to_a_segment_of_1000_subscribers_mails_exactly_its_members(
    cloud: EmbeddedCloud, client: TestClient
) -> None:
    # Given 1,000 subscribers with attributes (numbers sometimes as text, as imports write them)
    _, token = registered_user(client, prefix="segmenter")
    owner = bearer(token)
    owner_id = client.get("/api/me", headers=owner).json()["id"]
    list_id = new_list(client, owner, [])
    rng = random.Random(2024)
    rows: dict[str, dict[str, Any]] = {}
    for i in range(1000):
        age = rng.randint(18, 80)
        rows[f"member{i:04d}-{list_id[:6]}@example.com"] = {
            "city": rng.choice(["Oslo", "oslo", "Bergen", "Paris"]),
            "age": age if i % 2 else str(age),
            "plan": rng.choice(["free", "pro", "pro"]),
        }
    Store.default().subscribers.put_many(
        owner_id, list_id, [NewSubscriber(email=email, attributes=attrs) for email, attrs in rows.items()]
    )
    expected = {
        email
        for email, a in rows.items()
        if a["city"].lower() == "oslo" and int(a["age"]) >= 65 and a["plan"] == "pro"
    }
    assert 10 < len(expected) < 100
    rule = {
        "match": "all",
        "conditions": [
            {"field": "attribute", "key": "city", "op": "equals", "value": "oslo"},
            {"field": "attribute", "key": "age", "op": "at_least", "value": 65},
            {"field": "attribute", "key": "plan", "op": "equals", "value": "pro"},
        ],
    }

    # When the rule is counted live (a bounded step per call), then saved as a segment
    counted, cursor, calls = 0, None, 0
    while True:
        body = {"list_id": list_id, "rule": rule, "cursor": cursor}
        step = client.post("/api/segments/preview", json=body, headers=owner).json()
        counted, cursor, calls = counted + step["matched"], step["next_cursor"], calls + 1
        if cursor is None:
            break
    segment = client.post(
        "/api/segments", json={"name": "Older Oslo pros", "list_id": list_id, "rule": rule}, headers=owner
    ).json()
    _, download = exported(client, owner, "segment", segment["id"])

    # Then the count is exact, and the export holds exactly the members
    assert counted == len(expected)
    assert {line.split(",")[0] for line in download.text.splitlines()[1:]} == expected

    # When a campaign is sent to the segment
    campaign_id = send(client, owner, list_id, segment_id=segment["id"])

    # Then exactly the segment's members were mailed, once each
    mailed = [to for m in campaign_mail(cloud, campaign_id) for to in m["to"]]
    assert sorted(mailed) == sorted(expected)
    assert client.get(f"/api/campaigns/{campaign_id}", headers=owner).json()["segment_id"] == segment["id"]


def test_a_campaign_to_those_who_opened_the_last_one_mails_only_them(
    cloud: EmbeddedCloud, client: TestClient
) -> None:
    # Given a list of three that got a campaign, of whom one opened it (as the SES feedback
    # records it on the subscriber), and a segment of those who opened the last campaign
    _, token = registered_user(client, prefix="engaged")
    owner = bearer(token)
    owner_id = client.get("/api/me", headers=owner).json()["id"]
    readers = [new_email("reader") for _ in range(3)]
    list_id = new_list(client, owner, [{"email": e} for e in readers])
    send(client, owner, list_id)
    engaged(Store.default(), owner_id, list_id, readers[0], opened=datetime.now(UTC))
    rule = {"conditions": [{"field": "opened", "op": "in_last_campaigns", "value": 1}]}
    segment = client.post(
        "/api/segments", json={"name": "Openers", "list_id": list_id, "rule": rule}, headers=owner
    ).json()

    # When a campaign is sent to that segment
    campaign_id = send(client, owner, list_id, segment_id=segment["id"])

    # Then only the opener is mailed: "the last campaign" is the one before it, not itself
    assert [to for m in campaign_mail(cloud, campaign_id) for to in m["to"]] == [readers[0]]
