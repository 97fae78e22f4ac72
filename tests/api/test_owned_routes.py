"""OwnedRoutes: the routes it adds read in the OpenAPI document as routes written out by hand, and
each calls its use case with the caller, the id or page, and the kind's repository."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from app.api import deps, errors
from app.api.deps import ItemId, NewId
from app.api.owned import OwnedRoutes
from app.auth.principal import Principal
from app.owned import OwnedReads
from app.pagination import Page, PageRequest

THING_ID = "0123456789abcdef0123456789ab"
CALLER = Principal(user_id="owner-1", username="owner", groups=(), token="t")


class Thing(BaseModel):
    id: str
    owner: str
    repo: str


class ThingPage(BaseModel):
    items: list[Thing]
    limit: int


def list_things(owner_id: str, page: PageRequest, *, repo: str, key: Any) -> ThingPage:
    """A stand-in use case."""
    return ThingPage(items=[Thing(id="", owner=owner_id, repo=repo)], limit=page.limit)


def get_thing(owner_id: str, thing_id: str, *, things: str) -> Thing:
    """A stand-in use case with its repository under another name."""
    return Thing(id=thing_id, owner=owner_id, repo=things)


def delete_thing(owner_id: str, thing_id: str, *, repo: str) -> None:
    """A stand-in use case."""
    deleted.append((owner_id, thing_id, repo))


deleted: list[tuple[str, str, str]] = []


class FakeStore:
    """Stands in for the Store: the routes only hand its repository on."""

    templates = "the things repository"


def _app() -> FastAPI:
    router = APIRouter()
    listed = OwnedRoutes(router, "/api/things/{thing_id:str}", NewId, repo=lambda store: store.templates)
    listed.listed(list_things, "Your things.")
    listed.deleted(delete_thing, "Delete a thing.")
    other = OwnedRoutes(
        router, "/api/others/{thing_id}", ItemId, repo=lambda s: s.templates, repo_arg="things"
    )
    other.one(get_thing, "One thing.")
    app = FastAPI()
    app.include_router(router)
    app.dependency_overrides[deps.get_current_user] = lambda: CALLER
    app.dependency_overrides[deps.store] = FakeStore
    return app


def test_routes_are_named_after_their_use_case_and_keep_the_paths_name_for_the_id() -> None:
    # Given the routes OwnedRoutes added
    schema = _app().openapi()

    # Then each operation is named, summarised and described as a handwritten route would be
    listing = schema["paths"]["/api/things"]["get"]
    assert listing["operationId"] == "list_things_api_things_get"
    assert listing["summary"] == "List Things"
    assert listing["description"] == "Your things."
    assert listing["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ThingPage"
    }
    assert [p["name"] for p in listing["parameters"]] == ["limit", "cursor"]
    # and the id is the path's own parameter, with the rules of its type
    deletion = schema["paths"]["/api/things/{thing_id}"]["delete"]
    assert deletion["operationId"] == "delete_thing_api_things__thing_id__delete"
    assert set(deletion["responses"]) == {"204", "422"}
    (param,) = deletion["parameters"]
    assert (param["name"], param["in"], param["schema"]["pattern"]) == ("thing_id", "path", "^[0-9a-f]{28}$")
    (other,) = schema["paths"]["/api/others/{thing_id}"]["get"]["parameters"]
    assert (other["name"], other["schema"]["maxLength"]) == ("thing_id", 64)
    assert other["schema"]["title"] == "Thing Id"


def test_routes_call_their_use_case_with_the_caller_the_id_and_the_repository() -> None:
    client = TestClient(_app())

    # When the caller reads one thing (its use case takes the repository as `things`)
    one = client.get(f"/api/others/{THING_ID}")
    # Then the use case got the caller's id, the id in the path and the kind's repository
    assert one.json() == {"id": THING_ID, "owner": "owner-1", "repo": "the things repository"}

    # When they list and delete
    page = client.get("/api/things?limit=7")
    gone = client.delete(f"/api/things/{THING_ID}")
    # Then the page request reached the use case, and the delete answered 204 with no body
    assert page.json()["limit"] == 7
    assert (gone.status_code, gone.content) == (204, b"")
    assert deleted[-1] == ("owner-1", THING_ID, "the things repository")

    # And an id that breaks its type's rules never reaches the use case
    assert client.delete("/api/things/not-an-id").status_code == 422


def test_a_new_id_written_as_its_own_convertor_is_registered_for_the_routers_routes() -> None:
    # Given a kind whose id is written `{gadget_id:gadget_id}` (a NewId), and a route of the router's
    # own on that path declared after it
    router = APIRouter()
    gadgets = OwnedRoutes(
        router, "/api/gadgets/{gadget_id:gadget_id}", NewId, repo=lambda store: store.templates
    )
    gadgets.deleted(delete_thing, "Delete a gadget.")

    @router.post("/api/gadgets/preview")
    async def preview_gadget() -> dict[str, str]:
        return {"preview": "yes"}

    app = FastAPI()
    app.include_router(router)
    app.dependency_overrides[deps.get_current_user] = lambda: CALLER
    app.dependency_overrides[deps.store] = FakeStore
    client = TestClient(app)

    # Then a new id reaches the use case, and any other segment matches no item route
    assert client.delete(f"/api/gadgets/{THING_ID}").status_code == 204
    assert deleted[-1] == ("owner-1", THING_ID, "the things repository")
    assert client.delete("/api/gadgets/preview").status_code == 405
    assert client.delete("/api/gadgets/not-an-id").status_code == 404
    # and the document names the parameter without its convertor
    assert "/api/gadgets/{gadget_id}" in app.openapi()["paths"]


class FakeRepository:
    """Stands in for an OwnedItems repository: one item, and a page holding it."""

    prefix = "THING#"

    def get(self, owner_id: str, item_id: str) -> Thing | None:
        return Thing(id=item_id, owner=owner_id, repo="fake") if item_id == THING_ID else None

    def page(self, owner_id: str, *, limit: int, start_sk: str | None) -> tuple[list[Thing], str | None]:
        assert start_sk is None
        return [Thing(id=THING_ID, owner=owner_id, repo=f"limit {limit}")], None


class FakeStoreWithRepository:
    templates = FakeRepository()


class ThingsPage(Page[Thing]):
    """A page of things."""


def test_a_kinds_owned_reads_are_its_get_and_list_routes() -> None:
    # Given a kind whose reads are its OwnedReads
    router = APIRouter()
    widgets = OwnedRoutes(router, "/api/widgets/{widget_id}", ItemId, repo=lambda store: store.templates)
    reads = OwnedReads("widget", Thing, ThingsPage)
    widgets.listed(reads, "Your widgets.")
    widgets.one(reads, "One widget.")
    app = FastAPI()
    app.include_router(router)
    app.dependency_overrides[deps.get_current_user] = lambda: CALLER
    app.dependency_overrides[deps.store] = FakeStoreWithRepository
    errors.install(app)
    schema = app.openapi()

    # Then the routes are named get_<thing> and list_<thing>s and answer the record and page models
    listing = schema["paths"]["/api/widgets"]["get"]
    one = schema["paths"]["/api/widgets/{widget_id}"]["get"]
    assert (listing["operationId"], listing["summary"]) == ("list_widgets_api_widgets_get", "List Widgets")
    assert (one["operationId"], one["description"]) == (
        "get_widget_api_widgets__widget_id__get",
        "One widget.",
    )
    assert one["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Thing"
    }
    assert listing["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ThingsPage"
    }

    # And they read the caller's item through the kind's repository (404 with the kind's code for
    # an id it does not have) and a page of them
    client = TestClient(app)
    assert client.get(f"/api/widgets/{THING_ID}").json() == {
        "id": THING_ID,
        "owner": "owner-1",
        "repo": "fake",
    }
    missing = client.get(f"/api/widgets/{'f' * 28}")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "widget_not_found")
    page = client.get("/api/widgets?limit=5").json()
    assert (page["items"][0]["owner"], page["items"][0]["repo"], page["next_cursor"]) == (
        "owner-1",
        "limit 5",
        None,
    )
