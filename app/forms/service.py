"""Form use cases for their owner: create, read, change, delete, and the HTML to embed."""

from __future__ import annotations

from app.contacts.lists import ListRepository
from app.contacts.models import new_id
from app.errors import NotFound, found, no_such
from app.forms import pages
from app.forms.models import FormCreate, FormEmbed, FormPage, FormUpdate, SignupForm
from app.forms.repository import FormRepository, hosted_path
from app.observability import logger
from app.pagination import KeySource, PageRequest, next_cursor, start_after

_not_found = no_such("form")


def _check_lists(owner_id: str, list_ids: list[str], lists: ListRepository) -> None:
    missing = set(list_ids) - set(lists.get_many(owner_id, list_ids))
    if missing:
        raise NotFound("No such list.", code="list_not_found", details=[{"list_ids": sorted(missing)}])


def create_form(owner_id: str, cmd: FormCreate, *, repo: FormRepository, lists: ListRepository) -> SignupForm:
    """A new form for some of the owner's lists."""
    _check_lists(owner_id, cmd.list_ids, lists)
    created = repo.create(owner_id, new_id(), cmd.model_dump())
    logger.info("form created", extra={"form_id": created.id})
    return created


def get_form(owner_id: str, form_id: str, *, repo: FormRepository) -> SignupForm:
    """One of the owner's forms."""
    return found(repo.get(owner_id, form_id), _not_found)


def list_forms(
    owner_id: str, page: PageRequest, *, list_id: str | None, repo: FormRepository, key: KeySource
) -> FormPage:
    """A page of the owner's forms (of one list when `list_id` is given), oldest first."""
    scope = f"forms:{owner_id}:{list_id or ''}"
    start = start_after(page.cursor, scope=scope, prefix="FORM#", key=key)
    items, last = repo.page(owner_id, list_id=list_id, limit=page.limit, start_sk=start)
    return FormPage(items=items, next_cursor=next_cursor(last, scope=scope, key=key))


def update_form(
    owner_id: str, form_id: str, cmd: FormUpdate, *, repo: FormRepository, lists: ListRepository
) -> SignupForm:
    """Change a form (its public page shows the change at once)."""
    changes = cmd.model_dump(exclude_none=True)
    if cmd.list_ids is not None:
        _check_lists(owner_id, cmd.list_ids, lists)
    if not changes:
        return get_form(owner_id, form_id, repo=repo)
    return found(repo.update(owner_id, form_id, changes), _not_found)


def delete_form(owner_id: str, form_id: str, *, repo: FormRepository) -> None:
    """Delete a form; its page and embedded copies stop accepting sign-ups."""
    if not repo.delete(owner_id, form_id):
        raise _not_found()


def embed(
    owner_id: str, form_id: str, *, base_url: str, repo: FormRepository, lists: ListRepository
) -> FormEmbed:
    """The form's public address and an HTML snippet for another site (absolute URLs from `base_url`)."""
    form = get_form(owner_id, form_id, repo=repo)
    found_lists = lists.get_many(owner_id, form.list_ids)
    offered = [found_lists[list_id] for list_id in form.list_ids if list_id in found_lists]
    url = base_url.rstrip("/") + hosted_path(form.id)
    return FormEmbed(hosted_url=url, action_url=url, snippet=pages.snippet(form, offered, action=url))
