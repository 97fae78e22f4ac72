"""The preference centre's public routes: the signed link opens the reader's page, changes it,
downloads everything held, and erases it."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from app import secrets
from app.preferences.tokens import Reader, make_token
from tests.factories import bearer, new_email, new_list, registered_user
from tests.helpers import visitor


def test_a_reader_manages_their_subscription_from_the_link_alone(client: TestClient) -> None:
    # Given an owner with a public list the reader is on, and a public list they are not on
    _, token = registered_user(client, prefix="prefs")
    owner = bearer(token)
    email = new_email("reader")
    news = new_list(client, owner, [{"email": email, "name": "Ada", "attributes": {"city": "Oslo"}}])
    offers = new_list(client, owner, [])
    for list_id in (news, offers):
        client.patch(f"/api/lists/{list_id}", json={"public": True}, headers=owner)
    owner_id = client.get("/api/me", headers=owner).json()["id"]
    path = f"/api/public/preferences/{make_token(Reader(owner_id, email), key=secrets.signing_key())}"

    with visitor() as reader:
        # When the reader opens their page and switches lists
        page = reader.get(path).json()
        changed = reader.put(path, json={"lists": {news: False, offers: True}, "name": "Ada L."}).json()
        # And downloads their data
        download = reader.get(f"{path}/export")
        # And erases it
        erased = reader.post(f"{path}/erase").json()
        after = reader.get(path).json()
        rejoin = reader.put(path, json={"lists": {news: True}})
        forged = reader.get(path[:-3] + "xyz")

    # Then each step did what it says
    assert page["email"] == email and page["name"] == "Ada"
    assert {entry["id"]: entry["subscribed"] for entry in page["lists"]} == {news: True, offers: False}
    assert {entry["id"]: entry["subscribed"] for entry in changed["lists"]} == {news: False, offers: True}
    assert download.headers["content-disposition"] == 'attachment; filename="my-data.json"'
    data = json.loads(download.text)
    assert {s["list_id"]: s["attributes"] for s in data["subscriptions"]}[news] == {"city": "Oslo"}
    assert {s["list_id"]: s["name"] for s in data["subscriptions"]} == {news: "Ada L.", offers: "Ada L."}
    assert erased == {"email": email, "subscriptions": 2, "messages": 0}
    assert after["erased"] and not any(entry["subscribed"] for entry in after["lists"])
    assert rejoin.status_code == 409 and rejoin.json()["error"]["code"] == "address_erased"
    assert forged.status_code == 404
    assert client.get(f"/api/lists/{news}/subscribers/{email}", headers=owner).status_code == 404
