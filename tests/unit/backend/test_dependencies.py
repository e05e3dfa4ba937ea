"""The routes' dependencies: each solved once per request, and the kiosk checked on every kiosk route;
and what the routes read and answer: the contract's models.

FastAPI caches a dependency's value within a request but walks its sub-tree again wherever it appears, so
a dependency shared by two others (the context, the kiosk and its security schemes) is solved as many
times as it appears. Built without a database: the routes are only looked at.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any, cast

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from contract.documents import PadroDocument
from contract.v1 import SessionOut
from municipal.api.common import NEEDS_KIOSK, KioskAuthentication, authenticated_kiosk
from municipal.app import create_app
from municipal.context import Context
from municipal.settings import ServerSettings


@pytest.fixture(scope="module")
def app() -> FastAPI:
    settings = ServerSettings(database_url="sqlite://", training=True)
    return create_app(settings, context=Context.__new__(Context))


def _routes(app: FastAPI) -> list[APIRoute]:
    """The routes the server serves: the routers `KioskAuthentication` is given (the app's own)."""
    [middleware] = [m for m in app.user_middleware if m.cls is cast(object, KioskAuthentication)]
    routers = cast(list[APIRouter], middleware.kwargs["routers"])
    return [r for router in routers for r in router.routes if isinstance(r, APIRoute)]


def _method(route: APIRoute) -> str:
    return sorted(route.methods or ())[0]


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def _name(call: Any) -> str:
    return getattr(call, "__qualname__", type(call).__name__)


def test_every_dependency_is_solved_once_per_request(app: FastAPI) -> None:
    repeated = {
        f"{_method(route)} {route.path}": sorted(
            _name(call) for call, n in Counter(_calls(route.dependant)).items() if n > 1
        )
        for route in _routes(app)
    }
    assert {path: calls for path, calls in repeated.items() if calls} == {}
    # The write routes are what the rule is for: their citizen and idempotency both need the kiosk.
    assert "POST /v1/padro/documents" in repeated and "POST /v1/bustia" in repeated


def test_every_route_that_reads_the_kiosk_declares_it(app: FastAPI) -> None:
    """A route whose dependencies read the kiosk (`kiosk_of`) is checked by `KioskAuthentication` and has
    `KIOSK` (its router's), which is what puts the kiosk's security schemes in its OpenAPI entry."""
    document = app.openapi()
    missing = []
    for route in _routes(app):
        calls = set(_calls(route.dependant))
        if not calls & NEEDS_KIOSK:
            continue
        if authenticated_kiosk not in calls:
            missing.append(route.path)
        elif route.include_in_schema:
            operation = document["paths"][route.path][_method(route).lower()]
            schemes = {name for requirement in operation["security"] for name in requirement}
            assert {"KioskId", "KioskKey"} <= schemes, route.path
    assert missing == []
    kiosk_routes = [r.path for r in _routes(app) if set(_calls(r.dependant)) & NEEDS_KIOSK]
    assert "/v1/padro/documents" in kiosk_routes and "/v1/training/reset" in kiosk_routes
    assert "/v1/health" not in kiosk_routes


def test_every_route_serves_the_contracts_models(app: FastAPI) -> None:
    """The server defines no body of its own: what a route reads and answers is a model of `contract`, so
    the OpenAPI document generated from the routes is the contract's."""
    own = {}
    for route in _routes(app):
        models = [route.response_model, *(p.field_info.annotation for p in route.dependant.body_params)]
        for model in models:
            if isinstance(model, type) and issubclass(model, BaseModel):
                if model.__module__.split(".")[0] != "contract":
                    own[f"{_method(route)} {route.path}"] = f"{model.__module__}.{model.__qualname__}"
    assert own == {}
    served = {route.response_model for route in _routes(app)}
    assert PadroDocument in served and SessionOut in served
