"""The FastAPI application of the reference backend: `create_app(settings)`; uvicorn's workers build
theirs with `create_app_from_env()` from the MUNICIPAL_* environment the `serve` command sets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from municipal import __version__, errors, idp_sim, ids, web
from municipal.api import (
    activitats,
    auth,
    bustia,
    cites,
    deixalleria,
    handoffs,
    instancies,
    kiosks,
    padro,
    public,
    rebuts,
    training,
)
from municipal.api.common import KioskAuthentication
from municipal.api.writes import Replayed, replayed
from municipal.context import Context
from municipal.limits import BodySizeLimit
from municipal.outbox import api as outbox_api
from municipal.outbox import dispatcher
from municipal.settings import ServerSettings

THREADS = 8

DESCRIPTION = """\
The contract between the OVAC self-service kiosks and the Ajuntament de Mataró's backend.

Kiosks authenticate every request with `X-Kiosk-Id` and `X-Kiosk-Key`. A citizen's session is a bearer
token from `POST /v1/auth/sessions` (certificate) or `POST /v1/auth/weak-sessions` (deixalleria only).
Every write takes an `Idempotency-Key`. Every error is `{"code", "message", "detail"}`, the message in
the request's `Accept-Language` (ca, es, en). See docs/backend-contract.md.
"""


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Blocking handlers run in anyio's thread pool. A few threads keep both cores busy (requests mostly
    # wait on the database or the GIL); forty would only fight over the GIL and the writer lock.
    anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
    ctx = app.state.ctx
    stop_outbox = dispatcher.start_for_server(ctx.engine, ctx.settings.outbox_config)
    yield
    if stop_outbox is not None:
        stop_outbox.set()


def create_app(settings: ServerSettings, context: Context | None = None) -> FastAPI:
    app = FastAPI(
        lifespan=_lifespan,
        title="OVAC municipal backend",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
    )
    if context is None:  # a real server (the OpenAPI document hashes nothing)
        ids.use_key(settings.id_hash_key())
    app.state.ctx = context or Context.create(settings)
    errors.install(app)
    app.add_exception_handler(Replayed, replayed)
    # The web pages first: the verification page shares its path with the JSON of `public`.
    modules = (web, public, auth, padro, instancies, deixalleria, bustia, cites, activitats, rebuts, kiosks,
               outbox_api)  # fmt: skip
    routers = [module.router for module in modules]
    routers += [handoffs.router, handoffs.phone_router]
    if settings.training:
        # Only a training server can be reset; a production one answers 404 for the path.
        routers.append(training.router)
        # Nor has a production one the identity-provider simulator of the QR hand-off.
        routers.append(idp_sim.router)
    for router in routers:
        app.include_router(router)
    # Outermost first: a declared oversized body is refused before any scrypt; then the kiosk (and, for
    # uploads, the citizen) is checked before the body is read.
    app.add_middleware(KioskAuthentication, context=app.state.ctx, routers=routers)
    app.add_middleware(BodySizeLimit)

    return app


def create_app_from_env() -> FastAPI:
    return create_app(ServerSettings.from_env())
