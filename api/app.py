"""The application factory: settings in, a FastAPI app out (no module-level settings or store).

>>> from registry.search_index import NameIndexes
from registry.settings import Settings
>>> app = create_app(Settings(store="memory"))
>>> app.title
'Citizen collectives registry'
"""
from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware

from registry.search_index import NameIndexes
from registry.settings import Settings
from registry.store import Store, open_store

from . import docs, problems
from .http import CacheMiddleware
from .routers import (admin, collectives, downloads, health, municipalities, networks, pages, publish,
                      reconcile, sparql, stats)
from .services.admin import Admin
from .services.sparql import QueryRunner

DESCRIPTION = """A knowledge graph of Dutch citizen collectives (energy and care cooperatives, food
collectives, resident businesses...). Everything is linked data: a SPARQL 1.1 endpoint, lookups with
content negotiation (`Accept` or `?format=`), statistics, validation for networks that publish data.
Errors are `application/problem+json` with a stable `code`."""
SHUTDOWN_GRACE = 30.0  # seconds a running build gets to finish before the store closes


def create_app(settings: Settings, store: Store | None = None, *, build_steps=None) -> FastAPI:
    """Build the app around ``settings`` and ``store`` (opened from the settings when not given).

    ``build_steps`` (``harvesters.build.BuildSteps``, handed in by the composition root) lets
    ``/admin/builds`` and ``/admin/consolidate`` run builds; without it they answer 503.

    Behind a proxy under a sub-path, give the server the path (``uvicorn --root-path /registry``):
    links, redirects and the OpenAPI servers entry then carry it.
    """
    owns_store = store is None
    opened = store if store is not None else open_store(settings)
    store = opened.public_view(settings.iris.public_graphs)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        app.state.admin.jobs.wait(timeout=SHUTDOWN_GRACE)
        app.state.queries.close()
        if owns_store:
            opened.close()

    app = FastAPI(title="Citizen collectives registry", description=DESCRIPTION, version="0.1.0",
                  lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.store = store
    app.state.generation = 0  # bumped by SPARQL updates and by /admin jobs
    app.state.names = NameIndexes(store, settings.iris, generation=lambda: app.state.generation)
    app.state.queries = QueryRunner(store, timeout=settings.query_timeout, cap=settings.result_cap)

    def changed() -> None:  # a build or consolidation through /admin: readers rebuild their indexes
        app.state.generation += 1
    app.state.admin = Admin(settings, opened, build_steps, changed)  # jobs write every graph, not the view
    problems.install(app)
    docs.install(app)
    for module in (health, sparql, collectives, municipalities, networks, stats, publish, downloads, reconcile,
                   admin, pages):
        app.include_router(module.router)
    # innermost first: ETags over the plain body, then compression, then CORS outermost
    app.add_middleware(CacheMiddleware)
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST", "DELETE", "OPTIONS"], allow_headers=["Accept", "Content-Type", "Authorization"],
                           expose_headers=["ETag", "Link"], max_age=3600)
    return app
