"""Actions: a route that takes a domain's use cases as one dependency gets them for its caller, over
the request's store, settings and correlation id, and its operation is as private as CurrentUser's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from app.api import deps, errors
from app.api.correlation import CorrelationMiddleware
from app.api.deps import Actions, CurrentUser, ItemId
from app.auth.principal import Principal

CALLER = Principal(user_id="owner-1", username="owner", groups=(), token="t")


class Seen(BaseModel):
    owner: str
    thing: str
    repo: str
    stage: str
    correlation_id: str


class FakeStore:
    """Stands in for the Store: the use case only reads one repository's name."""

    templates = "the things repository"


class FakeSettings:
    stage = "test-stage"


class ThingActions(Actions):
    """A stand-in domain: one method that shows what it was given."""

    def look(self, thing_id: str) -> Seen:
        return Seen(
            owner=self.owner_id,
            thing=thing_id,
            repo=str(self.store.templates),
            stage=self.settings.stage,
            correlation_id=self.correlation_id,
        )


Things = Annotated[ThingActions, Depends(ThingActions.of_request)]


def _app(*, signed_in: bool = True) -> FastAPI:
    router = APIRouter()

    @router.get("/api/things/{thing_id}")
    async def look_at_thing(thing_id: ItemId, actions: Things) -> Seen:
        return actions.look(thing_id)

    @router.get("/api/plain/{thing_id}")
    async def plain_thing(thing_id: ItemId, user: CurrentUser) -> Seen:
        raise AssertionError("only its OpenAPI operation is read")

    app = FastAPI()
    app.include_router(router)
    app.add_middleware(CorrelationMiddleware)
    errors.install(app)
    if signed_in:
        app.dependency_overrides[deps.get_current_user] = lambda: CALLER
    app.dependency_overrides[deps.store] = FakeStore
    app.dependency_overrides[deps.settings] = FakeSettings
    return app


def test_the_use_cases_get_the_caller_the_store_the_settings_and_the_correlation_id() -> None:
    client = TestClient(_app())

    # When the caller asks with a correlation id of their own
    seen = client.get("/api/things/t-1", headers={"x-correlation-id": "corr-12345678"})

    # Then the method ran for that caller, over the request's store and settings, with that id
    assert seen.json() == {
        "owner": "owner-1",
        "thing": "t-1",
        "repo": "the things repository",
        "stage": "test-stage",
        "correlation_id": "corr-12345678",
    }


def test_a_route_on_actions_is_private_like_one_on_current_user() -> None:
    # Given a route taking the use cases and one taking the caller directly
    schema = _app().openapi()
    with_actions = schema["paths"]["/api/things/{thing_id}"]["get"]
    with_user = schema["paths"]["/api/plain/{thing_id}"]["get"]

    # Then both ask for the same credentials and take only the path's id
    assert with_actions["security"] == with_user["security"] == [{"HTTPBearer": []}, {"ApiKey": []}]
    assert [p["name"] for p in with_actions["parameters"]] == ["thing_id"]

    # And without credentials the use cases are never built: 401
    anonymous = TestClient(_app(signed_in=False)).get("/api/things/t-1")
    assert (anonymous.status_code, anonymous.json()["error"]["code"]) == (401, "not_authenticated")
