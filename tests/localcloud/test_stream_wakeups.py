"""A stream poller is woken by a table write only when it would read the shard then."""

from __future__ import annotations

from typing import Any, cast

from localcloud.functions import LocalFunction
from localcloud.pollers import Activity
from localcloud.services.dynamodb import StreamOptions, StreamPoller


def _poller() -> StreamPoller:
    nothing = cast(Any, None)
    return StreamPoller(
        function=LocalFunction(logical_id="StreamFn", name="stream", arn="arn:fn", handler="x.h"),
        invoker=nothing,
        clients=nothing,
        options=StreamOptions(stream_arn="arn:stream"),
        checkpoints=nothing,
        activity=Activity(),
        state_lock=nothing,
        account_id="123456789012",
    )


def test_a_write_wakes_a_poller_that_would_read_now() -> None:
    # Given a poller whose shard may be read at once
    poller = _poller()
    poller._unread = False

    # When a table write kicks it
    poller.kick()

    # Then it is woken, with something unread
    assert poller._wake.is_set() and poller._unread


def test_a_write_while_the_read_is_held_back_is_noted_without_a_wake_up() -> None:
    # Given a poller holding its read back (the shard was drained under a quarter second ago)
    poller = _poller()
    poller._deferred, poller._unread = True, False

    # When a table write kicks it
    poller.kick()

    # Then the write is noted for the read it is already due to make (it is pending), not woken now
    assert poller._unread and poller.pending() and not poller._wake.is_set()
