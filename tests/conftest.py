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
    from registry.validation import Validator
    return Validator(settings.iris)


@pytest.fixture(scope="session")
def built_store(settings, validator):
    """A store holding the vocabulary graph and the curated source (read-only for tests)."""
    from harvesters.build import harvest
    from harvesters.config import load_sources
    from registry.store import open_store
    store = open_store(settings)
    sources = [s for s in load_sources(None) if s.name == "curated"]
    reports = harvest(settings, store, sources, validator=validator, log=io.StringIO())
    assert reports[0].status == "completed", reports[0].message
    return store


@pytest.fixture
def store(settings):
    from registry.store import open_store
    return open_store(settings)
