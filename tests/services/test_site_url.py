"""The site's URL: APP_URL, else the SSM parameter the template names (a stack without a domain)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import secrets
from app.config import get_settings
from app.unsubscribe.links import unsubscribe_links
from localcloud.cloud import EmbeddedCloud
from localcloud.template import load_template
from tests.localcloud.helpers import aws

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Settings and parameter caches read again under this test's variables, and after it."""
    get_settings.cache_clear()
    secrets.clear_cache()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()
    secrets.clear_cache()


def put_site_url(cloud: EmbeddedCloud, value: str) -> str:
    """A fresh String parameter holding `value`; its name."""
    name = f"/herald/test-{uuid.uuid4().hex[:8]}/app-url"
    aws(cloud, "ssm").put_parameter(Name=name, Value=value, Type="String")
    return name


def test_an_empty_app_url_is_read_from_the_parameter(
    cloud: EmbeddedCloud, fresh_settings: pytest.MonkeyPatch
) -> None:
    # Given a stack without a domain: APP_URL empty, the CloudFront URL in the parameter
    name = put_site_url(cloud, "https://d111111abcdef8.cloudfront.net")
    fresh_settings.setenv("APP_URL", "")
    fresh_settings.setenv("APP_URL_PARAMETER", name)

    # When the settings are read
    settings = get_settings()

    # Then the site URL is the parameter's, and links made with it are absolute
    assert settings.app_url == "https://d111111abcdef8.cloudfront.net"
    page, _ = unsubscribe_links(settings.app_url, "token")
    assert page == "https://d111111abcdef8.cloudfront.net/unsubscribe/token"


def test_the_parameter_is_read_once_per_process(
    cloud: EmbeddedCloud, fresh_settings: pytest.MonkeyPatch
) -> None:
    # Given the fallback read once
    name = put_site_url(cloud, "https://first.example.com")
    fresh_settings.setenv("APP_URL", "")
    fresh_settings.setenv("APP_URL_PARAMETER", name)
    assert get_settings().app_url == "https://first.example.com"

    # When the parameter changes
    aws(cloud, "ssm").put_parameter(
        Name=name, Value="https://second.example.com", Type="String", Overwrite=True
    )

    # Then the settings keep what they read (the next cold start reads the new one)
    assert get_settings().app_url == "https://first.example.com"


def test_a_set_app_url_wins_and_nothing_is_read(
    cloud: EmbeddedCloud, fresh_settings: pytest.MonkeyPatch
) -> None:
    # Given APP_URL set and a parameter name that does not exist
    fresh_settings.setenv("APP_URL", "https://news.example.com")
    fresh_settings.setenv("APP_URL_PARAMETER", f"/herald/missing-{uuid.uuid4().hex[:8]}/app-url")

    # Then APP_URL is the site URL (no SSM call that could fail)
    assert get_settings().app_url == "https://news.example.com"


def test_an_empty_parameter_is_a_clear_error(
    cloud: EmbeddedCloud, fresh_settings: pytest.MonkeyPatch
) -> None:
    # Given APP_URL empty and a parameter holding only blanks
    fresh_settings.setenv("APP_URL", "")
    fresh_settings.setenv("APP_URL_PARAMETER", put_site_url(cloud, " "))

    # Then reading the settings fails loudly instead of making relative links
    with pytest.raises(RuntimeError, match="site URL parameter .* is empty"):
        get_settings()


def test_the_local_stack_names_the_template_parameter(
    cloud: EmbeddedCloud, fresh_settings: pytest.MonkeyPatch
) -> None:
    # Given the embedded stack's ApiFunction variables
    name = cloud.environment["APP_URL_PARAMETER"]
    assert name == "/herald/local/app-url"

    # When APP_URL is empty as in a stack without a domain
    fresh_settings.setenv("APP_URL", "")
    fresh_settings.setenv("APP_URL_PARAMETER", name)

    # Then the URL comes from AppUrlParameter, which the template provisioned
    assert get_settings().app_url == cloud.parameters["AppUrl"]


def test_api_function_may_read_exactly_that_parameter() -> None:
    # Given the template's ApiFunction
    document = load_template(ROOT / "template.yaml")
    api = document["Resources"]["ApiFunction"]["Properties"]
    statements = [statement for policy in api["Policies"] for statement in policy["Statement"]]

    # Then it names the parameter, and its one ssm:GetParameter grant covers exactly it and the key
    assert api["Environment"]["Variables"]["APP_URL_PARAMETER"] == {"Fn::Sub": "/herald/${Stage}/app-url"}
    grants = [statement for statement in statements if statement["Action"] == "ssm:GetParameter"]
    assert len(grants) == 1
    arn = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter"
    assert grants[0]["Resource"] == [
        {"Fn::Sub": f"{arn}/herald/${{Stage}}/signing-key"},
        {"Fn::Sub": f"{arn}/herald/${{Stage}}/app-url"},
    ]
    assert not any("ssm:" in str(statement["Action"]) for statement in statements if statement not in grants)
