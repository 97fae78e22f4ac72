"""Opens and clicks end to end through the embedded cloud: SES's tracked mail, the reader's pixel and
link, the Open and Click events on the feedback path, the counts the API shows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient

from localcloud.cloud import EmbeddedCloud
from tests.factories import engagement_event, owner_with_audience, sent_campaign
from tests.helpers import campaign_mail, eventually, local_console, wait_for_status
from tests.localcloud.helpers import aws

STORY = "https://example.org/story?id=7"
HTML = f'<p>Hi {{{{ subscriber.name }}}}</p><p><a href="{STORY}">Read the story</a></p>'
READER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Thunderbird/128.0"}


@pytest.fixture
def reader_client(cloud: EmbeddedCloud, tmp_path: Path) -> Iterator[TestClient]:
    """What a reader's mail client reaches: the local runner's routes (the tracker among them)."""
    with local_console(cloud, tmp_path) as client:
        yield client


def _path(url: str) -> str:
    parsed = urlparse(url)
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


def test_a_readers_open_and_click_are_counted_once_and_the_click_leads_to_the_link(
    cloud: EmbeddedCloud, client: TestClient, reader_client: TestClient
) -> None:
    # Given a campaign sent to a list of two
    headers, list_id, emails = owner_with_audience(client, 2, prefix="engaged")
    campaign_id = sent_campaign(client, headers, list_id, html_body=HTML)
    assert wait_for_status(client, headers, campaign_id, {"sent", "failed"})["status"] == "sent"
    reader = emails[0]
    [mail] = [m for m in campaign_mail(cloud, campaign_id) if reader in m["to"]]
    [story] = [t for t in mail["tracked_links"] if t["link"] == STORY]
    pixel = next(src for src in mail["html"].split('src="')[1:] if "/_local/ses/t/open/" in src).split('"')[0]

    # When the reader's client loads the pixel, and the reader clicks the link twice
    opened = reader_client.get(_path(pixel), headers=READER)
    click = _path(story["href"])
    clicks = [reader_client.get(click, headers=READER, follow_redirects=False) for _ in range(2)]

    # Then the click leads to the original link
    assert opened.status_code == 200
    assert [(c.status_code, c.headers["location"]) for c in clicks] == [(302, STORY)] * 2

    # And the campaign counts one unique open and one unique click (two clicks), once the events are
    # in: the opens and clicks, and SES's Delivery events for both readers (the rates divide by them)
    def counted() -> dict[str, Any] | None:
        stats: dict[str, Any] = client.get(f"/api/campaigns/{campaign_id}/stats", headers=headers).json()
        return stats if (stats["opens"], stats["clicks"], stats["delivered"]) == (1, 2, 2) else None

    stats = eventually(counted, timeout=30)
    assert stats is not None, client.get(f"/api/campaigns/{campaign_id}/stats", headers=headers).json()
    assert (stats["unique_opens"], stats["unique_clicks"], stats["machine_opens"]) == (1, 1, 0)
    assert stats["open_rate"] == stats["click_rate"] == pytest.approx(1 / stats["delivered"], abs=1e-4)

    # And the link counts its two clicks by one recipient
    links = client.get(f"/api/campaigns/{campaign_id}/links", headers=headers).json()["items"]
    assert [(link["url"], link["clicks"], link["unique_clicks"]) for link in links] == [(STORY, 2, 1)]

    # And the reader's activity shows the campaign opened and clicked; the other reader's does not
    activity = client.get(f"/api/lists/{list_id}/activity/{reader}", headers=headers).json()["items"]
    assert [a["campaign_id"] for a in activity] == [campaign_id]
    kinds = [e["kind"] for e in activity[0]["events"]]
    assert {"sent", "opened", "clicked"} <= set(kinds) and kinds.index("sent") < kinds.index("opened")
    other = client.get(f"/api/lists/{list_id}/activity/{emails[1]}", headers=headers).json()["items"]
    assert [e["kind"] for e in other[0]["events"] if e["kind"] in ("opened", "clicked")] == []


def test_open_and_click_events_on_the_feedback_path_count_once(
    cloud: EmbeddedCloud, client: TestClient
) -> None:
    # Given a campaign sent to a list of two through the pipeline
    headers, list_id, emails = owner_with_audience(client, 2, prefix="synthetic")
    campaign_id = sent_campaign(client, headers, list_id, html_body=HTML)
    assert wait_for_status(client, headers, campaign_id, {"sent", "failed"})["status"] == "sent"
    owner = str(client.get("/api/me", headers=headers).json()["id"])
    sns = aws(cloud, "sns")
    topic = next(
        t["TopicArn"]
        for t in sns.list_topics()["Topics"]
        if t["TopicArn"].endswith(":herald-local-delivery-events")
    )

    # When SES publishes the reader's open and two clicks of the link (the second a repeat)
    events = [
        engagement_event("Open", owner, campaign_id, emails[0], at="2026-12-03T10:00:00.000Z"),
        engagement_event("Click", owner, campaign_id, emails[0], link=STORY, at="2026-12-03T10:01:00.000Z"),
        engagement_event("Click", owner, campaign_id, emails[0], link=STORY, at="2026-12-03T10:02:00.000Z"),
    ]
    for event in events:
        sns.publish(TopicArn=topic, Message=json.dumps(event))

    # Then the campaign counts one unique open and one unique click of two, and the link two clicks by one
    def counted() -> dict[str, Any] | None:
        stats: dict[str, Any] = client.get(f"/api/campaigns/{campaign_id}/stats", headers=headers).json()
        return stats if (stats["opens"], stats["clicks"]) == (1, 2) else None

    stats = eventually(counted, timeout=30)
    assert stats is not None and (stats["unique_opens"], stats["unique_clicks"]) == (1, 1)
    links = client.get(f"/api/campaigns/{campaign_id}/links", headers=headers).json()["items"]
    assert [(link["url"], link["clicks"], link["unique_clicks"]) for link in links] == [(STORY, 2, 1)]
    activity = client.get(f"/api/lists/{list_id}/activity/{emails[0]}", headers=headers).json()["items"]
    assert {"opened", "clicked"} <= {e["kind"] for e in activity[0]["events"]}
