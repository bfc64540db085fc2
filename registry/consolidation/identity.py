"""Stable canonical ids: which IRI each cluster of records gets, and the redirects.

The identity graph ``{base}graph/identity`` is the registry's memory of identity. It holds

- ``?record foaf:primaryTopic ?canonical`` — the canonical collective each record was assigned to;
- ``?old dct:isReplacedBy ?canonical`` — every collective IRI that is not (or no longer)
  canonical: the per-record IRIs the sources minted, and the losers of merges.

Consolidation reads it before matching and writes it back after, so ids survive rebuilds,
re-harvests and shuffled sources. The rules, in order:

1. a cluster keeps a canonical IRI its records had before; when it has several (two
   collectives turned out to be one), it keeps the IRI whose originating record is oldest
   and the others become redirects;
2. when clusters compete for one IRI (a split, or an undone match), the cluster holding the
   record that originally minted it keeps it, else the one with most of its records;
3. a new cluster takes the IRI of its oldest record's collective (earliest first-seen,
   then record IRI), so even without the identity graph the result does not depend on the
   order of sources or records.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from rdflib.namespace import DCTERMS, FOAF

from ..identifiers import mint_id
from ..namespaces import RegistryIRIs
from ..store import Store
from .records import SourceRecord


def identity_graph(iris: RegistryIRIs):
    return iris.identity_graph


@dataclass
class Identity:
    assigned: dict[str, str] = field(default_factory=dict)  # record → canonical
    redirects: dict[str, str] = field(default_factory=dict)  # old IRI → canonical

    def resolve(self, iri: str) -> str:
        seen = set()
        while iri in self.redirects and iri not in seen:
            seen.add(iri)
            iri = self.redirects[iri]
        return iri


def read_identity(store: Store, iris: RegistryIRIs) -> Identity:
    graph = identity_graph(iris)
    identity = Identity()
    for row in store.select("SELECT ?r ?c WHERE { GRAPH ?g { ?r ?topic ?c } }",
                            {"g": graph, "topic": FOAF.primaryTopic}):
        identity.assigned[str(row["r"])] = str(row["c"])
    for row in store.select("SELECT ?old ?new WHERE { GRAPH ?g { ?old ?replaced ?new } }",
                            {"g": graph, "replaced": DCTERMS.isReplacedBy}):
        identity.redirects[str(row["old"])] = str(row["new"])
    return identity


@dataclass
class Assignment:
    canonical: list[str]  # per cluster
    redirects: dict[str, str]
    merged: list[tuple[str, str]]  # (loser, winner) new this run
    split: list[str]  # canonicals of clusters that had to take a new IRI although known before


def assign_canonicals(clusters: list[list[SourceRecord]], previous: Identity, iris: RegistryIRIs) -> Assignment:
    cluster_of = {rec.iri: k for k, members in enumerate(clusters) for rec in members}
    origin: dict[str, SourceRecord] = {}
    for members in clusters:
        for rec in members:
            if rec.topic not in origin or rec.age_key < origin[rec.topic].age_key:
                origin[rec.topic] = rec
    candidates = []
    for k, members in enumerate(clusters):
        claims = Counter(previous.resolve(previous.assigned[r.iri]) for r in members if r.iri in previous.assigned)
        for iri, count in claims.items():
            first = origin.get(iri)
            own = first is not None and cluster_of[first.iri] == k
            candidates.append((0 if own else 1, first.age_key if own else ("", ""), -count, iri, k))
    candidates.sort()
    canonical: list[str | None] = [None] * len(clusters)
    taken: set[str] = set()
    for *_, iri, k in candidates:
        if canonical[k] is None and iri not in taken:
            canonical[k] = iri
            taken.add(iri)
    split = []
    order = sorted(range(len(clusters)), key=lambda k: min(r.age_key for r in clusters[k]))
    for k in order:
        if canonical[k] is not None:
            continue
        members = sorted(clusters[k], key=lambda r: r.age_key)
        choice = next((r.topic for r in members if r.topic not in taken), None)
        if choice is None:  # every topic already canonical elsewhere: mint from the records
            choice = str(iris.collective(mint_id("cluster", *(r.iri for r in members))))
        canonical[k] = choice
        taken.add(choice)
        if any(r.iri in previous.assigned for r in members):
            split.append(choice)

    redirects: dict[str, str] = {old: new for old, new in previous.redirects.items() if old not in taken}
    votes: dict[str, Counter] = defaultdict(Counter)
    for record, before in previous.assigned.items():
        before = previous.resolve(before)
        if before not in taken and record in cluster_of:
            votes[before][canonical[cluster_of[record]]] += 1
    for old, counter in votes.items():
        redirects[old] = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    for k, members in enumerate(clusters):
        for rec in members:
            if rec.topic != canonical[k]:
                redirects[rec.topic] = canonical[k]
    # point every redirect at a canonical IRI (chains collapse, cycles are dropped)
    final = Identity(redirects=redirects)
    redirects = {old: final.resolve(old) for old in redirects}
    redirects = {old: new for old, new in redirects.items() if new in taken and old != new}
    previous_canonicals = {previous.resolve(c) for c in previous.assigned.values()}
    merged = sorted((old, new) for old, new in redirects.items()
                    if old in previous_canonicals and previous.redirects.get(old) is None)
    return Assignment([c for c in canonical], redirects, merged, split)
