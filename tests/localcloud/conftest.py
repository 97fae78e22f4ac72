"""Fixtures for the embedded cloud's own tests: a toy stack in an account of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from localcloud.cloud import EmbeddedCloud

HERE = Path(__file__).resolve().parent
TOY_TEMPLATE = HERE / "toy_template.yaml"
WEB_TEMPLATE = HERE / "web_template.yaml"
# Not moto's default account: the suite's main cloud (tests/conftest.py) keeps that one.
TOY_ACCOUNT = "111111111111"
WEB_ACCOUNT = "444444444444"


@pytest.fixture(scope="session")
def toy_cloud() -> Iterator[EmbeddedCloud]:
    """The toy stack with every poller running (no snapshot)."""
    cloud = EmbeddedCloud(
        template_path=TOY_TEMPLATE,
        state_dir=None,
        parameters={"Stage": "toy"},
        account_id=TOY_ACCOUNT,
        stack_name="toy",
    )
    cloud.start()
    yield cloud
    cloud.stop()


@pytest.fixture(scope="session")
def web_cloud() -> Iterator[EmbeddedCloud]:
    """The browser-facing stack (WebSocket API, CORS bucket) and DLQs to redrive, pollers running."""
    cloud = EmbeddedCloud(
        template_path=WEB_TEMPLATE,
        state_dir=None,
        parameters={"Stage": "web"},
        account_id=WEB_ACCOUNT,
        stack_name="web",
    )
    cloud.start()
    yield cloud
    cloud.stop()


@pytest.fixture
def interpreter_port(cloud: EmbeddedCloud, monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's Step Functions interpreter calls Lambda at $MOTO_PORT, which the toy and web clouds
    take when they start: point it back at the suite's main cloud for a test that runs executions."""
    monkeypatch.setenv("MOTO_PORT", cloud.environment["MOTO_PORT"])
