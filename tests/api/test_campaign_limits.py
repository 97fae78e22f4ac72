"""One tenant's templates cannot hold up the API: costly ones are a 422, renders run off the loop."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient

from app.campaigns import rendering
from app.config import get_settings
from localcloud.cloud import EmbeddedCloud
from tests.factories import bearer, new_campaign, new_list, registered_user
from tests.helpers import settings_from

NESTED_LOOPS = (
    "{% for i in range(100) %}{% for j in range(100) %}{% for k in range(100) %}"
    "{% endfor %}{% endfor %}{% endfor %}"
)


def owner_with_list(client: TestClient) -> tuple[dict[str, str], str]:
    """A signed-in owner and a list with one subscriber on the gold plan."""
    _, token = registered_user(client, prefix="limits")
    headers = bearer(token)
    gold = {"email": "gold@example.com", "name": "Gold", "attributes": {"plan": "gold"}}
    return headers, new_list(client, headers, [gold])


def draft(list_id: str, html_body: str) -> dict[str, Any]:
    """A campaign body with this HTML."""
    return {"name": "Limits", "subject": "Hi", "list_id": list_id, "html_body": html_body}


def owner_with_draft(client: TestClient) -> tuple[dict[str, str], str, str]:
    """A signed-in owner, their list, and a plain draft for it."""
    headers, list_id = owner_with_list(client)
    return headers, list_id, new_campaign(client, headers, list_id, html_body="<p>hi</p>")


def test_a_costly_or_recursive_template_is_refused_when_saved(client: TestClient) -> None:
    # Given an owner with a list
    headers, list_id = owner_with_list(client)

    # When drafts with a million loop iterations, and a macro that calls itself, are saved
    looping = client.post("/api/campaigns", json=draft(list_id, NESTED_LOOPS), headers=headers)
    recursive = client.post(
        "/api/campaigns",
        json=draft(list_id, "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}"),
        headers=headers,
    )

    # Then both are a 422 template_error naming the field and why (not a 201 after seconds, nor a 500)
    for response, why in ((looping, "more than 10,000 steps"), (recursive, "calls itself too deeply")):
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "template_error" and why in error["message"]
        assert error["details"][0]["field"] == "html_body"


def test_a_costly_branch_hidden_from_the_sample_is_a_422_at_preview(client: TestClient) -> None:
    # Given a draft whose costly part only runs for subscribers with a plan (the sample has none)
    headers, list_id = owner_with_list(client)
    hidden = "{% if subscriber.attributes.plan %}" + NESTED_LOOPS + "{% endif %}ok"
    created = client.post("/api/campaigns", json=draft(list_id, hidden), headers=headers)
    assert created.status_code == 201, created.text

    # When it is previewed for the subscriber on the gold plan
    preview = client.post(
        f"/api/campaigns/{created.json()['id']}/preview", json={"email": "gold@example.com"}, headers=headers
    )

    # Then the preview is refused, saying the template is too costly
    assert preview.status_code == 422, preview.text
    assert preview.json()["error"]["code"] == "template_error"
    assert "too costly" in preview.json()["error"]["message"]


def test_a_render_in_progress_does_not_hold_up_other_requests(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a draft whose preview render will not end until the test lets it
    headers, _, campaign_id = owner_with_draft(client)
    entered, released = threading.Event(), threading.Event()
    real = rendering.CompiledCampaign.render

    def slow_render(self: rendering.CompiledCampaign, variables: Any) -> rendering.Rendered:
        entered.set()
        released.wait(timeout=10)
        return real(self, variables)

    monkeypatch.setattr(rendering.CompiledCampaign, "render", slow_render)
    previews: list[int] = []
    previewing = threading.Thread(
        target=lambda: previews.append(
            client.post(f"/api/campaigns/{campaign_id}/preview", headers=headers).status_code
        )
    )

    # When the preview is rendering and /api/health is asked
    previewing.start()
    assert entered.wait(timeout=10)
    health = client.get("/api/health")
    render_still_running = not released.is_set() and previewing.is_alive()
    released.set()
    previewing.join(timeout=10)

    # Then health answered while the render was still running, and the preview then completed
    assert health.status_code == 200 and render_still_running
    assert previews == [200]


@pytest.fixture
def two_tests_an_hour(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An account may send two test copies an hour (and the rate per second is not what stops them)."""
    yield from settings_from(monkeypatch, TEST_SENDS_PER_HOUR="2", TRANSACTIONAL_RATE_PER_SECOND="100")


def test_test_copies_are_limited_per_account_with_a_retry_after(
    client: TestClient, two_tests_an_hour: None
) -> None:
    # Given an owner with a draft
    headers, _, campaign_id = owner_with_draft(client)

    # When it asks for three test copies within the hour
    answers = [client.post(f"/api/campaigns/{campaign_id}/test", headers=headers) for _ in range(3)]

    # Then two go out and the third is a 429 saying when to try again
    assert [a.status_code for a in answers] == [200, 200, 429], answers[-1].text
    assert answers[2].json()["error"]["code"] == "test_send_limit"
    assert 0 < int(answers[2].headers["Retry-After"]) <= 3600


def test_content_larger_than_a_campaign_can_hold_is_a_422(client: TestClient) -> None:
    # Given two bodies each within its own limit, together more than the campaign item can hold
    headers, list_id, small = owner_with_draft(client)
    body = {**draft(list_id, "<p>" + "x" * 250_000 + "</p>"), "text_body": "y" * 250_000}

    # When the draft is saved, and a small draft is then grown by an edit
    created = client.post("/api/campaigns", json=body, headers=headers)
    grown = client.patch(
        f"/api/campaigns/{small}",
        json={"text_body": body["text_body"], "html_body": body["html_body"]},
        headers=headers,
    )

    # Then both are a 422 content_too_large (not a 500 from DynamoDB), and the draft is unchanged
    for response in (created, grown):
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "content_too_large"
    assert client.get(f"/api/campaigns/{small}", headers=headers).json()["html_body"] == "<p>hi</p>"


def test_a_schedule_parks_a_start_it_cannot_make_in_a_dead_letter_queue(
    cloud: EmbeddedCloud, client: TestClient
) -> None:
    # Given a draft
    headers, _, campaign_id = owner_with_draft(client)
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()

    # When it is scheduled
    scheduled = client.post(
        f"/api/campaigns/{campaign_id}/schedule", json={"send_at": later}, headers=headers
    )

    # Then its schedule's target retries, then parks the event in the schedule DLQ
    assert scheduled.status_code == 200, scheduled.text
    scheduler = boto3.client("scheduler", endpoint_url=cloud.endpoint_url, region_name="us-east-1")
    target = scheduler.get_schedule(Name=f"herald-{get_settings().stage}-campaign-{campaign_id}")["Target"]
    dlq = get_settings().campaign_schedule_dlq_arn
    assert dlq and dlq.endswith(":herald-local-campaign-schedule-dlq")
    assert target["DeadLetterConfig"] == {"Arn": dlq}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
