"""The dev console answers only this machine: loopback Host, no cross-site changes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from localcloud.cloud import EmbeddedCloud
from localcloud.console.guard import loopback_host
from tests.helpers import local_console

ORIGIN = "http://127.0.0.1:8000"  # the local console client's own origin


@pytest.fixture(scope="module")
def console(web_cloud: EmbeddedCloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The local runner's routes over the web cloud, reached at http://127.0.0.1:8000."""
    with local_console(web_cloud, tmp_path_factory.mktemp("dist")) as client:
        yield client


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1:8000", True),
        ("localhost", True),
        ("LOCALHOST:5173", True),
        ("[::1]:8000", True),
        ("[::1]", True),
        ("evil.example", False),
        ("127.0.0.1.nip.io:8000", False),
        ("localhost.evil.example", False),
        ("user@127.0.0.1", False),
        ("127.0.0.2:8000", False),
        ("127.0.0.1:8000/x", False),
        ("::1", False),  # an IPv6 Host must be bracketed
        ("", False),
        (None, False),
    ],
)
def test_only_loopback_names_are_loopback_hosts(host: str | None, loopback: bool) -> None:
    assert loopback_host(host) is loopback


def test_a_request_for_another_host_name_is_refused(console: TestClient) -> None:
    # Given a DNS-rebound name that points at this machine
    # When a page of that name reads and writes through the console
    read = console.get("/_local/queues", headers={"Host": "evil.example"})
    write = console.delete("/_local/faults", headers={"Host": "evil.example:8000"})

    # Then both are refused with the API's error shape, and nothing was done
    assert read.status_code == 403, read.text
    assert read.json()["error"]["code"] == "not_loopback"
    assert read.json()["error"]["details"] == [{"field": "Host", "value": "evil.example"}]
    assert write.status_code == 403
    assert write.json()["error"]["code"] == "not_loopback"


@pytest.mark.parametrize("host", ["localhost:8000", "[::1]:8000", "127.0.0.1"])
def test_every_loopback_name_reads_the_console(console: TestClient, host: str) -> None:
    response = console.get("/_local/queues", headers={"Host": host})

    assert response.status_code == 200, response.text
    assert isinstance(response.json(), list)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://127.0.0.1:9999"},  # another local port is another origin
        {"Origin": "http://localhost:8000"},  # another name is another origin too
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": ORIGIN},
    ],
)
def test_a_cross_site_change_is_refused_and_not_made(
    web_cloud: EmbeddedCloud, console: TestClient, headers: dict[str, str]
) -> None:
    # Given no fault switched on
    web_cloud.faults.clear()

    # When a page of another origin tries to switch SES faults on
    response = console.put("/_local/faults/ses", json={"mode": "reject"}, headers=headers)

    # Then it is refused with a clear error, and the switch is still off
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == "cross_site_request"
    assert "another site" in error["message"]
    assert console.get("/_local/faults").json()["ses"]["mode"] == "off"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": ORIGIN, "Sec-Fetch-Site": "same-origin"},  # the SPA's own fetch
        {"Sec-Fetch-Site": "same-origin"},
        {},  # curl, scripts
    ],
)
def test_same_origin_and_non_browser_changes_are_made(
    web_cloud: EmbeddedCloud, console: TestClient, headers: dict[str, str]
) -> None:
    try:
        response = console.put("/_local/faults/ses", json={"mode": "reject", "count": 1}, headers=headers)

        assert response.status_code == 200, response.text
        assert console.get("/_local/faults").json()["ses"]["mode"] == "reject"
    finally:
        web_cloud.faults.clear()


def test_a_cross_site_read_is_answered(console: TestClient) -> None:
    # Reads change nothing, and the browser keeps another origin from seeing the answer (no CORS).
    response = console.get("/_local/faults", headers={"Origin": "https://evil.example"})

    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
