"""S3 CORS from the bucket's rules: what a browser on the SPA's origin sees when it uploads."""

from __future__ import annotations

import uuid

import httpx
import pytest

from localcloud.cloud import EmbeddedCloud
from localcloud.services.s3.cors import CorsRule, matching_rule, origin_allowed
from tests.localcloud.helpers import aws

BUCKET = "webtoy-web-uploads"
SPA = "http://127.0.0.1:8000"


def _preflight(
    cloud: EmbeddedCloud, path: str, origin: str, method: str = "POST", headers: str = ""
) -> httpx.Response:
    request_headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        request_headers["Access-Control-Request-Headers"] = headers
    return httpx.options(f"{cloud.endpoint_url}/{path}", headers=request_headers)


def test_a_preflight_from_the_spa_on_the_bucket_url_is_answered_from_the_rule(
    web_cloud: EmbeddedCloud,
) -> None:
    response = _preflight(web_cloud, BUCKET, SPA, headers="content-type")

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SPA
    assert response.headers["access-control-allow-methods"] == "POST, PUT"
    assert response.headers["access-control-allow-headers"] == "content-type"
    assert response.headers["access-control-max-age"] == "600"
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-expose-headers"] == "ETag"
    assert response.headers["vary"].startswith("Origin")


@pytest.mark.parametrize(
    ("origin", "method", "headers", "allowed"),
    [
        ("http://127.0.0.1:5173", "POST", "", True),  # local difference: any loopback port
        ("http://localhost:8123", "PUT", "x-amz-meta-name", True),
        ("https://127.0.0.1:8000", "POST", "", False),  # another scheme
        ("http://evil.test", "POST", "", False),
        (SPA, "DELETE", "", False),
        (SPA, "POST", "x-custom", False),
        ("https://reports.example.com", "GET", "", True),
    ],
)
def test_a_preflight_needs_origin_method_and_headers_of_one_rule(
    web_cloud: EmbeddedCloud, origin: str, method: str, headers: str, allowed: bool
) -> None:
    response = _preflight(web_cloud, BUCKET, origin, method, headers)

    assert response.status_code == (200 if allowed else 403)
    if allowed:
        assert response.headers["access-control-allow-origin"] == origin
    else:
        assert "access-control-allow-origin" not in response.headers
        assert "<Code>AccessForbidden</Code>" in response.text


def test_the_first_matching_rule_answers(web_cloud: EmbeddedCloud) -> None:
    get = _preflight(web_cloud, BUCKET, "https://app.example.com", "GET")
    post = _preflight(web_cloud, BUCKET, "https://app.example.com", "POST")

    assert (
        get.headers["access-control-allow-methods"] == "GET" and "access-control-max-age" not in get.headers
    )
    assert post.headers["access-control-allow-methods"] == "POST, PUT"


def test_an_object_key_and_a_bucket_without_cors(web_cloud: EmbeddedCloud) -> None:
    on_key = _preflight(web_cloud, f"{BUCKET}/imports/a.csv", SPA, "PUT", "content-type")
    no_cors = _preflight(web_cloud, "webtoy-web-private", SPA)

    assert on_key.status_code == 200 and on_key.headers["access-control-allow-origin"] == SPA
    assert no_cors.status_code == 403 and "CORS is not enabled for this bucket" in no_cors.text


def test_the_upload_response_allows_only_allowed_origins(web_cloud: EmbeddedCloud) -> None:
    s3 = aws(web_cloud, "s3")
    key = f"imports/{uuid.uuid4()}.csv"
    form = s3.generate_presigned_post(BUCKET, key)

    allowed = httpx.post(
        form["url"],
        data=form["fields"],
        files={"file": ("a.csv", b"a,b\n", "text/csv")},
        headers={"Origin": SPA},
    )
    refused = httpx.post(
        form["url"],
        data=form["fields"],
        files={"file": ("a.csv", b"a,b\n", "text/csv")},
        headers={"Origin": "http://evil.test"},
    )

    assert allowed.status_code == 204 and allowed.headers["access-control-allow-origin"] == SPA
    assert allowed.headers["access-control-expose-headers"] == "ETag"
    # S3 still stores the object; the browser just may not read the answer.
    assert refused.status_code == 204 and "access-control-allow-origin" not in refused.headers
    assert s3.head_object(Bucket=BUCKET, Key=key)["ContentLength"] == 4


def test_the_real_templates_imports_bucket_lets_the_spa_post(cloud: EmbeddedCloud) -> None:
    bucket = next(r["physical_id"] for r in cloud.console.resources() if r["logical_id"] == "ImportsBucket")
    app_url = str(cloud.parameters["AppUrl"])

    preflight = _preflight(cloud, bucket, app_url, headers="content-type")

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == app_url
    assert preflight.headers["access-control-allow-methods"] == "POST"


def test_origin_matching() -> None:
    rule = CorsRule(allowed_origins=("https://*.example.com",), allowed_methods=("GET",))

    assert origin_allowed("https://a.example.com", "https://*.example.com")
    assert not origin_allowed("https://example.com.evil.test", "https://*.example.com")
    assert origin_allowed("anything", "*")
    assert not origin_allowed("http://127.0.0.1:9", "https://127.0.0.1:8000")
    assert matching_rule([rule], "https://a.example.com", "get") == (rule, "https://*.example.com")
    assert matching_rule([rule], "https://a.example.com", "GET", ["x-one"]) is None
