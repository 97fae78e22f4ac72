"""Transactional send through the API: idempotency keys, suppression, render errors, limits, tenancy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from localcloud.cloud import EmbeddedCloud
from tests.factories import bearer, new_email, registered_user
from tests.helpers import mail_to, settings_from


def owner(client: TestClient) -> dict[str, str]:
    """A signed-in account's headers."""
    _, token = registered_user(client, prefix="integrator")
    return bearer(token)


def message(to: str, **fields: Any) -> dict[str, Any]:
    """A send with inline content."""
    return {
        "to": to,
        "subject": "Your code is {{ data.code }}",
        "text_body": "Code {{ data.code }} for {{ to }}",
        "html_body": "<b>{{ data.code }}</b>",
        "data": {"code": "123456"},
        **fields,
    }


def test_the_same_idempotency_key_twice_sends_one_email(cloud: EmbeddedCloud, client: TestClient) -> None:
    # Given an account and an address
    headers = owner(client)
    to = new_email("reader")
    keyed = {**headers, "Idempotency-Key": "order-1-receipt"}

    # When the same request is sent twice with the same key, then with another body
    first = client.post("/api/tx", json=message(to), headers=keyed)
    retry = client.post("/api/tx", json=message(to), headers=keyed)
    changed = client.post("/api/tx", json=message(to, data={"code": "999999"}), headers=keyed)

    # Then one email went out; the retry answers the first message, the changed body is refused
    assert first.status_code == 201, first.text
    assert retry.status_code == 200 and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
    assert changed.status_code == 409 and changed.json()["error"]["code"] == "idempotency_key_reused"
    outbox = mail_to(cloud, to)
    assert len(outbox) == 1
    assert outbox[0]["subject"] == "Your code is 123456"
    assert outbox[0]["id"] == first.json()["ses_message_id"]
    assert outbox[0]["tags"]["tx"] == first.json()["id"]


def test_keys_are_per_account_and_sends_without_a_key_are_each_new(
    cloud: EmbeddedCloud, client: TestClient
) -> None:
    # Given two accounts using the same key, and one sending twice without a key
    to = new_email("reader")
    one, two = owner(client), owner(client)
    a = client.post("/api/tx", json=message(to), headers={**one, "Idempotency-Key": "k-1"})
    b = client.post("/api/tx", json=message(to), headers={**two, "Idempotency-Key": "k-1"})
    c = client.post("/api/tx", json=message(to), headers=one)
    d = client.post("/api/tx", json=message(to), headers=one)

    # Then all four are new messages
    assert [r.status_code for r in (a, b, c, d)] == [201] * 4
    assert len({r.json()["id"] for r in (a, b, c, d)}) == 4
    assert len(mail_to(cloud, to)) == 4


def test_a_suppressed_address_is_refused_and_not_mailed(cloud: EmbeddedCloud, client: TestClient) -> None:
    # Given an address that unsubscribed from everything of this account
    headers = owner(client)
    to = new_email("leaver")
    entry = {"email": to, "reason": "unsubscribed"}
    assert client.post("/api/suppression", json=entry, headers=headers).status_code == 201

    # When a message is sent to it (with a key, then the retry)
    keyed = {**headers, "Idempotency-Key": "welcome-back"}
    answers = [client.post("/api/tx", json=message(to.upper()), headers=keyed) for _ in range(2)]

    # Then it is a 409 `suppressed` each time and no email; no message is recorded
    assert [(a.status_code, a.json()["error"]["code"]) for a in answers] == [(409, "suppressed")] * 2
    assert mail_to(cloud, to) == []
    assert client.get("/api/tx/messages", headers=headers).json()["items"] == []


def test_a_stored_template_is_rendered_with_the_messages_data(
    cloud: EmbeddedCloud, client: TestClient
) -> None:
    # Given a stored template
    headers = owner(client)
    template = {
        "name": "Receipt",
        "subject": "Order {{ data.order.id }}",
        "html_body": "<p>{% for item in data.order['items'] %}{{ item }};{% endfor %}</p>",
    }
    template_id = client.post("/api/templates", json=template, headers=headers).json()["id"]
    to = new_email("buyer")

    # When a message is sent from it, with a reply-to and a sender name
    body = {
        "to": to,
        "template_id": template_id,
        "data": {"order": {"id": 7, "items": ["tea", "<cake>"]}},
        "from_name": "Shop",
        "reply_to": "help@example.com",
    }
    sent = client.post("/api/tx", json=body, headers=headers)

    # Then it went out rendered, and it is listed with its template
    assert sent.status_code == 201, sent.text
    mail = mail_to(cloud, to)[0]
    assert mail["subject"] == "Order 7" and "tea;&lt;cake&gt;;" in mail["html"]
    assert mail["from"].startswith("Shop <") and mail["configuration_set"]
    listed = client.get("/api/tx/messages", headers=headers).json()["items"]
    assert [(m["id"], m["template_id"], m["status"]) for m in listed][0][:2] == (
        sent.json()["id"],
        template_id,
    )


def test_bad_template_data_is_a_422_with_the_renderers_message(
    cloud: EmbeddedCloud, client: TestClient
) -> None:
    headers = owner(client)
    to = new_email("reader")

    # When the data makes the template fail, or the inline content does not compile
    failing = client.post(
        "/api/tx", json=message(to, text_body="{{ 10 // data.n }}", data={"n": 0}), headers=headers
    )
    broken = client.post("/api/tx", json=message(to, subject="{{ data.code"), headers=headers)

    # Then both are 422 template_error, naming the field; nothing is sent or recorded
    assert failing.status_code == 422 and failing.json()["error"]["code"] == "template_error"
    assert "ZeroDivisionError" in failing.json()["error"]["message"]
    assert failing.json()["error"]["details"][0]["field"] == "text_body"
    assert broken.status_code == 422 and broken.json()["error"]["details"][0]["field"] == "subject"
    assert mail_to(cloud, to) == []
    assert client.get("/api/tx/messages", headers=headers).json()["items"] == []


def test_a_send_names_one_source_and_bounded_data(client: TestClient) -> None:
    headers = owner(client)
    to = new_email("reader")
    both = {**message(to), "template_id": "0" * 28}
    neither = {"to": to, "data": {}}
    too_much = message(to, data={"blob": "x" * 40_000})
    answers = [client.post("/api/tx", json=body, headers=headers) for body in (both, neither, too_much)]
    assert [a.status_code for a in answers] == [422] * 3


def test_another_accounts_template_and_messages_are_not_found(
    cloud: EmbeddedCloud, client: TestClient
) -> None:
    # Given a template and a message of one account
    mine = owner(client)
    template_id = client.post(
        "/api/templates", json={"name": "T", "subject": "Hi", "text_body": "Hi"}, headers=mine
    ).json()["id"]
    message_id = client.post("/api/tx", json=message(new_email("reader")), headers=mine).json()["id"]

    # When another account sends from that template and reads that message
    theirs = owner(client)
    to = new_email("reader")
    sent = client.post("/api/tx", json={"to": to, "template_id": template_id}, headers=theirs)
    read = client.get(f"/api/tx/messages/{message_id}", headers=theirs)

    # Then both are 404, nothing is sent, and their list is empty; the owner sees the message
    assert (sent.status_code, sent.json()["error"]["code"]) == (404, "template_not_found")
    assert (read.status_code, read.json()["error"]["code"]) == (404, "message_not_found")
    assert mail_to(cloud, to) == []
    assert client.get("/api/tx/messages", headers=theirs).json()["items"] == []
    assert client.get(f"/api/tx/messages/{message_id}", headers=mine).json()["status"] in {
        "sent",
        "delivered",
    }


@pytest.fixture
def one_message_an_hour(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An account may send one transactional message an hour."""
    yield from settings_from(
        monkeypatch, TRANSACTIONAL_SENDS_PER_HOUR="1", TRANSACTIONAL_RATE_PER_SECOND="100"
    )


def test_messages_are_limited_per_account_with_a_retry_after(
    cloud: EmbeddedCloud, client: TestClient, one_message_an_hour: None
) -> None:
    headers = owner(client)
    to = new_email("reader")

    # When an account sends two messages within the hour
    answers = [client.post("/api/tx", json=message(to), headers=headers) for _ in range(2)]

    # Then the second is a 429 with Retry-After, and only one went out
    assert [a.status_code for a in answers] == [201, 429]
    assert answers[1].json()["error"]["code"] == "transactional_send_limit"
    assert 1 <= int(answers[1].headers["Retry-After"]) <= 3600
    assert len(mail_to(cloud, to)) == 1
