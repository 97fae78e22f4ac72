"""Engagement through the API: the tracking flag, a campaign's links and hours, an address's activity."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import bearer, new_campaign, new_list, registered_user


def _owner(client: TestClient, prefix: str) -> tuple[dict[str, str], str]:
    _, token = registered_user(client, prefix=prefix)
    headers = bearer(token)
    return headers, new_list(client, headers, [{"email": "ada@example.com", "name": "Ada"}])


def test_tracking_is_on_unless_a_campaign_turns_it_off(client: TestClient) -> None:
    # Given an owner's list
    headers, list_id = _owner(client, "tracker")

    # When a draft is made with tracking off, then turned on, then sent a null
    campaign_id = new_campaign(client, headers, list_id, track=False)
    off = client.get(f"/api/campaigns/{campaign_id}", headers=headers).json()
    on = client.patch(f"/api/campaigns/{campaign_id}", json={"track": True}, headers=headers).json()
    kept = client.patch(f"/api/campaigns/{campaign_id}", json={"track": None}, headers=headers).json()
    default = client.get(f"/api/campaigns/{new_campaign(client, headers, list_id)}", headers=headers).json()

    # Then the flag follows, null keeps it, and a new draft tracks
    assert (off["track"], on["track"], kept["track"], default["track"]) == (False, True, True, True)


def test_engagement_reads_start_empty_with_rates_of_zero(client: TestClient) -> None:
    # Given a draft
    headers, list_id = _owner(client, "reader")
    campaign_id = new_campaign(client, headers, list_id)

    # When its engagement is read
    stats = client.get(f"/api/campaigns/{campaign_id}/stats", headers=headers).json()
    links = client.get(f"/api/campaigns/{campaign_id}/links", headers=headers)
    hours = client.get(f"/api/campaigns/{campaign_id}/engagement", headers=headers)
    activity = client.get(f"/api/lists/{list_id}/activity/ada@example.com", headers=headers)

    # Then nothing is counted yet
    assert {k: stats[k] for k in ("opens", "unique_clicks", "open_rate", "click_rate")} == {
        "opens": 0,
        "unique_clicks": 0,
        "open_rate": 0.0,
        "click_rate": 0.0,
    }
    assert links.json() == {"items": [], "truncated": False}
    assert hours.json() == {"items": [], "next_cursor": None}
    assert activity.json() == {"items": [], "next_cursor": None}


def test_another_owners_links_engagement_and_activity_are_404(client: TestClient) -> None:
    # Given an owner's campaign and list, and a stranger
    headers, list_id = _owner(client, "victim")
    campaign_id = new_campaign(client, headers, list_id)
    stranger, _ = _owner(client, "prowler")

    # When the stranger asks for them
    links = client.get(f"/api/campaigns/{campaign_id}/links", headers=stranger)
    hours = client.get(f"/api/campaigns/{campaign_id}/engagement", headers=stranger)
    activity = client.get(f"/api/lists/{list_id}/activity/ada@example.com", headers=stranger)

    # Then none of them exists for the stranger
    assert [r.status_code for r in (links, hours, activity)] == [404, 404, 404]
    assert [r.json()["error"]["code"] for r in (links, hours, activity)] == [
        "campaign_not_found",
        "campaign_not_found",
        "list_not_found",
    ]
