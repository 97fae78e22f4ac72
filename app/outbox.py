"""The outbox: a change to the table becomes domain events (published by the stream worker)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from app.events import DomainEvent, UserSignedUp

ChangeKind = Literal["INSERT", "MODIFY", "REMOVE"]


@dataclass(frozen=True)
class TableChange:
    """One item change as the stream reports it (images already deserialised)."""

    kind: ChangeKind
    old: Mapping[str, Any] | None
    new: Mapping[str, Any] | None

    @property
    def entity(self) -> str | None:
        """The `type` attribute of the item that changed (None for non-domain items)."""
        image = self.new or self.old or {}
        value = image.get("type")
        return str(value) if value else None

    @property
    def correlation_id(self) -> str | None:
        """The correlation id the write carried."""
        image = self.new or self.old or {}
        value = image.get("correlation_id")
        return str(value) if value else None


def events_for(change: TableChange) -> list[DomainEvent]:
    """The domain events a change implies (none for items that are not domain entities)."""
    if change.entity == "user" and change.kind == "INSERT" and change.new is not None:
        return [
            UserSignedUp(
                user_id=str(change.new["user_id"]),
                email=str(change.new["email"]),
                name=str(change.new.get("name", "")),
                correlation_id=change.correlation_id,
            )
        ]
    return []


def react(change: TableChange, *, publish: Callable[[Sequence[DomainEvent]], None]) -> list[DomainEvent]:
    """Publish what a change implies; returns the events."""
    events = events_for(change)
    if events:
        publish(events)
    return events
