"""Sign-up forms through the API: the owner's routes, the hosted page (plain HTML, no script), its
POST as a browser sends it without JavaScript, throttling, and the confirmation link's page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import secrets
from app.forms import signup
from app.forms.tokens import make_token
from app.ratelimit import Limit
from app.store import Store
from localcloud.cloud import EmbeddedCloud
from tests.factories import bearer, new_email, registered_user
from tests.helpers import visitor


@pytest.fixture
def owner(client: TestClient) -> dict[str, str]:
    """The Authorization header of a fresh account."""
    _, token = registered_user(client, prefix="forms")
    return bearer(token)


def new_list(client: TestClient, headers: dict[str, str], name: str = "Weekly") -> str:
    created = client.post("/api/lists", json={"name": name}, headers=headers)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def new_form(
    client: TestClient, headers: dict[str, str], list_ids: list[str], **fields: Any
) -> dict[str, Any]:
    body = {"name": "Footer", "list_ids": list_ids, **fields}
    created = client.post("/api/forms", json=body, headers=headers)
    assert created.status_code == 201, created.text
    form: dict[str, Any] = created.json()
    return form


def test_an_owner_builds_a_form_and_gets_its_address_and_an_embeddable_snippet(
    client: TestClient, owner: dict[str, str]
) -> None:
    # Given two lists
    weekly, offers = new_list(client, owner), new_list(client, owner, "Offers")

    # When a form offering both, asking for a city, is created and its embed code requested
    form = new_form(
        client, owner, [weekly, offers], title="Join us", fields=[{"key": "city", "label": "Your city"}]
    )
    embed = client.get(
        f"/api/forms/{form['id']}/embed", params={"origin": "https://news.example"}, headers=owner
    )
    listed = client.get("/api/forms", params={"list_id": offers}, headers=owner).json()["items"]

    # Then the form lives under /api/public/ and the snippet is a plain POST form with every field
    assert form["hosted_path"] == f"/api/public/subscribe/{form['id']}"
    assert embed.status_code == 200
    snippet = embed.json()["snippet"]
    assert embed.json()["action_url"].endswith(form["hosted_path"])
    assert f'action="{embed.json()["action_url"]}"' in snippet and 'method="post"' in snippet
    assert 'name="email"' in snippet and 'name="attributes.city"' in snippet and 'name="homepage"' in snippet
    assert snippet.count('name="list"') == 2 and "<script" not in snippet
    assert [f["id"] for f in listed] == [form["id"]]

    # And a form for a list that is not the owner's is refused, and another owner cannot see it
    refused = client.post("/api/forms", json={"name": "x", "list_ids": ["nope"]}, headers=owner)
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "list_not_found"
    _, stranger = registered_user(client, prefix="stranger")
    assert client.get(f"/api/forms/{form['id']}", headers=bearer(stranger)).status_code == 404


def test_the_hosted_page_signs_a_reader_up_without_javascript(
    client: TestClient, owner: dict[str, str], cloud: EmbeddedCloud
) -> None:
    # Given a form
    list_id = new_list(client, owner)
    form = new_form(client, owner, [list_id], intro="News every Friday <b>no spam</b>")
    email = new_email("reader")

    with visitor() as browser:
        # When a browser opens the hosted page
        page = browser.get(form["hosted_path"])

        # Then it is an HTML page with a form that posts to itself, and the owner's text is escaped
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert f'action="{form["hosted_path"]}"' in page.text
        assert "&lt;b&gt;no spam&lt;/b&gt;" in page.text and "<script" not in page.text

        # When the form is posted as a browser without JavaScript does (urlencoded)
        posted = browser.post(form["hosted_path"], data={"email": email, "name": "Ada", "homepage": ""})

    # Then the answer is a page asking to check the inbox, and the reader waits unconfirmed
    assert posted.status_code == 200 and "check your inbox" in posted.text
    member = client.get(f"/api/lists/{list_id}/subscribers/{email}", headers=owner).json()
    assert (member["status"], member["source"], member["name"]) == ("unconfirmed", "form", "Ada")
    assert member["consent"]["form_id"] == form["id"] and member["consent"]["ip"].startswith("198.18.")
    assert client.get(f"/api/lists/{list_id}", headers=owner).json()["subscriber_count"] == 0


def test_a_bad_sign_up_shows_the_form_again_with_what_to_fix(
    client: TestClient, owner: dict[str, str]
) -> None:
    # Given a form that requires a name
    form = new_form(client, owner, [new_list(client, owner)], name_required=True)

    # When it is posted with a bad address and a name that looks like markup
    with visitor() as browser:
        posted = browser.post(form["hosted_path"], data={"email": "not-an-address", "name": '"><i>x'})

    # Then the form comes back (422) with the reason and the values, escaped
    assert posted.status_code == 422
    assert "Enter a valid email address" in posted.text
    assert 'value="&#34;&gt;&lt;i&gt;x"' in posted.text
    assert 'value="not-an-address"' in posted.text


def test_too_many_sign_ups_from_one_ip_are_answered_429_with_retry_after(
    client: TestClient, owner: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a form, and a limit of two sign-ups per IP
    monkeypatch.setattr(signup, "PER_IP", Limit("test-ip", max_hits=2, window_seconds=600))
    form = new_form(client, owner, [new_list(client, owner)])

    with visitor() as bot:
        answers = [bot.post(form["hosted_path"], data={"email": new_email("bot")}) for _ in range(3)]

    # Then the third is refused with how long to wait, as a page
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert 0 < int(answers[2].headers["Retry-After"]) <= 600
    assert answers[2].headers["content-type"].startswith("text/html") and "try again" in answers[2].text


def test_an_unknown_form_is_a_404_page(client: TestClient) -> None:
    with visitor() as browser:
        page = browser.get("/api/public/subscribe/no-such-form")
        posted = browser.post("/api/public/subscribe/no-such-form", data={"email": new_email()})
    assert page.status_code == posted.status_code == 404
    assert "does not exist" in page.text


def test_the_confirmation_page_confirms_only_when_its_button_is_posted(
    client: TestClient, owner: dict[str, str]
) -> None:
    # Given a reader waiting for confirmation, and the link their email carries
    list_id = new_list(client, owner, "Letters")
    form = new_form(client, owner, [list_id])
    email = new_email("confirm")
    with visitor() as browser:
        browser.post(form["hosted_path"], data={"email": email})
    owner_id = client.get("/api/me", headers=owner).json()["id"]
    record = Store.default().subscribers.get_record(owner_id, list_id, email)
    assert record is not None and record.confirm_id
    token = make_token(owner_id, email, ((list_id, record.confirm_id),), key=secrets.signing_key())
    path = f"/api/public/confirm/{token}"

    with visitor() as browser:
        # When the link is opened (as a mail scanner would)
        shown = browser.get(path)
        after_get = client.get(f"/api/lists/{list_id}/subscribers/{email}", headers=owner).json()["status"]

        # And its button is posted
        confirmed = browser.post(path)

    # Then the GET only showed a button; the POST confirmed
    assert shown.status_code == 200 and re.search(r'<form method="post" action="[^"]+">', shown.text)
    assert email in shown.text and "Letters" in shown.text and after_get == "unconfirmed"
    assert confirmed.status_code == 200 and "You are subscribed" in confirmed.text
    member = client.get(f"/api/lists/{list_id}/subscribers/{email}", headers=owner).json()
    assert (member["status"], member["confirmed_by"]) == ("subscribed", "double_opt_in")
    assert client.get(f"/api/lists/{list_id}", headers=owner).json()["subscriber_count"] == 1

    # And an altered link is a 404 page
    with visitor() as browser:
        assert browser.get(path[:-4] + "AAAA").status_code == 404


def test_the_owner_adds_confirmed_or_unconfirmed_subscribers_and_sets_how_a_list_is_joined(
    client: TestClient, owner: dict[str, str]
) -> None:
    # Given a list
    list_id = new_list(client, owner)

    # When one address is added as already confirmed (with the reason) and one as unconfirmed
    vouched = client.post(
        f"/api/lists/{list_id}/subscribers",
        json={"email": new_email("vouched"), "confirmed_reason": "signed the paper form"},
        headers=owner,
    ).json()
    pending = client.post(
        f"/api/lists/{list_id}/subscribers",
        json={"email": new_email("pending"), "status": "unconfirmed"},
        headers=owner,
    ).json()

    # Then the reason is recorded, only the confirmed one counts, and confirming the other counts it
    assert (vouched["confirmed_by"], vouched["confirmed_reason"]) == ("api", "signed the paper form")
    assert pending["status"] == "unconfirmed"
    assert client.get(f"/api/lists/{list_id}", headers=owner).json()["subscriber_count"] == 1
    moved = client.patch(
        f"/api/lists/{list_id}/subscribers/{pending['email']}",
        json={"status": "subscribed", "confirmed_reason": "phoned us"},
        headers=owner,
    ).json()
    assert (moved["status"], moved["confirmed_by"], moved["confirmed_reason"]) == (
        "subscribed",
        "owner",
        "phoned us",
    )
    assert client.get(f"/api/lists/{list_id}", headers=owner).json()["subscriber_count"] == 2
    back = client.patch(
        f"/api/lists/{list_id}/subscribers/{pending['email']}", json={"status": "unconfirmed"}, headers=owner
    )
    assert back.status_code == 422

    # And the list can be made single opt-in and public, with a template that is checked
    settings = client.patch(
        f"/api/lists/{list_id}",
        json={"opt_in": "single", "public": True, "confirmation": {"subject": "Join {{ lists[0] }}?"}},
        headers=owner,
    )
    broken = client.patch(
        f"/api/lists/{list_id}", json={"confirmation": {"html_body": "{% if %}"}}, headers=owner
    )
    assert settings.status_code == 200
    assert (settings.json()["opt_in"], settings.json()["public"]) == ("single", True)
    assert settings.json()["confirmation"]["subject"] == "Join {{ lists[0] }}?"
    assert broken.status_code == 422 and broken.json()["error"]["code"] == "template_error"
