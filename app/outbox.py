"""The outbox: a change to the table becomes domain events (published by the stream worker)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from app.contacts.confirmations import ConfirmationRequest
from app.db import optional_str
from app.events import (
    CampaignFailed,
    CampaignSent,
    CampaignStarted,
    ConfirmationRequested,
    DomainEvent,
    ExportRequested,
    ImportCompleted,
    ImportFailed,
    SubscriberConfirmed,
    SubscriberCreated,
    SubscriberUnsubscribed,
    UserSignedUp,
)
from app.exports.repository import to_export
from app.imports.repository import to_job

ChangeKind = Literal["INSERT", "MODIFY", "REMOVE"]
# (entity, the image it is read from) of every change the outbox reacts to; the stream's
# FilterCriteria in template.yaml lets exactly these reach the worker.
REACTS_TO = frozenset(
    {
        ("user", "new"),
        ("import", "new"),
        ("campaign", "new"),
        ("list_purge", "new"),
        ("list", "old"),
        ("confirmation", "new"),
        ("export", "new"),
    }
)
# Subscribers are written on every send, so only their inserts and the status moves the webhooks
# announce (to confirmed, to unsubscribed) pass the stream's filter (template.yaml).


@dataclass(frozen=True)
class TableChange:
    """One item change as the stream reports it (images already deserialised)."""

    kind: ChangeKind
    old: Mapping[str, Any] | None
    new: Mapping[str, Any] | None
    # False when the same batch holds a later change of the same item (its progress is newer).
    latest: bool = True

    @property
    def entity(self) -> str | None:
        """The `type` attribute of the item that changed (None for non-domain items)."""
        return self._attribute("type")

    @property
    def correlation_id(self) -> str | None:
        """The correlation id the write carried."""
        return self._attribute("correlation_id")

    def _attribute(self, name: str) -> str | None:
        """A string attribute of the item as it now is (as it was, when deleted)."""
        return optional_str((self.new or self.old or {}).get(name))


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
    if change.entity == "import":
        return _import_events(change)
    if change.entity == "export" and change.kind == "INSERT" and change.new is not None:
        owner_id, export_id = str(change.new["owner_id"]), str(change.new["export_id"])
        return [ExportRequested(owner_id=owner_id, export_id=export_id, correlation_id=change.correlation_id)]
    if change.entity == "subscriber":
        return _subscriber_events(change)
    if change.entity == "campaign":
        return _campaign_events(change)
    if change.entity == "confirmation" and change.kind == "INSERT" and change.new is not None:
        request = ConfirmationRequest.from_item(change.new)
        return [
            ConfirmationRequested(
                owner_id=request.owner_id,
                request_id=request.id,
                email=request.email,
                lists=list(request.lists),
                form_id=request.form_id,
                correlation_id=change.correlation_id,
            )
        ]
    return []


def _status_change(change: TableChange) -> tuple[Mapping[str, Any], object, object] | None:
    """The item, and its status before and after, when this change moved it (or created the item)."""
    if change.new is None or change.kind == "REMOVE":
        return None
    before, after = (change.old or {}).get("status"), change.new.get("status")
    return (change.new, before, after) if before != after else None


def _subscriber_events(change: TableChange) -> list[DomainEvent]:
    """subscriber.created on insert; .confirmed and .unsubscribed when the status moves there."""
    moved = _status_change(change)
    if moved is None:
        return []
    new, before, after = moved
    if change.kind == "INSERT":
        kind: type[SubscriberCreated | SubscriberConfirmed | SubscriberUnsubscribed] = SubscriberCreated
    elif before == "unconfirmed" and after == "subscribed":
        kind = SubscriberConfirmed
    elif after == "unsubscribed":
        kind = SubscriberUnsubscribed
    else:
        return []
    return [
        kind(
            owner_id=str(new["owner_id"]),
            list_id=str(new["list_id"]),
            email=str(new["email"]),
            status=str(after),
            correlation_id=change.correlation_id,
        )
    ]


def _campaign_events(change: TableChange) -> list[DomainEvent]:
    """campaign.started when a queued campaign starts sending (not on resume), .sent, .failed."""
    moved = _status_change(change)
    if moved is None:
        return []
    new, before, after = moved
    kinds = {"sent": CampaignSent, "failed": CampaignFailed}
    kind = CampaignStarted if (before, after) == ("queued", "sending") else kinds.get(str(after))
    if kind is None:
        return []
    return [
        kind(
            owner_id=str(new["owner_id"]),
            campaign_id=str(new["campaign_id"]),
            status=str(after),
            correlation_id=change.correlation_id,
        )
    ]


# ---------------------------------------------------------------------- import jobs


@dataclass(frozen=True)
class Push:
    """A message for every open WebSocket of one user."""

    user_id: str
    message: dict[str, Any]


@dataclass(frozen=True)
class Purge:
    """A deleted list whose subscribers are to be removed (one bounded step per change)."""

    owner_id: str
    list_id: str


def _import_finished(change: TableChange) -> str | None:
    """The status this change finished an import with ("completed"/"failed"), else None."""
    if change.entity != "import" or change.new is None:
        return None
    status = str(change.new.get("status", ""))
    before = (change.old or {}).get("status")
    return status if status in ("completed", "failed") and before != status else None


def _import_events(change: TableChange) -> list[DomainEvent]:
    finished = _import_finished(change)
    new = change.new or {}
    owner_id, import_id, list_id = (str(new.get(k, "")) for k in ("owner_id", "import_id", "list_id"))
    if finished == "completed":
        return [
            ImportCompleted(
                owner_id=owner_id,
                import_id=import_id,
                list_id=list_id,
                rows_total=int(new.get("rows_total", 0)),
                created=int(new.get("created", 0)),
                updated=int(new.get("updated", 0)),
                unchanged=int(new.get("unchanged", 0)),
                errors=int(new.get("errors", 0)),
                correlation_id=change.correlation_id,
            )
        ]
    if finished == "failed":
        return [
            ImportFailed(
                owner_id=owner_id,
                import_id=import_id,
                list_id=list_id,
                code=str(new.get("failure_code", "")),
                message=str(new.get("failure_message", "")),
                correlation_id=change.correlation_id,
            )
        ]
    return []


_PROGRESS_FIELDS = ("status", "rows_done", "rows_total", "errors")


# ---------------------------------------------------------------------- campaigns

_CAMPAIGN_COUNTERS = (
    "recipients",
    "suppressed",
    "sent",
    "delivered",
    "bounced",
    "complained",
    "unsubscribed",
    "failed",
    "resendable",
    "resends",
    "opens",
    "unique_opens",
    "machine_opens",
    "clicks",
    "unique_clicks",
    "batches_done",
    "batches_total",
)


def campaign_pushes(change: TableChange) -> list[Push]:
    """`campaign.status` when a campaign's status changes, `campaign.progress` when its counters move.

    Progress is a snapshot: of several changes of one campaign in a stream batch only the last
    one's is pushed (a 5,000-recipient send moves the counters thousands of times).
    """
    if change.entity != "campaign" or change.new is None or change.kind == "REMOVE":
        return []
    new, old = change.new, change.old or {}
    owner_id, campaign_id = str(new["owner_id"]), str(new["campaign_id"])
    pushes = []
    if new.get("status") != old.get("status"):
        message: dict[str, Any] = {
            "type": "campaign.status",
            "id": campaign_id,
            "status": new.get("status"),
            "previous": old.get("status"),
            "at": new.get("updated_at"),
            "failure": (
                {"code": new["failure_code"], "message": new.get("failure_message", "")}
                if new.get("failure_code")
                else None
            ),
            "correlation_id": change.correlation_id,
        }
        pushes.append(Push(user_id=owner_id, message=message))
    if change.latest and any(int(new.get(k, 0)) != int(old.get(k, 0)) for k in _CAMPAIGN_COUNTERS):
        counters = {k: int(new.get(k, 0)) for k in _CAMPAIGN_COUNTERS}
        progress = {"type": "campaign.progress", "id": campaign_id, "status": new.get("status"), **counters}
        pushes.append(Push(user_id=owner_id, message={**progress, "correlation_id": change.correlation_id}))
    return pushes


def export_pushes(change: TableChange) -> list[Push]:
    """`export.status` when an export is queued, starts, is ready or fails; `export.progress` as its
    rows move (only the batch's last change of it)."""
    if change.entity != "export" or change.new is None or change.kind == "REMOVE":
        return []
    new, old = change.new, change.old or {}
    if new.get("status") != old.get("status"):
        kind = "export.status"
    elif change.latest and new.get("rows") != old.get("rows"):
        kind = "export.progress"
    else:
        return []
    return _to_owner(kind, to_export(new), change)


def pushes_for(change: TableChange) -> list[Push]:
    """WebSocket messages a change implies: import, export and campaign progress to the owner."""
    if change.entity == "campaign":
        return campaign_pushes(change)
    if change.entity == "export":
        return export_pushes(change)
    if change.entity != "import" or change.new is None or change.kind == "REMOVE":
        return []
    new, old = change.new, change.old or {}
    finished = _import_finished(change)
    if finished:
        kind = "import.completed"
    elif new.get("status") == "processing" and any(new.get(f) != old.get(f) for f in _PROGRESS_FIELDS):
        kind = "import.progress"
    else:
        return []
    return _to_owner(kind, to_job(new), change)


def _to_owner(kind: str, view: BaseModel, change: TableChange) -> list[Push]:
    """A job's API shape, as a message of `kind` to the owner of the item that changed."""
    message = {"type": kind, **view.model_dump(mode="json"), "correlation_id": change.correlation_id}
    return [Push(user_id=str((change.new or {})["owner_id"]), message=message)]


def purges_for(change: TableChange) -> list[Purge]:
    """A deleted list (or a purge still under way) needs its next purge step."""
    if change.entity == "list" and change.kind == "REMOVE" and change.old is not None:
        return [Purge(owner_id=str(change.old["owner_id"]), list_id=str(change.old["list_id"]))]
    if change.entity == "list_purge" and change.kind != "REMOVE" and change.new is not None:
        return [Purge(owner_id=str(change.new["owner_id"]), list_id=str(change.new["list_id"]))]
    return []


def react(
    change: TableChange,
    *,
    publish: Callable[[Sequence[DomainEvent]], None],
    push: Callable[[Push], None] | None = None,
    purge: Callable[[Purge], None] | None = None,
) -> list[DomainEvent]:
    """Publish what a change implies, push what the owner should see live, purge; returns the events."""
    events = events_for(change)
    if events:
        publish(events)
    if push is not None:
        for message in pushes_for(change):
            push(message)
    if purge is not None:
        for target in purges_for(change):
            purge(target)
    return events
