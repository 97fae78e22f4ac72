"""A reader joins a list by themselves, end to end through the embedded cloud: the hosted form's
POST, the table stream, EventBridge, the confirmation worker, SES, the link, and a campaign."""

from __future__ import annotations

import time
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient

from app.contacts.subscriber_items import subscriber_key
from app.forms import signup
from app.ratelimit import Limit
from localcloud.cloud import EmbeddedCloud
from tests.factories import bearer, new_campaign, new_email, new_list, registered_user
from tests.helpers import campaign_mail, eventually, link_in_mail, mail_to, visitor, wait_for_status
from tests.localcloud.helpers import aws


def test_a_form_sign_up_is_confirmed_by_email_and_gets_the_next_campaign(
    cloud: EmbeddedCloud, client: TestClient
) -> None:
    # Given a list with one subscribed member, and a form for it
    _, token = registered_user(client, prefix="audience")
    owner = bearer(token)
    member, reader = new_email("member"), new_email("reader")
    list_id = new_list(client, owner, [{"email": member, "name": "Mo"}])
    form = client.post("/api/forms", json={"name": "Site", "list_ids": [list_id]}, headers=owner).json()

    # When a new reader and the existing member both sign up through the hosted form (no script)
    with visitor() as browser:
        for_reader = browser.post(form["hosted_path"], data={"email": reader, "name": "Ada", "homepage": ""})
        for_member = browser.post(form["hosted_path"], data={"email": member, "name": "Mo", "homepage": ""})

    # Then both get the same answer, and only the reader waits, unconfirmed
    assert for_reader.status_code == for_member.status_code == 200
    assert for_reader.text == for_member.text
    status = client.get(f"/api/lists/{list_id}/subscribers/{reader}", headers=owner).json()["status"]
    assert status == "unconfirmed"

    # And exactly one confirmation email reaches the reader (none the member), through the config set
    mail = eventually(lambda: mail_to(cloud, reader), timeout=20)
    assert cloud.wait_idle(20)
    assert len(mail_to(cloud, reader)) == 1 and mail_to(cloud, member) == []
    assert mail[0]["subject"] == "Please confirm your subscription to Readers"
    link = link_in_mail(mail[0], "/api/public/confirm/")

    # When the link is opened (nothing changes), then its button is posted
    path = urlparse(link).path
    with visitor() as browser:
        assert browser.get(path).status_code == 200
        assert (
            client.get(f"/api/lists/{list_id}/subscribers/{reader}", headers=owner).json()["status"]
            == "unconfirmed"
        )
        assert "You are subscribed" in browser.post(path).text

    # Then the reader is subscribed, and the next campaign goes to both of them
    assert (
        client.get(f"/api/lists/{list_id}/subscribers/{reader}", headers=owner).json()["status"]
        == "subscribed"
    )
    campaign_id = new_campaign(client, owner, list_id)
    assert client.post(f"/api/campaigns/{campaign_id}/send", headers=owner).status_code == 202
    assert wait_for_status(client, owner, campaign_id, {"sent", "failed"})["status"] == "sent"
    assert sorted(to for m in campaign_mail(cloud, campaign_id) for to in m["to"]) == sorted([member, reader])


def test_a_bot_is_refused_by_the_honeypot_and_then_by_the_rate_limit(
    cloud: EmbeddedCloud, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a form, and a limit of three sign-ups per IP
    monkeypatch.setattr(signup, "PER_IP", Limit("test-ip", max_hits=3, window_seconds=600))
    _, token = registered_user(client, prefix="botted")
    owner = bearer(token)
    list_id = new_list(client, owner, [])
    form = client.post("/api/forms", json={"name": "Site", "list_ids": [list_id]}, headers=owner).json()
    bot_addresses = [new_email("bot") for _ in range(5)]

    with visitor() as bot:
        # When a bot fills the hidden field too
        trapped = bot.post(
            form["hosted_path"], data={"email": bot_addresses[0], "homepage": "http://spam.example"}
        )
        # And then floods the form without it
        flood = [bot.post(form["hosted_path"], data={"email": address}) for address in bot_addresses[1:]]

    # Then the trapped sign-up looks accepted but nothing was stored or mailed
    assert trapped.status_code == 200 and "check your inbox" in trapped.text
    missing = client.get(f"/api/lists/{list_id}/subscribers/{bot_addresses[0]}", headers=owner)
    assert missing.status_code == 404

    # And the flood is cut at the limit with 429 and Retry-After
    assert [answer.status_code for answer in flood] == [200, 200, 200, 429]
    assert int(flood[-1].headers["Retry-After"]) > 0
    assert (
        client.get(f"/api/lists/{list_id}/subscribers/{bot_addresses[-1]}", headers=owner).status_code == 404
    )
    assert cloud.wait_idle(20)
    assert mail_to(cloud, bot_addresses[0]) == [] and mail_to(cloud, bot_addresses[-1]) == []


def test_an_unconfirmed_sign_up_expires_through_the_tables_ttl(
    cloud: EmbeddedCloud, client: TestClient
) -> None:
    # Given a reader who signed up through a form and never confirmed
    _, token = registered_user(client, prefix="expiring")
    owner = bearer(token)
    reader = new_email("never-confirms")
    list_id = new_list(client, owner, [])
    form = client.post("/api/forms", json={"name": "Site", "list_ids": [list_id]}, headers=owner).json()
    with visitor() as browser:
        assert browser.post(form["hosted_path"], data={"email": reader, "homepage": ""}).status_code == 200
    link = link_in_mail(eventually(lambda: mail_to(cloud, reader), timeout=20)[0], "/api/public/confirm/")
    owner_id = client.get("/api/me", headers=owner).json()["id"]
    pk, sk = subscriber_key(owner_id, list_id, reader)
    table = cloud.environment["TABLE_NAME"]
    item = aws(cloud, "dynamodb").get_item(TableName=table, Key={"PK": {"S": pk}, "SK": {"S": sk}})["Item"]
    expires = int(item["ttl"]["N"])
    assert expires > time.time() + 6 * 24 * 3600  # kept a week

    # When its week has passed (only this item's clock moves) and DynamoDB's TTL runs
    aws(cloud, "dynamodb").update_item(
        TableName=table,
        Key={"PK": {"S": pk}, "SK": {"S": sk}},
        UpdateExpression="SET #t = :past",
        ExpressionAttributeNames={"#t": "ttl"},
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}},
    )
    assert cloud.expire_ttl() >= 1

    # Then the entry is gone, the list's count never moved, and the link says it expired
    assert client.get(f"/api/lists/{list_id}/subscribers/{reader}", headers=owner).status_code == 404
    assert client.get(f"/api/lists/{list_id}", headers=owner).json()["subscriber_count"] == 0
    with visitor() as browser:
        answer = browser.post(urlparse(link).path)
    assert "no longer valid" in answer.text
