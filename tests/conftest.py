"""Shared fixtures: one embedded cloud per test session, provisioned from template.yaml."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from localcloud.cloud import EmbeddedCloud
from tests.helpers import SUITE_LIMITS, SUITE_PARAMETERS
from tests.helpers import LogCapture as LogCapture  # tests/localcloud/test_console.py imports it from here

ROOT = Path(__file__).resolve().parents[1]


def reset_caches() -> None:
    """Forget settings, clients and key sets read under another environment."""
    from app import aws
    from app.auth import tokens
    from app.config import get_settings

    get_settings.cache_clear()
    aws.clear_clients()
    tokens.clear_cache()


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedCloud]:
    """The embedded AWS with every resource of template.yaml and its pollers running."""
    embedded = EmbeddedCloud(
        template_path=ROOT / "template.yaml",
        state_dir=tmp_path_factory.mktemp("cloud"),
        parameters=SUITE_PARAMETERS,
    )
    embedded.start()
    embedded.apply_environment()
    os.environ.update(SUITE_LIMITS)
    reset_caches()
    yield embedded
    embedded.stop()


@pytest.fixture
def client(cloud: EmbeddedCloud) -> Iterator[TestClient]:
    """The Herald API through an ASGI client (https, so Secure cookies round-trip)."""
    from app.main import create_app
    from localcloud.iam import ActAsApi

    app = create_app()
    # As in the local runner: the API's AWS calls are checked against ApiFunction's policy.
    app.add_middleware(ActAsApi)
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


@pytest.fixture
def herald_logs() -> Iterator[LogCapture]:
    """Every log line Herald writes during the test."""
    capture = LogCapture()
    target = logging.getLogger("herald")
    target.addHandler(capture)
    try:
        yield capture
    finally:
        target.removeHandler(capture)
