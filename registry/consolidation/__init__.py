"""Consolidation: one canonical collective per real collective, from the records of every source.

>>> from registry.store.oxigraph import OxigraphStore
>>> from registry.namespaces import RegistryIRIs
>>> report = consolidate(OxigraphStore(), RegistryIRIs())
>>> report.records, report.collectives
(0, 0)

Steps: read every source graph (:mod:`.records`); match records in tiers with blocking
(:mod:`.matching`); apply the curated decisions (:mod:`.decisions`); give each cluster its
stable canonical IRI (:mod:`.identity`); merge its facts with provenance and a documented
source priority (:mod:`.merge`); derive its lifecycle stage (:mod:`registry.lifecycle`).

Written graphs (each replaced atomically):

- ``{base}graph/consolidated`` — the canonical collectives with merged facts, their canonical
  and evidence events, and the match decisions (``cc:MatchDecision`` with ``cc:matchRule``,
  ``cc:matchScore``, ``cc:matchedRecord`` ×2 and ``cc:matchedCollective``);
- ``{base}graph/identity`` — record → canonical assignments and ``dct:isReplacedBy`` redirects,
  read back by the next consolidation (see :mod:`.identity`).
"""
from __future__ import annotations

import gc
import resource
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterator

from rdflib import URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF

from ..errors import InvalidInput
from ..identifiers import mint_id
from ..lifecycle import REGISTRY_SOURCES, derive, lifecycle_triples
from ..namespaces import RegistryIRIs
from ..store import Store
from .decisions import Decisions, load_decisions, resolve_ref
from .identity import Identity, assign_canonicals, identity_graph, read_identity
from .matching import DEFAULT_THRESHOLD, Edge, candidate_edges, cluster
from .merge import DEFAULT_SOURCE_PRIORITY, ClusterMerger, Conflict, MergeContext, fact_sources
from .records import SourceRecord, Spill, municipality_successors, read_records

__all__ = ["consolidate", "ConsolidationReport", "conflicts", "conflicts_query", "fact_sources",
           "identity_graph", "DEFAULT_SOURCE_PRIORITY"]


@dataclass
class ConsolidationReport:
    records: int = 0
    collectives: int = 0  # canonical cc:CitizenCollective nodes
    networks: int = 0
    clusters: int = 0
    decisions_by_rule: dict[str, int] = field(default_factory=dict)
    refused_by_veto: dict[str, int] = field(default_factory=dict)
    merged: list[tuple[str, str]] = field(default_factory=list)  # (loser, winner) this run
    split: list[str] = field(default_factory=list)
    redirects: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    stages: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: dict[str, int] = field(default_factory=dict)  # the process's peak so far, after each phase
    canonical_of: dict[str, str] = field(default_factory=dict, repr=False)  # record → canonical

    def to_dict(self) -> dict:
        return {
            "records": self.records, "clusters": self.clusters, "collectives": self.collectives,
            "networks": self.networks, "decisions_by_rule": self.decisions_by_rule,
            "refused_by_veto": self.refused_by_veto, "merged": [list(m) for m in self.merged],
            "split": self.split, "redirects": self.redirects, "conflicts": len(self.conflicts),
            "stages": self.stages, "warnings": self.warnings, "seconds": self.seconds,
            "peak_rss_mb": self.peak_rss_mb,
        }


def _match_iri(iris: RegistryIRIs, *parts: str) -> str:
    return f"{iris.base}id/match/{mint_id(*parts, prefix='m')}"


def _expand(ref: str, iris: RegistryIRIs, records: list[SourceRecord], index: dict[str, int],
            previous: Identity, warnings: list[str]) -> set[int]:
    kind, iri = resolve_ref(ref, iris)
    iri = str(iri)
    if kind == "record":
        if iri not in index:
            warnings.append(f"decision names an unknown record {ref}")
            return set()
        return {index[iri]}
    found = {i for i, r in enumerate(records)
             if r.topic == iri or previous.resolve(previous.assigned.get(r.iri, "")) == previous.resolve(iri)}
    if not found:
        warnings.append(f"decision names an unknown collective {ref}")
    return found


def consolidate(store: Store, iris: RegistryIRIs, *, decisions_path: str | Path | None = None,
                source_priority: tuple[str, ...] | list[str] | None = None,
                threshold: float = DEFAULT_THRESHOLD, today: date | None = None,
                registry_sources: tuple[str, ...] = REGISTRY_SOURCES) -> ConsolidationReport:
    """Match, merge and write the consolidated and identity graphs; returns what was done."""
    # Millions of small objects, none of them cyclic garbage: the cyclic collector would
    # rescan them over and over (it took 40% of the time at 10k records).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _consolidate(store, iris, decisions_path, source_priority, threshold, today, registry_sources)
    finally:
        if enabled:
            gc.enable()


def _consolidate(store, iris, decisions_path, source_priority, threshold, today, registry_sources):
    report = ConsolidationReport()
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report.seconds[name] = round(now - clock, 3)
        report.peak_rss_mb[name] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        clock = now

    decisions = load_decisions(decisions_path)
    successors, provinces = municipality_successors(store, iris)
    # The records' facts wait in a spill file until their cluster is merged; the spill file
    # and the merged graph's file share one temporary folder, removed whatever happens.
    with tempfile.TemporaryDirectory(prefix="consolidated-") as tmp, Spill(tmp) as spill:
        path = Path(tmp) / "consolidated.nt"
        redirects = _merge(store, iris, decisions, successors, provinces, source_priority, threshold, today,
                           registry_sources, spill, path, report, lap)
        # the records and clusters are gone by now: the store's load gets the memory
        store.replace_graph(iris.consolidated_graph, path, "nt")
        path.unlink()
        path = Path(tmp) / "identity.nt"
        with path.open("w", encoding="utf-8") as out:
            for record, canonical in sorted(report.canonical_of.items()):
                out.write(f"<{record}> <{FOAF.primaryTopic}> <{canonical}> .\n")
            for old, new in sorted(redirects.items()):
                out.write(f"<{old}> <{DCTERMS.isReplacedBy}> <{new}> .\n")
        store.replace_graph(identity_graph(iris), path, "nt")
        lap("write")
    return report


def _merge(store, iris, decisions, successors, provinces, source_priority, threshold, today, registry_sources,
           spill: Spill, path: Path, report: ConsolidationReport, lap) -> dict[str, str]:
    """Read, match and merge into the N-Triples file ``path``; fills ``report``, returns the redirects."""
    records = read_records(store, iris, successors, spill=spill)
    previous = read_identity(store, iris)
    report.records = len(records)
    lap("read")

    index = {r.iri: i for i, r in enumerate(records)}
    edges = candidate_edges(records, threshold)
    same_edges, different = _curated(decisions, iris, records, index, previous, report.warnings)
    clustering = cluster(records, same_edges + edges, different)
    del edges, same_edges
    groups = sorted(clustering.clusters(), key=lambda g: min(records[i].age_key for i in g))
    clusters = [[records[i] for i in g] for g in groups]
    del groups
    lap("match")

    assignment = assign_canonicals(clusters, previous, iris)
    canonical_of = {rec.iri: assignment.canonical[k] for k, members in enumerate(clusters) for rec in members}
    overrides = _value_overrides(decisions, iris, records, index, previous, canonical_of, report.warnings)
    ctx = MergeContext(iris, tuple(source_priority or DEFAULT_SOURCE_PRIORITY), successors, provinces)
    ctx.topic_canonical = {rec.topic: canonical_of[rec.iri] for rec in records}
    stages: Counter = Counter()
    # written as it is merged, one collective at a time, and loaded from the file
    with path.open("w", encoding="utf-8") as out:
        for k, members in enumerate(clusters):
            canonical = assignment.canonical[k]
            for rec in members:
                rec.unpack(spill)
            merger = ClusterMerger(ctx, canonical, members, overrides.get(canonical))
            lines = merger.merge()
            for rec in members:
                rec.release()
            report.conflicts += merger.conflicts
            lifecycle = derive(merger.life, iris, today, registry_sources)
            lines += lifecycle_triples(lifecycle, iris)
            out.write("\n".join(lines) + "\n")
            stages[lifecycle.stage] += 1
            if any(rec.is_network for rec in members):
                report.networks += 1
            else:
                report.collectives += 1
        for line in _decision_triples(iris, records, clustering.accepted, canonical_of, decisions, different):
            out.write(line + "\n")
    spill.close()  # every record is merged: the spilled facts are not needed any more
    lap("merge")

    report.clusters = len(clusters)
    report.decisions_by_rule = dict(sorted(Counter(e.rule for e in clustering.accepted).items()))
    report.refused_by_veto = dict(sorted(Counter(reason for _, reason in clustering.refused).items()))
    report.merged, report.split = assignment.merged, assignment.split
    report.redirects = len(assignment.redirects)
    report.stages = dict(sorted(stages.items()))
    report.canonical_of = canonical_of
    return assignment.redirects


def _curated(decisions: Decisions, iris, records, index, previous, warnings) -> tuple[list[Edge], list[list[set[int]]]]:
    same_edges: list[Edge] = []
    for decision in decisions.same:
        members = sorted(set().union(*(_expand(r, iris, records, index, previous, warnings) for r in decision.refs)))
        same_edges += [Edge(members[0], other, "curated-same", 1.0) for other in members[1:]]
    different = []
    for decision in decisions.different:
        groups = [_expand(r, iris, records, index, previous, warnings) for r in decision.refs]
        different.append([g for g in groups if g])
    return same_edges, different


def _value_overrides(decisions: Decisions, iris, records, index, previous, canonical_of,
                     warnings) -> dict[str, dict[str, tuple[str, str]]]:
    overrides: dict[str, dict[str, tuple[str, str]]] = {}
    for decision in decisions.values:
        targets = _expand(decision.target, iris, records, index, previous, warnings)
        canonicals = {canonical_of[records[i].iri] for i in targets}
        if len(canonicals) != 1:
            if targets:
                warnings.append(f"value decision for {decision.target} spans {len(canonicals)} collectives; skipped")
            continue
        if decision.from_record:
            kind, record = resolve_ref(decision.from_record, iris)
            if kind != "record":
                raise InvalidInput(f"from_record must name a record, got {decision.from_record}")
            choice = ("record", str(record))
        else:
            choice = ("value", decision.value or "")
        overrides.setdefault(canonicals.pop(), {})[decision.property] = choice
    return overrides


def _decision_triples(iris: RegistryIRIs, records: list[SourceRecord], accepted: list[Edge],
                      canonical_of: dict[str, str], decisions: Decisions,
                      different: list[list[set[int]]]) -> Iterator[str]:
    cc = iris.CC
    for edge in accepted:
        a, b = sorted((records[edge.a].iri, records[edge.b].iri))
        d = _match_iri(iris, edge.rule, a, b)
        yield from (f"<{d}> <{RDF.type}> <{cc.MatchDecision}> .",
                    f'<{d}> <{cc.matchRule}> "{edge.rule}" .',
                    f'<{d}> <{cc.matchScore}> "{edge.score:.4f}"^^<http://www.w3.org/2001/XMLSchema#decimal> .',
                    f"<{d}> <{cc.matchedRecord}> <{a}> .", f"<{d}> <{cc.matchedRecord}> <{b}> .",
                    f"<{d}> <{cc.matchedCollective}> <{canonical_of[a]}> .")
    for groups in different:
        members = sorted(records[i].iri for g in groups for i in g)
        if len(members) < 2:
            continue
        d = _match_iri(iris, "curated-different", *members)
        yield from (f"<{d}> <{RDF.type}> <{cc.MatchDecision}> .", f'<{d}> <{cc.matchRule}> "curated-different" .',
                    f'<{d}> <{cc.matchScore}> "1.0000"^^<http://www.w3.org/2001/XMLSchema#decimal> .')
        yield from (f"<{d}> <{cc.matchedRecord}> <{m}> ." for m in members)


CONFLICTS_QUERY = """PREFIX cc: <{cc}>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX rov: <http://www.w3.org/ns/regorg#>
# Single-valued facts on which the sources of one canonical collective disagree, each value with
# the records and sources that gave it, and the value the consolidated graph chose.
SELECT ?collective ?property ?value ?chosen
       (GROUP_CONCAT(DISTINCT ?source; separator=" ") AS ?sources)
       (GROUP_CONCAT(DISTINCT STR(?record); separator=" ") AS ?records) WHERE {{
  {{ SELECT ?collective ?property WHERE {{
      GRAPH <{identity}> {{ ?record foaf:primaryTopic ?collective }}
      GRAPH ?g {{ ?record foaf:primaryTopic ?topic . {facts} }}
      FILTER(STRSTARTS(STR(?g), "{sources}"))
    }} GROUP BY ?collective ?property HAVING (COUNT(DISTINCT ?value) > 1) }}
  GRAPH <{identity}> {{ ?record foaf:primaryTopic ?collective }}
  GRAPH ?g {{ ?record foaf:primaryTopic ?topic ; cc:source ?source . {facts} }}
  FILTER(STRSTARTS(STR(?g), "{sources}"))
  OPTIONAL {{ GRAPH <{consolidated}> {{ {chosen} }} FILTER(?chosenProperty = ?property) }}
}} GROUP BY ?collective ?property ?value ?chosen ORDER BY ?collective ?property ?value"""

_FACTS = """{{ ?topic cc:municipality ?value BIND("municipality" AS ?property) }}
      UNION {{ ?topic rov:orgType ?value BIND("legal-form" AS ?property) }}
      UNION {{ ?topic cc:lifecycleEvent ?event . ?event cc:eventType <{founding}> ; cc:eventYear ?value
               BIND("founding" AS ?property) }}
      UNION {{ ?topic cc:lifecycleEvent ?event . ?event cc:eventType <{dissolution}> ; cc:eventYear ?value
               BIND("dissolution" AS ?property) }}"""

_CHOSEN = """{{ ?collective cc:municipality ?chosen BIND("municipality" AS ?chosenProperty) }}
      UNION {{ ?collective rov:orgType ?chosen BIND("legal-form" AS ?chosenProperty) }}
      UNION {{ ?collective cc:lifecycleEvent ?ce . ?ce cc:eventType <{founding}> ; cc:eventYear ?chosen
               BIND("founding" AS ?chosenProperty) }}
      UNION {{ ?collective cc:lifecycleEvent ?ce . ?ce cc:eventType <{dissolution}> ; cc:eventYear ?chosen
               BIND("dissolution" AS ?chosenProperty) }}"""


def conflicts_query(iris: RegistryIRIs) -> str:
    """The SPARQL behind :func:`conflicts` (municipality, legal form, founding and dissolution year).

    Name variants are not listed here (nearly every collective has some); the merged
    collective keeps them as ``schema:alternateName`` and the report lists names whose
    normalised forms differ.
    """
    kinds = {"founding": iris.concept("event-type", "founding"),
             "dissolution": iris.concept("event-type", "dissolution")}
    return CONFLICTS_QUERY.format(
        cc=iris.CC, identity=identity_graph(iris), consolidated=iris.consolidated_graph,
        sources=iris.graph("source/"), facts=_FACTS.format(**kinds), chosen=_CHOSEN.format(**kinds))


def conflicts(store: Store, iris: RegistryIRIs) -> list[dict]:
    """Conflicting single-valued facts, one row per (collective, property, value)."""
    rows = []
    for row in store.select(conflicts_query(iris)):
        out = {k: (v.toPython() if hasattr(v, "toPython") else v) for k, v in row.items()}
        out = {k: (str(v) if isinstance(v, URIRef) else v) for k, v in out.items()}
        out["records"] = str(out.get("records", "")).split()
        out["sources"] = str(out.get("sources", "")).split()
        rows.append(out)
    return rows
