"""The build: reference data and vocabularies, then every enabled source."""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS

from registry.errors import ConfigurationError
from registry.fastshacl import FastValidator
from registry.model import load_ontology
from registry.settings import Settings
from registry.store import Store
from registry.validation import Validator

from .base import HarvestContext, SourceConfig
from .config import curated_networks, load_sources, select_sources
from .http import HttpClient
from .kinds import harvester_kinds
from .recordings import Recordings
from .runner import RunReport, run_source
from .tooi import load_reference

SHIPPED_RECORDINGS = Path(__file__).resolve().parent / "recorded"


def open_http(settings: Settings) -> HttpClient:
    """The build's one HTTP client.

    Offline it replays recordings (``COLLECTIVES_RECORDINGS``, else the ones shipped with the
    package) and never touches the network; with ``record`` it fetches live and writes every
    response to ``COLLECTIVES_RECORDINGS``; otherwise it fetches live.
    """
    allow_private = settings.allow_private_addresses
    if settings.offline:
        return HttpClient(settings, mode="replay", recordings=Recordings(settings.recordings_dir or SHIPPED_RECORDINGS))
    if settings.record:
        if not settings.recordings_dir:
            raise ConfigurationError("recording needs a directory to write to (COLLECTIVES_RECORDINGS)")
        return HttpClient(settings, mode="record", recordings=Recordings(settings.recordings_dir),
                          allow_private=allow_private)
    return HttpClient(settings, allow_private=allow_private)


def load_vocabulary(settings: Settings, store: Store, log=None, http: HttpClient | None = None):
    """Ontology, code lists and municipalities into the vocabulary graph; returns the reference."""
    log = log or sys.stderr  # looked up at call time: tests and callers swap streams
    iris = settings.iris
    reference = load_reference(settings, http=http, log=log)
    graph = load_ontology(iris)
    graph += reference.to_graph(iris)
    store.replace_graph(iris.vocabulary_graph, graph)
    return reference


def harvest(settings: Settings, store: Store, sources: list[SourceConfig], *, reference=None,
            validator: Validator | None = None, http: HttpClient | None = None,
            since=None, log=None) -> list[RunReport]:
    # member_of references resolve against the curated lists of the whole configuration (as they
    # were checked), also when only some sources are harvested
    networks = curated_networks(settings.sources_file, sources)
    store.drop_staging_graphs()  # left by a build that was killed mid-swap
    own_http = http is None
    http = http if http is not None else open_http(settings)
    try:
        reference = reference if reference is not None else load_vocabulary(settings, store, log=log, http=http)
        # The fast engine gives pySHACL's results (tests/test_fastshacl.py) two orders of magnitude faster.
        validator = validator or FastValidator(settings.iris)
        kinds = harvester_kinds()
        context = HarvestContext(settings=settings, reference=reference, http=http, store=store, since=since,
                                 networks=networks)
        reports = []
        for config in sources:
            harvester = kinds[config.kind](config, context)
            reports.append(run_source(harvester, store, validator))
        return reports
    finally:
        if own_http:
            http.close()


def build(settings: Settings, store: Store, *, sources: list[SourceConfig] | None = None,
          log=None) -> list[RunReport]:
    """Harvest every enabled source (or only ``sources``), then consolidate them into one entry
    per collective and write the dumps."""
    log = log or sys.stderr
    if sources is None:
        sources = select_sources(load_sources(settings.sources_file))
    reports = harvest(settings, store, sources, log=log)
    refresh(settings, store, log=log)
    return reports


def refresh(settings: Settings, store: Store, *, log=None):
    """Consolidate and write the dumps: how every build ends, and all a new curated decision needs."""
    log = log or sys.stderr
    report = consolidate_sources(settings, store, log=log)
    from registry.export import write_dumps
    for path in write_dumps(store, settings):
        print(f"dump: {path}", file=log)
    return report


class BuildSteps:
    """The build as the API's admin endpoints run it: the same functions as ``collectives build``.

    The composition root (registry/cli.py) hands an instance to ``api.app.create_app``, because
    the api package does not import the harvesters.
    """

    def select_sources(self, settings: Settings, names: list[str] | None) -> list[SourceConfig]:
        return select_sources(load_sources(settings.sources_file), names)

    def run_build(self, settings: Settings, store: Store, sources: list[SourceConfig]) -> list[dict]:
        return [report.to_dict() for report in build(settings, store, sources=sources)]

    def run_consolidation(self, settings: Settings, store: Store) -> dict:
        return refresh(settings, store).to_dict()


def consolidate_sources(settings: Settings, store: Store, *, log=None):
    """Match and merge the records of every source graph (and derive lifecycles)."""
    log = log or sys.stderr
    from registry.consolidation import consolidate
    decisions = settings.decisions_path if settings.decisions_path.exists() else None
    started = datetime.now(timezone.utc)
    report = consolidate(store, settings.iris, decisions_path=decisions)
    from registry import trend_summary
    trend_summary.refresh(store, settings.iris)  # the yearly trends' counts, precomputed once
    record_consolidation(settings.iris, store, report, started)
    print(f"consolidation: {report.records} records → {report.collectives} collectives and "
          f"{report.networks} networks; {len(report.conflicts)} conflicting values", file=log)
    for warning in report.warnings:
        print(f"consolidation: {warning}", file=log)
    return report


def record_consolidation(iris, store: Store, report, started: datetime) -> None:
    """The consolidation as a PROV activity in the metadata graph (readers also see the store changed)."""
    run = URIRef(f"{iris.base}id/run/consolidation/{started.strftime('%Y%m%dT%H%M%S%fZ')}")
    meta = Graph()
    meta.add((run, RDF.type, PROV.Activity))
    meta.add((run, PROV.startedAtTime, Literal(started)))
    meta.add((run, PROV.endedAtTime, Literal(datetime.now(timezone.utc))))
    meta.add((run, PROV.generated, iris.consolidated_graph))
    meta.add((run, RDFS.comment, Literal(f"{report.records} records consolidated into {report.collectives} "
                                         f"collectives and {report.networks} networks")))
    meta.add((iris.consolidated_graph, PROV.wasGeneratedBy, run))
    store.add(iris.metadata_graph, meta)
