"""Campaign drafts through the API: CRUD, merge tags in a sandbox, preview, test copy, schedule/cancel."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

import boto3
from fastapi.testclient import TestClient

from app.config import get_settings
from localcloud.cloud import EmbeddedCloud
from tests.factories import bearer, registered_user


def owner_with_list(client: TestClient) -> tuple[dict[str, str], str]:
    """A signed-in owner and a list with one subscriber who has attributes."""
    _, token = registered_user(client, prefix="author")
    headers = bearer(token)
    list_id = client.post("/api/lists", json={"name": "Fans"}, headers=headers).json()["id"]
    member = {"email": "ada@example.com", "name": "Ada <Lovelace>", "attributes": {"plan": "gold"}}
    assert client.post(f"/api/lists/{list_id}/subscribers", json=member, headers=headers).status_code == 201
    return headers, list_id


def draft(list_id: str, **fields: Any) -> dict[str, Any]:
    """A campaign body."""
    return {
        "name": "Launch",
        "subject": "News for {{ subscriber.name }}",
        "list_id": list_id,
        "html_body": "<p>{{ subscriber.name }} on {{ attributes.plan }}{{ attributes.missing }}</p>",
        "text_body": "{{ subscriber.name }}: {{ unsubscribe_url }}",
        **fields,
    }


def test_a_draft_is_created_listed_edited_and_deleted(client: TestClient) -> None:
    headers, list_id = owner_with_list(client)
    created = client.post("/api/campaigns", json=draft(list_id), headers=headers)
    assert created.status_code == 201, created.text
    campaign = created.json()
    assert campaign["status"] == "draft" and campaign["stats"]["recipients"] == 0

    listed = client.get("/api/campaigns", headers=headers).json()
    assert [c["id"] for c in listed["items"]] == [campaign["id"]]
    renamed = client.patch(f"/api/campaigns/{campaign['id']}", json={"name": "Launch v2"}, headers=headers)
    assert renamed.status_code == 200 and renamed.json()["name"] == "Launch v2"

    _, stranger = registered_user(client, prefix="stranger")
    assert client.get(f"/api/campaigns/{campaign['id']}", headers=bearer(stranger)).status_code == 404
    assert client.delete(f"/api/campaigns/{campaign['id']}", headers=headers).status_code == 204
    assert client.get(f"/api/campaigns/{campaign['id']}", headers=headers).status_code == 404


def test_a_template_syntax_error_is_a_422_naming_the_field_and_line(client: TestClient) -> None:
    headers, list_id = owner_with_list(client)
    body = draft(list_id, html_body="<p>ok</p>\n<p>{{ subscriber.name }</p>")
    response = client.post("/api/campaigns", json=body, headers=headers)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "template_error"
    assert error["details"][0]["field"] == "html_body" and error["details"][0]["line"] == 2


def test_templates_cannot_reach_python_objects(client: TestClient) -> None:
    headers, list_id = owner_with_list(client)
    # Unsafe attributes are invisible (they render empty) ...
    harmless = draft(list_id, text_body="[{{ subscriber.__class__.__mro__ }}{{ attributes.__init__ }}]")
    campaign_id = client.post("/api/campaigns", json=harmless, headers=headers).json()["id"]
    assert client.post(f"/api/campaigns/{campaign_id}/preview", headers=headers).json()["text"] == "[]"
    # ... and calling into Python, or changing the data, is refused when the draft is saved
    for attack in ("{{ ''.__class__.__base__.__subclasses__() }}", "{{ attributes.update({'x': 1}) }}"):
        response = client.post("/api/campaigns", json=draft(list_id, text_body=attack), headers=headers)
        assert response.status_code == 422, (attack, response.text)
        assert response.json()["error"]["code"] == "template_error"


def test_preview_renders_for_a_subscriber_escaping_html_but_not_text(client: TestClient) -> None:
    headers, list_id = owner_with_list(client)
    campaign_id = client.post("/api/campaigns", json=draft(list_id), headers=headers).json()["id"]
    preview = client.post(
        f"/api/campaigns/{campaign_id}/preview", json={"email": "ADA@example.com"}, headers=headers
    )
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["subject"] == "News for Ada <Lovelace>"
    assert body["html"] == "<p>Ada &lt;Lovelace&gt; on gold</p>"
    assert body["text"].startswith("Ada <Lovelace>: " + get_settings().app_url + "/unsubscribe/")
    sample = client.post(f"/api/campaigns/{campaign_id}/preview", headers=headers).json()
    assert sample["email"] == "sample.subscriber@example.com"


def test_a_test_copy_goes_to_the_owner(cloud: EmbeddedCloud, client: TestClient) -> None:
    email, token = registered_user(client, prefix="tester")
    headers = bearer(token)
    list_id = client.post("/api/lists", json={"name": "L"}, headers=headers).json()["id"]
    campaign_id = client.post("/api/campaigns", json=draft(list_id), headers=headers).json()["id"]
    sent = client.post(f"/api/campaigns/{campaign_id}/test", headers=headers)
    assert sent.status_code == 200 and sent.json()["to"] == email
    mail = next(m for m in cloud.console.outbox() if m["id"] == sent.json()["message_id"])
    assert mail["subject"].startswith("[Test] News for") and "List-Unsubscribe" in mail["headers"]


def test_a_scheduled_campaign_can_be_cancelled_and_a_due_schedule_sends_it(
    cloud: EmbeddedCloud, client: TestClient
) -> None:
    headers, list_id = owner_with_list(client)
    scheduler = boto3.client("scheduler", endpoint_url=cloud.endpoint_url, region_name="us-east-1")
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()

    # Given a scheduled campaign, it can be cancelled (its schedule goes away) and not sent meanwhile
    campaign_id = client.post("/api/campaigns", json=draft(list_id), headers=headers).json()["id"]
    too_soon = client.post(
        f"/api/campaigns/{campaign_id}/schedule",
        json={"send_at": dt.datetime.now(dt.UTC).isoformat()},
        headers=headers,
    )
    assert too_soon.status_code == 409 and too_soon.json()["error"]["code"] == "invalid_send_at"
    scheduled = client.post(
        f"/api/campaigns/{campaign_id}/schedule", json={"send_at": later}, headers=headers
    )
    assert scheduled.status_code == 200 and scheduled.json()["status"] == "scheduled", scheduled.text
    name = f"herald-{get_settings().stage}-campaign-{campaign_id}"
    target = scheduler.get_schedule(Name=name)
    assert target["Target"]["Arn"] == get_settings().state_machine_arn
    assert client.post(f"/api/campaigns/{campaign_id}/send", headers=headers).status_code == 409
    cancelled = client.delete(f"/api/campaigns/{campaign_id}/schedule", headers=headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "draft"
    assert name not in [s["Name"] for s in scheduler.list_schedules()["Schedules"]]

    # When it is scheduled again and the time comes (moved into the past here)
    assert client.post(
        f"/api/campaigns/{campaign_id}/schedule", json={"send_at": later}, headers=headers
    ).is_success
    schedule = scheduler.get_schedule(Name=name)
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
    scheduler.update_schedule(
        Name=name,
        ScheduleExpression=f"at({past})",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target=schedule["Target"],
        ActionAfterCompletion="DELETE",
        State="ENABLED",
    )

    # Then the embedded scheduler starts the delivery, and the campaign is sent
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        current = client.get(f"/api/campaigns/{campaign_id}", headers=headers).json()
        if current["status"] in ("sent", "failed"):
            break
        time.sleep(0.2)
    assert current["status"] == "sent", current
    assert [s["status"] for s in current["timeline"]][-3:] == ["scheduled", "sending", "sent"]
    assert current["stats"]["sent"] == 1


def test_invalid_ids_and_cursors_are_clear_errors(client: TestClient) -> None:
    headers, list_id = owner_with_list(client)
    missing_list = client.post("/api/campaigns", json=draft(uuid.uuid4().hex), headers=headers)
    assert missing_list.status_code == 404 and missing_list.json()["error"]["code"] == "list_not_found"
    assert client.get("/api/campaigns", params={"cursor": "x.y"}, headers=headers).status_code == 422
    assert client.post(f"/api/campaigns/{uuid.uuid4().hex}/send", headers=headers).status_code == 404
    for link in ("not-a-real-token-value", "sample"):  # "sample": the preview's stand-in link
        bad_link = client.get(f"/api/public/unsubscribe/{link}")
        assert bad_link.status_code == 404 and bad_link.json()["error"]["code"] == "invalid_unsubscribe_link"
    del list_id


def test_only_a_sending_campaign_can_be_paused_and_only_a_paused_one_resumed(client: TestClient) -> None:
    headers, list_id = owner_with_list(client)
    campaign_id = client.post("/api/campaigns", json=draft(list_id), headers=headers).json()["id"]

    paused = client.post(f"/api/campaigns/{campaign_id}/pause", headers=headers)
    resumed = client.post(f"/api/campaigns/{campaign_id}/resume", headers=headers)
    missing = client.post("/api/campaigns/nope/pause", headers=headers)

    assert (paused.status_code, paused.json()["error"]["code"]) == (409, "campaign_not_sending")
    assert (resumed.status_code, resumed.json()["error"]["code"]) == (409, "campaign_not_paused")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "campaign_not_found")
    assert client.get(f"/api/campaigns/{campaign_id}", headers=headers).json()["status"] == "draft"
