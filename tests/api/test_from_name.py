"""A campaign's From name cannot inject headers or pose as another address."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.factories import bearer, new_campaign, new_list, registered_user

HOSTILE = [
    "PayPal Security <security@paypal.com>\r\nBcc: everyone@example.com",
    "Herald\r\nBcc: victim@example.com",
    "Herald\nX-Spam: no",
    "security@paypal.com",
    "PayPal <support>",
    "Line\u2028separator",
    "Bell\x07",
]


@pytest.mark.parametrize("from_name", HOSTILE)
def test_a_from_name_with_a_line_break_control_character_or_address_sign_is_422(
    client: TestClient, from_name: str
) -> None:
    # Given an owner with a list and a draft
    _, token = registered_user(client, prefix="from")
    headers = bearer(token)
    list_id = new_list(client, headers, [])
    campaign_id = new_campaign(client, headers, list_id)

    # When the From name is set to something that is not a plain name, on create or on edit
    body = {"name": "n", "subject": "s", "list_id": list_id, "from_name": from_name}
    created = client.post("/api/campaigns", json=body, headers=headers)
    edited = client.patch(f"/api/campaigns/{campaign_id}", json={"from_name": from_name}, headers=headers)

    # Then both are refused, naming the field, and the draft keeps its name
    for response in (created, edited):
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert [d["loc"][-1] for d in error["details"]] == ["from_name"]
    kept = client.get(f"/api/campaigns/{campaign_id}", headers=headers).json()
    assert kept["from_name"] == "Herald Weekly"


def test_a_plain_from_name_with_quotes_commas_and_accents_is_kept(client: TestClient) -> None:
    _, token = registered_user(client, prefix="from")
    headers = bearer(token)
    list_id = new_list(client, headers, [])
    name = 'Zoë\'s "Weekly", Paris'
    campaign_id = new_campaign(client, headers, list_id, from_name=name)
    assert client.get(f"/api/campaigns/{campaign_id}", headers=headers).json()["from_name"] == name
