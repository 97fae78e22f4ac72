"""The dev console's trail places an EventBridge event when it was put on its bus."""

from __future__ import annotations

import time

from localcloud.services.events import RecentEvents
from localcloud.trail import Trail


class _Core:
    """What RecentEvents reads of the cloud's core: nothing."""


def _event(correlation_id: str) -> dict[str, object]:
    return {
        "id": "e-1",
        "detail-type": "UserSignedUp",
        "source": "herald.users",
        "time": "2026-12-03T16:51:56Z",
        "detail": {"correlation_id": correlation_id},
    }


def test_an_event_drained_late_is_placed_when_it_was_put_on_the_bus() -> None:
    # Given the console's list of recent events telling the trail of each one
    trail = Trail()
    recent = RecentEvents(_Core())  # type: ignore[arg-type]
    recent.on_event = trail.record_event
    put_at = time.time() - 2.5  # put on the bus before the worker it feeds logged its line

    # When the console's poller drains it later, with the time SQS took it
    recent.add(_event("c-1"), put_at=put_at)
    recent.add(_event("c-2"))  # a time unknown: placed when it is seen

    # Then the trail holds it at that time, not at the drain's
    (entry,) = trail.entries("c-1")
    assert (entry.source, entry.kind, entry.at) == ("event", "UserSignedUp", put_at)
    (later,) = trail.entries("c-2")
    assert later.at >= put_at + 2.5
