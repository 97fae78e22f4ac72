"""Contact use cases: lists, subscribers, the suppression list, and the purge of deleted lists."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from app.contacts.confirmations import ConfirmationRequest
from app.contacts.export import file_stem
from app.contacts.lists import ListRepository
from app.contacts.models import (
    SUPPRESSING_STATUSES,
    Confirmation,
    ContactList,
    InvalidEmail,
    ListCreate,
    ListPage,
    ListUpdate,
    NewSubscriber,
    Subscriber,
    SubscriberCreate,
    SubscriberPage,
    SubscriberUpdate,
    Suppression,
    SuppressionCreate,
    SuppressionEntry,
    SuppressionPage,
    new_id,
    normalise_email,
)
from app.contacts.subscribers import SubscriberRepository
from app.contacts.suppression import SuppressionRepository
from app.errors import Conflict, InvalidInput, NotFound, found, no_such
from app.observability import logger
from app.owned import OwnedReads
from app.pagination import KeySource, PageRequest, every_page, next_cursor, start_after

PURGE_STEP = 1000
EXPORT_PAGE = 1000


# One of the owner's lists (another owner's id is simply not found) and a page of them, oldest first.
list_reads = OwnedReads("list", ContactList, ListPage)
_list_not_found = list_reads.missing
_subscriber_not_found = no_such("subscriber on this list", "subscriber_not_found")


def email_from_path(value: str) -> str:
    """An address taken from a URL, normalised; InvalidInput when it is not an address."""
    try:
        return normalise_email(value)
    except InvalidEmail as exc:
        raise InvalidInput(str(exc), code="invalid_email") from exc


# ---------------------------------------------------------------------- lists


def create_list(
    owner_id: str, cmd: ListCreate, *, repo: ListRepository, correlation_id: str | None
) -> ContactList:
    """A new, empty list."""
    created = repo.create(
        owner_id, new_id(), name=cmd.name, description=cmd.description, correlation_id=correlation_id
    )
    logger.info("list created", extra={"list_id": created.id})
    return created


def update_list(
    owner_id: str, list_id: str, cmd: ListUpdate, *, repo: ListRepository, correlation_id: str | None
) -> ContactList:
    """Rename or re-describe a list, or change how people join it (the confirmation email's
    template is checked as a campaign's is: 422 template_error with the field and line)."""
    changes = cmd.model_dump(exclude_none=True)
    if cmd.confirmation is not None:
        from app.campaigns import rendering

        template = cmd.confirmation
        rendering.check(subject=template.subject, html_body=template.html_body, text_body=template.text_body)
    if not changes:
        return list_reads.one(owner_id, list_id, repo=repo)
    updated = repo.update(owner_id, list_id, changes, correlation_id=correlation_id)
    if updated is None:
        raise _list_not_found()
    return updated


def delete_list(owner_id: str, list_id: str, *, repo: ListRepository) -> None:
    """Delete a list; its subscribers disappear with it (purged in the background)."""
    if not repo.delete(owner_id, list_id):
        raise _list_not_found()
    logger.info("list deleted", extra={"list_id": list_id})


def purge_deleted_list(
    owner_id: str, list_id: str, *, repo: SubscriberRepository, step: int = PURGE_STEP
) -> bool:
    """One bounded step of removing a deleted list's subscribers; True when none remain.

    A step that leaves work behind updates a marker item, whose stream record runs the next
    step: each invocation stays short however long the list was, and a retried step is harmless.
    """
    deleted, more = repo.purge_some(owner_id, list_id, limit=step)
    if more:
        repo.mark_purge(owner_id, list_id, deleted=deleted)
    else:
        repo.end_purge(owner_id, list_id)
    logger.info("list purge step", extra={"list_id": list_id, "deleted": deleted, "done": not more})
    return not more


# ---------------------------------------------------------------------- subscribers


def _suppression_for(status: str, *, list_id: str, correlation_id: str | None) -> SuppressionEntry | None:
    if status not in SUPPRESSING_STATUSES:
        return None
    return SuppressionEntry(reason=status, source=f"list:{list_id}", correlation_id=correlation_id)


def add_subscriber(
    owner_id: str,
    list_id: str,
    cmd: SubscriberCreate,
    *,
    repo: SubscriberRepository,
    correlation_id: str | None,
) -> Subscriber:
    """Add an address to a list (one subscriber per address per list): subscribed on the owner's
    word (the reason is recorded), or unconfirmed, when the list's confirmation email goes out."""
    new = NewSubscriber(
        email=cmd.email,
        name=cmd.name,
        status=cmd.status,
        attributes=cmd.attributes,
        source="api",
        correlation_id=correlation_id,
        confirmation=Confirmation(by="api", reason=cmd.confirmed_reason),
    )
    confirm = None
    if cmd.status == "unconfirmed":
        confirm = ConfirmationRequest(
            id=new_id(),
            owner_id=owner_id,
            email=cmd.email,
            lists=((list_id, new_id()),),
            correlation_id=correlation_id,
        )
    outcome = repo.add(
        owner_id,
        list_id,
        new,
        suppress=_suppression_for(cmd.status, list_id=list_id, correlation_id=correlation_id),
        confirm=confirm,
    )
    if isinstance(outcome, Subscriber):
        return outcome
    if outcome == "list_missing":
        raise _list_not_found()
    raise Conflict("This address is already on the list.", code="subscriber_exists")


def get_subscriber(
    owner_id: str, list_id: str, email: str, *, lists: ListRepository, repo: SubscriberRepository
) -> Subscriber:
    """One subscriber of one of the owner's lists."""
    list_reads.one(owner_id, list_id, repo=lists)
    return found(repo.get(owner_id, list_id, email_from_path(email)), _subscriber_not_found)


def list_subscribers(
    owner_id: str,
    list_id: str,
    page: PageRequest,
    *,
    email_prefix: str,
    lists: ListRepository,
    repo: SubscriberRepository,
    key: KeySource,
) -> SubscriberPage:
    """A page of a list's subscribers in email order, optionally only those starting with a prefix."""
    list_reads.one(owner_id, list_id, repo=lists)
    prefix = email_prefix.strip().lower()
    scope = f"subscribers:{owner_id}:{list_id}:{prefix}"
    start = start_after(page.cursor, scope=scope, prefix=f"SUB#{prefix}", key=key)
    items, last = repo.page(owner_id, list_id, prefix=prefix, limit=page.limit, start_sk=start)
    return SubscriberPage(items=items, next_cursor=next_cursor(last, scope=scope, key=key))


def update_subscriber(
    owner_id: str,
    list_id: str,
    email: str,
    cmd: SubscriberUpdate,
    *,
    lists: ListRepository,
    repo: SubscriberRepository,
    correlation_id: str | None,
) -> Subscriber:
    """Change a subscriber; a status of unsubscribed, bounced or complained also suppresses the address,
    and `subscribed` confirms an unconfirmed one on the owner's word (`confirmed_reason` recorded)."""
    list_reads.one(owner_id, list_id, repo=lists)
    address = email_from_path(email)
    suppress = (
        _suppression_for(cmd.status, list_id=list_id, correlation_id=correlation_id) if cmd.status else None
    )
    if cmd.model_dump(exclude_none=True) and not repo.update(
        owner_id,
        list_id,
        address,
        name=cmd.name,
        status=cmd.status,
        attributes=cmd.attributes,
        confirmation=Confirmation(by="owner", reason=cmd.confirmed_reason or ""),
        suppress=suppress,
        correlation_id=correlation_id,
    ):
        raise _subscriber_not_found()
    found = repo.get(owner_id, list_id, address, consistent=True)
    if found is None:
        raise _subscriber_not_found()
    return found


def remove_subscriber(owner_id: str, list_id: str, email: str, *, repo: SubscriberRepository) -> None:
    """Take an address off a list (its suppression, if any, stays)."""
    outcome = repo.remove(owner_id, list_id, email_from_path(email))
    if outcome == "list_missing":
        raise _list_not_found()
    if outcome == "missing":
        raise _subscriber_not_found()


def _everyone(owner_id: str, list_id: str, repo: SubscriberRepository) -> Iterator[Subscriber]:
    return every_page(
        lambda start: repo.page(owner_id, list_id, prefix="", limit=EXPORT_PAGE, start_sk=start)
    )


def export_list(
    owner_id: str, list_id: str, *, lists: ListRepository, repo: SubscriberRepository
) -> tuple[str, Iterator[Subscriber]]:
    """What a list's export holds: the file's name and every subscriber, read a page at a time as
    they are consumed (app/exports writes them). The list must exist (checked before any read)."""
    found_list = list_reads.one(owner_id, list_id, repo=lists)
    return f"{file_stem(found_list.name)}.csv", _everyone(owner_id, list_id, repo)


# ---------------------------------------------------------------------- suppression


def suppress(
    owner_id: str, cmd: SuppressionCreate, *, repo: SuppressionRepository, correlation_id: str | None
) -> Suppression:
    """Put an address on the account's suppression list (idempotent; the first reason is kept)."""
    entry = SuppressionEntry(reason=cmd.reason, source="api", correlation_id=correlation_id)
    return repo.add(owner_id, cmd.email, entry)


def lift_suppression(owner_id: str, email: str, *, repo: SuppressionRepository) -> None:
    """Allow sending to an address again."""
    if not repo.remove(owner_id, email_from_path(email)):
        raise NotFound("This address is not suppressed.", code="suppression_not_found")


def list_suppressions(
    owner_id: str,
    page: PageRequest,
    *,
    email_prefix: str,
    repo: SuppressionRepository,
    key: KeySource,
) -> SuppressionPage:
    """A page of the owner's suppressed addresses in email order."""
    prefix = email_prefix.strip().lower()
    scope = f"suppression:{owner_id}:{prefix}"
    start = start_after(page.cursor, scope=scope, prefix=f"EMAIL#{prefix}", key=key)
    items, last = repo.page(owner_id, prefix=prefix, limit=page.limit, start_sk=start)
    return SuppressionPage(items=items, next_cursor=next_cursor(last, scope=scope, key=key))


def suppressed_among(owner_id: str, emails: Sequence[str], *, repo: SuppressionRepository) -> set[str]:
    """The addresses campaign sending must skip (normalised forms of `emails` that are suppressed)."""
    normalised = []
    for email in emails:
        try:
            normalised.append(normalise_email(email))
        except InvalidEmail:
            continue
    return repo.suppressed_among(owner_id, normalised)
