"""The routes every kind of an owner's items has alike: a page of them, one by its id, delete one.

A router makes an `OwnedRoutes` for its kind and adds these routes where they stand in its route
order, one line each, e.g. `campaigns.one(service.get_campaign, "One campaign ...")` for GET
/api/campaigns/{campaign_id}. Each route is named after the use case it calls and answers what the
use case returns (its response model), so its operationId, summary and schema are those the route
had written out by hand; `doc` is its description. A kind whose reads are its `OwnedReads`
(app/owned.py) hands those over instead: `templates.one(service.reads, "One template ...")` is the
route `get_template`, its page `list_templates`.
"""

# No `from __future__ import annotations`: the id parameter's annotation holds this kind's values
# (its name in the path, its rules), which FastAPI reads from the route function itself.
import re
from collections.abc import Callable
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Path, status
from fastapi.dependencies.utils import get_typed_return_annotation

from app import secrets
from app.api.deps import CurrentUser, Page, StoreDep, register_new_id
from app.owned import OwnedReads
from app.store import Store

UseCase = Callable[..., Any]
Reads = OwnedReads[Any, Any]


class OwnedRoutes:
    """Routes over one kind of the caller's items: each calls one use case with the caller's id,
    then the item's id (the last parameter of `item_path`: an id, a key id, an address) or the page
    asked for, and the kind's repository (`repo=` unless `repo_arg` names it otherwise; an
    OwnedReads takes it as `repo=`). An id
    written `{name:name}` in `item_path` is a NewId: its path convertor is registered here, so the
    router's own routes on that path can use it too."""

    def __init__(
        self,
        router: APIRouter,
        item_path: str,
        id_type: Any,
        *,
        repo: Callable[[Store], Any],
        repo_arg: str = "repo",
    ) -> None:
        self.router = router
        self.path = item_path.rpartition("/")[0]  # the list's path: /api/templates
        self.item_path = item_path
        self.repo = repo
        self.repo_arg = repo_arg
        # The path's own name for the id (`template_id` in `{template_id:template_id}`) and the rules
        # of its type (ItemId, NewId): FastAPI names the parameter after the last Path's alias.
        name, convertor = re.findall(r"\{(\w+)(?::(\w+))?", item_path)[-1]
        self.id_rules = get_args(id_type)[1]
        self.id_name = Path(alias=name)
        if convertor == name:  # a NewId written `{template_id:template_id}`: its convertor, before any route
            register_new_id(name)

    def listed(self, use_case: UseCase | Reads, doc: str) -> None:
        """GET `path`: a page of the caller's items (`?limit=&cursor=`); a kind's OwnedReads' `page`
        is the route `list_<thing>s`."""
        if isinstance(use_case, OwnedReads):
            read, name, answers = use_case.page, f"list_{use_case.thing}s", use_case.page_model
        else:
            read, name, answers = _described(use_case)

        async def endpoint(user: CurrentUser, store: StoreDep, page: Page) -> Any:
            return read(user.user_id, page, **self._repo(store), key=secrets.signing_key)

        self._add("GET", self.path, endpoint, name, answers, doc)

    def one(self, use_case: UseCase | Reads, doc: str) -> None:
        """GET `item_path`: one of the caller's items (the use case answers 404 for any other); a kind's
        OwnedReads' `one` is the route `get_<thing>`."""
        if isinstance(use_case, OwnedReads):
            read, name, answers = use_case.one, f"get_{use_case.thing}", use_case.record
        else:
            read, name, answers = _described(use_case)

        async def endpoint(
            item_id: Annotated[str, self.id_rules, self.id_name], user: CurrentUser, store: StoreDep
        ) -> Any:
            return read(user.user_id, item_id, **self._repo(store))

        self._add("GET", self.item_path, endpoint, name, answers, doc)

    def deleted(self, use_case: UseCase, doc: str) -> None:
        """DELETE `item_path`: 204 once the item is gone (the use case answers 404 when it was not there)."""

        async def endpoint(
            item_id: Annotated[str, self.id_rules, self.id_name], user: CurrentUser, store: StoreDep
        ) -> None:
            use_case(user.user_id, item_id, **self._repo(store))

        _, name, answers = _described(use_case)
        self._add(
            "DELETE", self.item_path, endpoint, name, answers, doc, status_code=status.HTTP_204_NO_CONTENT
        )

    def _repo(self, store: Store) -> dict[str, Any]:
        return {self.repo_arg: self.repo(store)}

    def _add(
        self,
        method: str,
        path: str,
        endpoint: UseCase,
        name: str,
        answers: Any,
        doc: str,
        *,
        status_code: int | None = None,
    ) -> None:
        self.router.add_api_route(
            path,
            endpoint,
            methods=[method],
            name=name,
            description=doc,
            response_model=answers,
            status_code=status_code,
        )


def _described(use_case: UseCase) -> tuple[UseCase, str, Any]:
    """A use case, the name of its route and what it answers (its return annotation)."""
    return use_case, use_case.__name__, get_typed_return_annotation(use_case)
