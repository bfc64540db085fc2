"""The build: reference data and vocabularies, then every enabled source."""
from __future__ import annotations

import sys

from registry.model import load_ontology
from registry.settings import Settings
from registry.store import Store
from registry.validation import Validator

from .base import HarvestContext, SourceConfig
from .config import load_sources
from .kinds import harvester_kinds
from .runner import RunReport, run_source
from .tooi import load_reference


def load_vocabulary(settings: Settings, store: Store, log=sys.stderr):
    """Ontology, code lists and municipalities into the vocabulary graph; returns the reference."""
    iris = settings.iris
    reference = load_reference(settings, log=log)
    graph = load_ontology(iris)
    graph += reference.to_graph(iris)
    store.replace_graph(iris.vocabulary_graph, graph)
    return reference


def harvest(settings: Settings, store: Store, sources: list[SourceConfig], *, reference=None,
            validator: Validator | None = None, log=sys.stderr) -> list[RunReport]:
    reference = reference if reference is not None else load_vocabulary(settings, store, log=log)
    validator = validator or Validator(settings.iris)
    kinds = harvester_kinds()
    context = HarvestContext(settings=settings, reference=reference)
    reports = []
    for config in sources:
        harvester = kinds[config.kind](config, context)
        reports.append(run_source(harvester, store, validator))
    return reports


def build(settings: Settings, store: Store, *, log=sys.stderr) -> list[RunReport]:
    """Harvest every enabled source into the store."""
    sources = [s for s in load_sources(settings.sources_file) if s.enabled]
    return harvest(settings, store, sources, log=log)
