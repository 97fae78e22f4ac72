"""Routers load on first use: the table covers every route, and a request loads only its domain."""

from __future__ import annotations

import importlib

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.api.routing import ROUTERS, LazyRouters, api_segment
from app.main import create_app


def test_every_route_is_served_by_a_module_its_path_segment_loads() -> None:
    # Given every router module named in the table
    for module_name in {m for modules in ROUTERS.values() for m in modules}:
        router = importlib.import_module(module_name).router
        # Then each of its routes lives under a segment whose entry names this module
        for route in router.routes:
            assert isinstance(route, APIRoute)
            segment = api_segment(route.path)
            assert segment is not None, f"{route.path} is outside /api"
            assert module_name in ROUTERS.get(segment, ()), f"{route.path} needs {module_name}"


def test_a_cold_request_loads_only_the_routers_of_its_segment() -> None:
    app = create_app()
    routers: LazyRouters = app.state.routers
    with TestClient(app, base_url="https://testserver") as client:
        assert client.get("/api/health").status_code == 200
        assert routers.loaded == ["app.health.router"]

        assert client.get("/api/lists").status_code == 401  # no token, but the route exists
        lists = ["app.contacts.router", "app.imports.router", "app.engagement.router"]
        assert routers.loaded == ["app.health.router", *lists]


def test_an_unknown_api_path_loads_everything_so_the_404_is_true() -> None:
    app = create_app()
    with TestClient(app, base_url="https://testserver") as client:
        response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert set(app.state.routers.loaded) == set(app.state.routers.all_modules())


def test_the_openapi_document_describes_every_router() -> None:
    paths = create_app().openapi()["paths"]
    assert {"/api/health", "/api/lists", "/api/campaigns", "/api/me"} <= set(paths)
