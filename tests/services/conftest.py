"""Each services test module gets a fresh table, created from template.yaml's key schema.

The table is created through the session's embedded cloud (moto's `mock_aws` would reset every
backend of the process, the session cloud's included). It has no stream, so no poller reads it:
what a test sees is what the service it calls did.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from app.db import Table
from app.store import Store
from localcloud.cloud import EmbeddedCloud
from tests.helpers import table_definition


@pytest.fixture(scope="module")
def store(cloud: EmbeddedCloud) -> Iterator[Store]:
    """The repositories over this module's own table."""
    from app import aws

    client = aws.dynamodb()
    name = f"herald-services-{uuid.uuid4().hex[:8]}"
    client.create_table(TableName=name, **table_definition())
    try:
        yield Store(Table(name, client))
    finally:
        client.delete_table(TableName=name)


@pytest.fixture
def signing_key() -> bytes:
    """A key for cursors and unsubscribe links (tests need not read SSM)."""
    return b"s" * 32
