"""Shared fixtures: settings for an in-memory store, the recorded government registers, a built registry."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from registry.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_REFERENCE = ROOT.parent / "shared" / "data" / "reference"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    if not (SHARED_REFERENCE / "rwc_gemeenten_compleet_4.json").exists():
        pytest.skip(f"the recorded TOOI registers are not at {SHARED_REFERENCE}")
    return SHARED_REFERENCE


@pytest.fixture(scope="session")
def settings(reference_dir, tmp_path_factory) -> Settings:
    return Settings(store="memory", offline=True, reference_dir=reference_dir,
                    data_dir=tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def reference(settings):
    from harvesters.tooi import load_reference
    return load_reference(settings, log=io.StringIO())


@pytest.fixture(scope="session")
def validator(settings):
    """The validator builds use (the fast engine; tests/test_fastshacl.py holds it to pySHACL's results)."""
    from registry.fastshacl import FastValidator
    return FastValidator(settings.iris)


@pytest.fixture(scope="session")
def built_store(settings, validator):
    """A store holding the vocabulary graph, the curated source and its consolidation (read-only for tests)."""
    from harvesters.build import consolidate_sources, harvest
    from harvesters.config import load_sources
    from registry.store import open_store
    store = open_store(settings)
    sources = [s for s in load_sources(None) if s.name == "curated"]
    reports = harvest(settings, store, sources, validator=validator, log=io.StringIO())
    assert reports[0].status == "completed", reports[0].message
    consolidate_sources(settings, store, log=io.StringIO())
    return store


# -- stores: every store-dependent test runs on the embedded store and on real servers ------------

@pytest.fixture(scope="session")
def oxigraph_endpoint():
    from tests.servers import oxigraph_server, serve_or_skip
    yield from serve_or_skip(oxigraph_server)


@pytest.fixture(scope="session")
def virtuoso_endpoint():
    from tests.servers import serve_or_skip, virtuoso_server
    yield from serve_or_skip(virtuoso_server)


def remote_store(endpoint, **kw):
    from registry.store.sparql import SparqlStore
    user, password = endpoint.credentials or (None, None)
    settings = Settings(store=f"sparql:{endpoint.query_url},{endpoint.update_url}", store_user=user,
                        store_password=password)
    return SparqlStore(endpoint.query_url, endpoint.update_url, settings=settings, **kw)


def emptied(store):
    for graph in store.graphs():
        store.drop_graph(graph)
    return store


@pytest.fixture(params=["embedded", pytest.param("oxigraph-server", marks=pytest.mark.server),
                        pytest.param("virtuoso", marks=pytest.mark.server)])
def backend(request):
    """The backend's name and a factory of empty stores on it."""
    from registry.store.oxigraph import OxigraphStore
    if request.param == "embedded":
        yield request.param, OxigraphStore
        return
    endpoint = request.getfixturevalue("oxigraph_endpoint" if request.param == "oxigraph-server"
                                       else "virtuoso_endpoint")
    opened = []

    def factory(**kw):
        opened.append(remote_store(endpoint, **kw))
        return opened[-1]
    emptied(factory())
    try:
        yield request.param, factory
    finally:
        emptied(opened[0])
        for store in opened:
            store.close()


@pytest.fixture
def store(backend):
    """An empty store, on each backend in turn."""
    return backend[1]()
