"""SES open and click tracking locally: links rewritten and the pixel added as SES does; a request
for either publishes SES's Open/Click event on the feedback path (SNS -> SQS)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from localcloud.cloud import EmbeddedCloud
from localcloud.services.ses.tracking import CLICK_PATH, OPEN_PATH, link_tags, rewrite_html
from tests.helpers import local_console
from tests.localcloud.helpers import aws, drain

ROOT_TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
ACCOUNT = "565656565656"
BASE = "http://127.0.0.1:8000"
FEEDBACK_QUEUE = "herald-local-delivery-events"
HTML = (
    '<html><body><p>Hello <a href="https://example.org/read?id=1&amp;ref=mail" ses:tags="cta:read">read</a>'
    ' <a ses:no-track href="https://example.org/private">private</a>'
    ' <a href="mailto:editor@example.org">write</a> <a href="tel:+15550100">call</a> <a href="#top">top</a>'
    "\n<A HREF=http://example.org/plain>plain</A></p></body></html>"
)


def _tokens() -> Iterator[str]:
    return (f"tok{n}" for n in itertools.count())


# ------------------------------------------------------------------ the rewrite, as SES does it


def test_every_http_link_points_at_the_tracker_and_the_pixel_ends_the_body() -> None:
    tokens = _tokens()

    body, found = rewrite_html(HTML, base_url=BASE, opens=True, clicks=True, new_token=lambda: next(tokens))

    assert found == {
        "tok0": ("https://example.org/read?id=1&ref=mail", {"cta": ["read"]}),
        "tok1": ("http://example.org/plain", {}),
        "tok2": (None, {}),
    }
    assert f'<a href="{BASE}{CLICK_PATH}tok0" ses:tags="cta:read">read</a>' in body
    assert f'<A HREF="{BASE}{CLICK_PATH}tok1">plain</A>' in body
    assert body.endswith(
        f'<img alt="" src="{BASE}{OPEN_PATH}tok2" width="1" height="1" '
        'style="display: none; width: 1px; height: 1px;"></body></html>'
    )


def test_no_track_mailto_tel_and_anchors_are_left_as_written() -> None:
    body, _ = rewrite_html(HTML, base_url=BASE, opens=False, clicks=True, new_token=lambda: "t")

    for untouched in (
        '<a ses:no-track href="https://example.org/private">',
        '<a href="mailto:editor@example.org">',
        '<a href="tel:+15550100">',
        '<a href="#top">',
    ):
        assert untouched in body
    assert OPEN_PATH not in body


def test_opens_only_add_the_pixel_and_keep_the_links() -> None:
    html = "<p><a href='https://x.example'>x</a></p>"

    body, found = rewrite_html(html, base_url=BASE, opens=True, clicks=False, new_token=lambda: "p")

    assert body.startswith(html) and body.endswith(
        f'src="{BASE}{OPEN_PATH}p" width="1" height="1" style="display: none; width: 1px; height: 1px;">'
    )
    assert found == {"p": (None, {})}


def test_link_tags_are_name_value_pairs() -> None:
    assert link_tags("a:1; b:2;a:3") == {"a": ["1", "3"], "b": ["2"]}
    assert link_tags(None) == {}


# ------------------------------------------------------------------ through the cloud


@pytest.fixture(scope="module")
def herald(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedCloud]:
    """The real template in an account of its own; no poller runs, so the feedback queue keeps
    exactly what tracking published (no worker takes it, no simulated Delivery joins it)."""
    cloud = EmbeddedCloud(
        template_path=ROOT_TEMPLATE,
        state_dir=tmp_path_factory.mktemp("tracking"),
        run_pollers=False,
        account_id=ACCOUNT,
    )
    cloud.start()
    yield cloud
    cloud.stop(save=False)


@pytest.fixture(scope="module")
def console(herald: EmbeddedCloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with local_console(herald, tmp_path_factory.mktemp("dist")) as client:
        yield client


def _feedback(cloud: EmbeddedCloud) -> list[dict[str, Any]]:
    url = aws(cloud, "sqs").get_queue_url(QueueName=FEEDBACK_QUEUE)["QueueUrl"]
    return [json.loads(message["Body"]) for message in drain(cloud, url)]


def _send(cloud: EmbeddedCloud, configuration_set: str, to: str = "reader@example.org") -> str:
    return str(
        aws(cloud, "sesv2").send_email(
            FromEmailAddress="noreply@example.com",
            Destination={"ToAddresses": [to]},
            Content={
                "Simple": {
                    "Subject": {"Data": "Issue 7"},
                    "Body": {"Text": {"Data": "Hello"}, "Html": {"Data": HTML}},
                }
            },
            ConfigurationSetName=configuration_set,
            EmailTags=[{"Name": "owner", "Value": "o-1"}, {"Name": "campaign", "Value": "c-1"}],
        )["MessageId"]
    )


def _outbox_entry(cloud: EmbeddedCloud, message_id: str) -> dict[str, Any]:
    return next(m for m in cloud.console.outbox() if m["id"] == message_id)


def test_a_tracked_send_is_kept_as_the_reader_gets_it(herald: EmbeddedCloud) -> None:
    message_id = _send(herald, "herald-local")

    mail = _outbox_entry(herald, message_id)

    assert [link["link"] for link in mail["tracked_links"]] == [
        "https://example.org/read?id=1&ref=mail",
        "http://example.org/plain",
    ]
    for link in mail["tracked_links"]:
        assert link["href"].startswith(f"{BASE}{CLICK_PATH}") and link["href"] in mail["html"]
    assert f"{BASE}{OPEN_PATH}" in mail["html"]
    assert "https://example.org/read" not in mail["html"]
    assert mail["text"] == "Hello"


def test_mail_through_the_untracked_set_is_left_alone(herald: EmbeddedCloud) -> None:
    message_id = _send(herald, "herald-local-untracked")

    mail = _outbox_entry(herald, message_id)

    assert mail["html"] == HTML and mail["tracked_links"] == []


def test_the_pixel_publishes_an_open_event_of_ses_shape(herald: EmbeddedCloud, console: TestClient) -> None:
    _feedback(herald)
    message_id = _send(herald, "herald-local")
    pixel = _outbox_entry(herald, message_id)["html"].split(f'src="{BASE}')[1].split('"')[0]

    answers = [console.get(pixel, headers={"User-Agent": "MailReader/1.0"}) for _ in range(2)]

    assert [(a.status_code, a.headers["content-type"]) for a in answers] == [(200, "image/gif")] * 2
    assert answers[0].content.startswith(b"GIF89a")
    events = _feedback(herald)
    assert len(events) == 2  # SES publishes every open; the app counts unique ones
    event = events[0]
    assert event["eventType"] == "Open" and set(event) == {"eventType", "mail", "open"}
    assert event["mail"]["messageId"] == message_id
    assert event["mail"]["destination"] == ["reader@example.org"]
    assert event["mail"]["tags"]["campaign"] == ["c-1"] and event["mail"]["tags"]["owner"] == ["o-1"]
    assert event["mail"]["tags"]["ses:configuration-set"] == ["herald-local"]
    assert set(event["open"]) == {"ipAddress", "timestamp", "userAgent"}
    assert event["open"]["userAgent"] == "MailReader/1.0" and event["open"]["timestamp"].endswith("Z")


def test_a_click_publishes_a_click_event_and_redirects_to_the_link(
    herald: EmbeddedCloud, console: TestClient
) -> None:
    _feedback(herald)
    message_id = _send(herald, "herald-local")
    tracked = _outbox_entry(herald, message_id)["tracked_links"][0]

    answer = console.get(tracked["href"].removeprefix(BASE), follow_redirects=False)

    assert answer.status_code == 302
    assert answer.headers["location"] == "https://example.org/read?id=1&ref=mail"
    [event] = _feedback(herald)
    assert event["eventType"] == "Click" and event["mail"]["messageId"] == message_id
    assert set(event["click"]) == {"ipAddress", "link", "linkTags", "timestamp", "userAgent"}
    assert event["click"]["link"] == "https://example.org/read?id=1&ref=mail"
    assert event["click"]["linkTags"] == {"cta": ["read"]}


def test_unknown_or_mismatched_tokens_are_404s_and_publish_nothing(
    herald: EmbeddedCloud, console: TestClient
) -> None:
    _feedback(herald)
    message_id = _send(herald, "herald-local")
    click = _outbox_entry(herald, message_id)["tracked_links"][0]["href"].removeprefix(BASE)
    token = click.rsplit("/", 1)[1]

    answers = [
        console.get(f"{CLICK_PATH}no-such-token", follow_redirects=False),
        console.get(f"{OPEN_PATH}no-such-token"),
        console.get(f"{OPEN_PATH}{token}"),  # a link's token is no pixel
    ]

    assert [a.status_code for a in answers] == [404, 404, 404]
    assert answers[0].json()["error"]["code"] == "unknown_tracking_token"
    assert _feedback(herald) == []


def test_tracked_links_keep_working_after_a_restart(herald: EmbeddedCloud, console: TestClient) -> None:
    message_id = _send(herald, "herald-local")
    tracked = _outbox_entry(herald, message_id)["tracked_links"][1]
    _feedback(herald)

    herald.restart()
    answer = console.get(tracked["href"].removeprefix(BASE), follow_redirects=False)

    assert (answer.status_code, answer.headers["location"]) == (302, "http://example.org/plain")
    assert [e["click"]["link"] for e in _feedback(herald)] == ["http://example.org/plain"]


def test_the_campaign_sender_may_send_through_either_set(herald: EmbeddedCloud) -> None:
    sender = herald.iam.policy_of("SendCampaignBatchFunction")
    api = herald.iam.policy_of("ApiFunction")
    assert sender is not None and api is not None
    arn = f"arn:aws:ses:us-east-1:{ACCOUNT}:configuration-set/"

    assert sender.policy.decide("ses:SendEmail", arn + "herald-local").allowed
    assert sender.policy.decide("ses:SendEmail", arn + "herald-local-untracked").allowed
    assert not api.policy.decide("ses:SendEmail", arn + "herald-local-untracked").allowed
    assert herald.environment["SES_UNTRACKED_CONFIGURATION_SET"] == "herald-local-untracked"
