"""Fixtures for the embedded cloud's own tests: a toy stack in an account of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from localcloud.cloud import EmbeddedCloud

HERE = Path(__file__).resolve().parent
TOY_TEMPLATE = HERE / "toy_template.yaml"
# Not moto's default account: the suite's main cloud (tests/conftest.py) keeps that one.
TOY_ACCOUNT = "111111111111"


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
