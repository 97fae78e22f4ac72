"""A confirmed account whose PostConfirmation trigger failed gets its profile on first use."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.store import Store
from app.users.repository import profile_key
from tests.factories import bearer, registered_user


def _without_profile(client: TestClient, *, name: str) -> tuple[str, str, str]:
    """A confirmed account whose profile was never written, as after a failed trigger."""
    email, token = registered_user(client, name=name, prefix="orphan")
    user_id = str(client.get("/api/me", headers=bearer(token)).json()["id"])
    Store.default().table.delete(*profile_key(user_id))
    assert Store.default().profiles.get(user_id, consistent=True) is None
    return email, token, user_id


def test_me_writes_the_missing_profile_from_the_accounts_attributes(client: TestClient) -> None:
    # Given a confirmed account without a profile
    email, token, user_id = _without_profile(client, name="Katherine")

    # When the person opens the app (GET /api/me), twice
    first = client.get("/api/me", headers=bearer(token))
    second = client.get("/api/me", headers=bearer(token))

    # Then the profile is written from Cognito's attributes, once, and served both times
    assert first.status_code == 200, first.text
    assert (first.json()["id"], first.json()["email"], first.json()["name"]) == (user_id, email, "Katherine")
    assert second.json() == first.json()
    stored = Store.default().profiles.get(user_id, consistent=True)
    assert stored is not None and stored.created_at.isoformat() == first.json()["created_at"].replace(
        "Z", "+00:00"
    )


def test_renaming_an_account_without_a_profile_writes_it_then_renames(client: TestClient) -> None:
    _, token, user_id = _without_profile(client, name="Dorothy")

    renamed = client.patch("/api/me", json={"name": "Dorothy Vaughan"}, headers=bearer(token))

    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Dorothy Vaughan"
    stored = Store.default().profiles.get(user_id, consistent=True)
    assert stored is not None and stored.name == "Dorothy Vaughan"
