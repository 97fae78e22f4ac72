"""PATCH a campaign with nulls: an optional field is cleared, a required one kept (never a 500)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import bearer, new_campaign, new_list, registered_user


def test_null_clears_optional_fields_and_keeps_required_ones(client: TestClient) -> None:
    # Given a draft with a name, a subject and bodies
    _, token = registered_user(client, prefix="nulls")
    headers = bearer(token)
    campaign_id = new_campaign(client, headers, new_list(client, headers, []))

    # When every field is sent as null
    nulls = dict.fromkeys(("name", "subject", "from_name", "reply_to", "list_id", "html_body", "text_body"))
    patched = client.patch(f"/api/campaigns/{campaign_id}", json=nulls, headers=headers)

    # Then the bodies and the From name are cleared, the name and subject stay, and it still reads
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert (body["html_body"], body["text_body"], body["from_name"], body["reply_to"]) == ("", "", "", None)
    assert (body["name"], body["subject"]) == ("November news", "Hello {{ subscriber.name }}")
    assert client.get(f"/api/campaigns/{campaign_id}", headers=headers).json() == body
