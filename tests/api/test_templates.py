"""Stored templates through the API: CRUD, checks on save, preview with data, tenancy."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import bearer, registered_user


def owner(client: TestClient) -> dict[str, str]:
    """A signed-in account's headers."""
    _, token = registered_user(client, prefix="templater")
    return bearer(token)


def receipt(**fields: Any) -> dict[str, Any]:
    """A template body."""
    return {
        "name": "Receipt",
        "subject": "Order {{ data.order }}",
        "html_body": "<p>{{ data.name }} paid {{ data.total }}</p>",
        "text_body": "{{ data.name }} paid {{ data.total }} ({{ to }})",
        **fields,
    }


def test_a_template_is_created_listed_replaced_previewed_and_deleted(client: TestClient) -> None:
    # Given an account with a template
    headers = owner(client)
    created = client.post("/api/templates", json=receipt(), headers=headers)
    assert created.status_code == 201, created.text
    template_id = created.json()["id"]
    assert created.json()["kind"] == "transactional"

    # When it is listed, replaced and previewed with data
    listed = client.get("/api/templates", headers=headers).json()["items"]
    replaced = client.put(
        f"/api/templates/{template_id}", json=receipt(subject="Receipt {{ data.order }}"), headers=headers
    )
    preview = client.post(
        f"/api/templates/{template_id}/preview",
        json={"data": {"order": 42, "name": "<Ada>", "total": "9 €"}},
        headers=headers,
    )

    # Then each shows what was saved, and the preview escapes HTML only
    assert [t["id"] for t in listed] == [template_id] and "html_body" not in listed[0]
    assert replaced.status_code == 200 and replaced.json()["subject"] == "Receipt {{ data.order }}"
    assert preview.status_code == 200, preview.text
    assert preview.json()["subject"] == "Receipt 42"
    assert preview.json()["html"] == "<p>&lt;Ada&gt; paid 9 €</p>"
    assert preview.json()["text"] == "<Ada> paid 9 € (sample.subscriber@example.com)"

    # And once deleted it is gone
    assert client.delete(f"/api/templates/{template_id}", headers=headers).status_code == 204
    assert client.get(f"/api/templates/{template_id}", headers=headers).status_code == 404


def test_a_template_with_an_error_is_refused_with_its_field_and_line(client: TestClient) -> None:
    headers = owner(client)

    # When a body does not compile, or fails when rendered
    broken = client.post("/api/templates", json=receipt(text_body="a\n{% if %}"), headers=headers)
    costly = client.post(
        "/api/templates", json=receipt(html_body="{% for i in range(10**6) %}x{% endfor %}"), headers=headers
    )

    # Then both are 422 template_error naming the field
    assert broken.status_code == 422 and broken.json()["error"]["code"] == "template_error"
    assert broken.json()["error"]["details"][0] == {
        "field": "text_body",
        "line": 2,
        "message": broken.json()["error"]["details"][0]["message"],
    }
    assert costly.status_code == 422 and costly.json()["error"]["details"][0]["field"] == "html_body"
    assert client.get("/api/templates", headers=headers).json()["items"] == []


def test_another_accounts_template_is_not_found(client: TestClient) -> None:
    # Given a template of one account
    mine = owner(client)
    template_id = client.post("/api/templates", json=receipt(), headers=mine).json()["id"]

    # When another account reads, replaces, previews or deletes it
    theirs = owner(client)
    answers = [
        client.get(f"/api/templates/{template_id}", headers=theirs),
        client.put(f"/api/templates/{template_id}", json=receipt(), headers=theirs),
        client.post(f"/api/templates/{template_id}/preview", headers=theirs),
        client.delete(f"/api/templates/{template_id}", headers=theirs),
    ]

    # Then each is 404, and the template is untouched
    assert [(a.status_code, a.json()["error"]["code"]) for a in answers] == [(404, "template_not_found")] * 4
    assert (
        client.get(f"/api/templates/{template_id}", headers=mine).json()["subject"]
        == "Order {{ data.order }}"
    )
    assert client.get("/api/templates", headers=theirs).json()["items"] == []
    # And what is not a template id at all (a null sent as text) names no template either
    assert client.get("/api/templates/None", headers=theirs).status_code == 404
