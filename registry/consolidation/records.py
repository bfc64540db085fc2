"""Reading source records out of the store, as plain Python objects ready to be matched.

Each source graph is dumped as N-Triples (to a temporary file) and parsed with pyoxigraph (the
store interface's ``dump``, so it works with every store); terms stay pyoxigraph terms, whose
``str()`` is their N-Triples form, so writing the consolidated graph back needs no rdflib round
trip. This is what keeps consolidation of 100k records within seconds rather than minutes.

Only one source graph is parsed at a time. Once its records have their match keys, each
record's facts are packed into one N-Triples block (a bytes object, several times smaller than the
parsed terms) until the merge of its cluster unpacks them: memory then grows with the size of
the text, not with millions of term objects.
"""
from __future__ import annotations

import tempfile
from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import FOAF, RDF

from ..identifiers import normalise_kvk
from ..namespaces import SCHEMA, SOSA, RegistryIRIs
from ..store import Store
from .normalise import normalise_name, website_key

RDF_TYPE = str(RDF.type)


@dataclass
class SourceRecord:
    """One source record and what it says about its collective (its *topic*)."""

    iri: str
    source: str
    topic: str
    status: str = "valid"  # code of the record-status scheme
    first_seen: str | None = None  # ISO date
    last_seen: str | None = None
    graph: str = ""
    facts: dict[str, list] = field(default_factory=dict)  # predicate → objects (pyoxigraph terms)
    nodes: dict[str, list[tuple[str, object]]] = field(default_factory=dict)  # owned nodes: events, #fragments, observations
    # match keys, filled by :func:`add_match_keys`
    is_network: bool = False
    name: str = ""
    norm_name: str = ""
    kvk: frozenset = frozenset()
    wikidata: frozenset = frozenset()
    websites: frozenset = frozenset()
    municipality: str | None = None  # current municipality IRI
    province: str | None = None
    sectors: frozenset = frozenset()
    packed: bytes | None = None  # facts and nodes as N-Triples while packed (see pack)

    @property
    def age_key(self) -> tuple[str, str]:
        """Oldest first: earliest first-seen date, then the record IRI (stable for equal dates)."""
        return (self.first_seen or "9999-99-99", self.iri)

    def values(self, predicate: str) -> list:
        return self.facts.get(predicate, [])

    def pack(self) -> None:
        """Keep the facts and owned nodes as one N-Triples block until :meth:`unpack`."""
        topic = f"<{self.topic}>"
        lines = [f"{topic} <{p}> {o} ." for p, objects in self.facts.items() for o in objects]
        lines += [f"<{node}> <{p}> {o} ." for node, pairs in self.nodes.items() for p, o in pairs]
        self.packed = "\n".join(lines).encode("utf-8")
        self.facts, self.nodes = {}, {}

    def unpack(self) -> None:
        """Parse the packed block back (order kept: the first name is still the first)."""
        if self.packed is None:
            return
        facts: dict[str, list] = {}
        nodes: dict[str, list[tuple[str, object]]] = {}
        for t in ox.parse(self.packed, format=ox.RdfFormat.N_TRIPLES):
            if t.subject.value == self.topic:
                facts.setdefault(t.predicate.value, []).append(t.object)
            else:
                nodes.setdefault(t.subject.value, []).append((t.predicate.value, t.object))
        self.facts, self.nodes = facts, nodes

    def release(self) -> None:
        """Drop the parsed facts again (the packed block stays)."""
        if self.packed is not None:
            self.facts, self.nodes = {}, {}


def source_graphs(store: Store, iris: RegistryIRIs) -> list[str]:
    prefix = str(iris.graph("source/"))
    return sorted(str(g) for g in store.graphs() if str(g).startswith(prefix))


def _triples(store: Store, graph: str):
    with tempfile.TemporaryFile() as buffer:
        store.dump(buffer, format="nt", graph=URIRef(graph))
        buffer.seek(0)
        for quad in ox.parse(buffer, format=ox.RdfFormat.N_TRIPLES):
            yield quad.subject, quad.predicate, quad.object


def read_records(store: Store, iris: RegistryIRIs, successors: dict[str, str] | None = None, *,
                 pack: bool = True) -> list[SourceRecord]:
    """Every source record of every source graph, with its match keys (see :func:`add_match_keys`)
    and its topic's facts and owned nodes (packed unless ``pack`` is false)."""
    cc = iris.CC
    record_class, primary_topic = str(cc.SourceRecord), str(FOAF.primaryTopic)
    status_p, first_p, last_p, source_p = (str(cc.recordStatus), str(cc.firstSeen), str(cc.lastSeen),
                                           str(cc.source))
    event_p, foi_p = str(cc.lifecycleEvent), str(SOSA.hasFeatureOfInterest)
    status_prefix = str(iris.concept("record-status", ""))
    records: list[SourceRecord] = []
    for graph in source_graphs(store, iris):
        first = len(records)
        by_subject: dict[str, list[tuple[str, object]]] = defaultdict(list)
        for s, p, o in _triples(store, graph):
            if isinstance(s, ox.NamedNode):
                by_subject[s.value].append((p.value, o))
        observations: dict[str, list[str]] = defaultdict(list)
        for subject, pairs in by_subject.items():
            for p, o in pairs:
                if p == foi_p and isinstance(o, ox.NamedNode):
                    observations[o.value].append(subject)
        fragments: dict[str, list[str]] = defaultdict(list)
        for subject in by_subject:
            base, hash_, _ = subject.partition("#")
            if hash_:
                fragments[base].append(subject)
        for subject, pairs in by_subject.items():
            if (RDF_TYPE, ox.NamedNode(record_class)) not in pairs:
                continue
            rec = SourceRecord(iri=subject, source="", topic="", graph=graph)
            for p, o in pairs:
                if p == primary_topic and isinstance(o, ox.NamedNode):
                    rec.topic = o.value
                elif p == source_p:
                    rec.source = o.value
                elif p == status_p:
                    rec.status = o.value.removeprefix(status_prefix)
                elif p == first_p:
                    rec.first_seen = o.value
                elif p == last_p:
                    rec.last_seen = o.value
            if not rec.topic:
                continue
            rec.source = rec.source or graph.rsplit("/", 1)[-1]
            for p, o in by_subject.get(rec.topic, []):
                rec.facts.setdefault(p, []).append(o)
            owned = [o.value for o in rec.values(event_p) if isinstance(o, ox.NamedNode)]
            owned += fragments.get(rec.topic, []) + observations.get(rec.topic, [])
            rec.nodes = {node: by_subject[node] for node in owned if node in by_subject}
            records.append(rec)
        del by_subject, observations, fragments
        add_match_keys(records[first:], iris, successors)
        if pack:
            for rec in records[first:]:
                rec.pack()
    return records


def municipality_successors(store: Store, iris: RegistryIRIs) -> tuple[dict[str, str], dict[str, str]]:
    """Ended municipality → its one current municipality; municipality → its province."""
    rows = store.select("SELECT ?old ?new WHERE { GRAPH ?g { ?old ?current ?new } }",
                        {"current": iris.CC.currentMunicipality})
    successors: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        successors[str(row["old"])].add(str(row["new"]))
    rows = store.select(
        "SELECT ?m ?p WHERE { GRAPH ?g { ?m ?provinceP ?p } FILTER(STRSTARTS(STR(?m), ?prefix)) }",
        {"provinceP": iris.CC.province,
         "prefix": Literal("https://identifier.overheid.nl/tooi/id/gemeente/")})
    provinces = {str(r["m"]): str(r["p"]) for r in rows}
    return {old: next(iter(new)) for old, new in successors.items() if len(new) == 1}, provinces


def add_match_keys(records: list[SourceRecord], iris: RegistryIRIs,
                   successors: dict[str, str] | None = None) -> None:
    """Fill each record's normalised keys: name, KvK, Wikidata, website, current municipality."""
    cc = iris.CC
    successors = successors or {}
    name_p, kvk_p, same_p, url_p = str(SCHEMA.name), str(cc.kvkNumber), str(SCHEMA.sameAs), str(SCHEMA.url)
    muni_p, stated_p, prov_p, sector_p = (str(cc.municipality), str(cc.municipalityAsStated), str(cc.province),
                                          str(cc.sector))
    network_class = ox.NamedNode(str(cc.Network))
    for rec in records:
        names = rec.values(name_p)
        rec.name = names[0].value if names else ""
        rec.norm_name = normalise_name(rec.name)
        rec.is_network = network_class in rec.values(RDF_TYPE)
        rec.kvk = frozenset(k for k in (normalise_kvk(o.value) for o in rec.values(kvk_p)) if k)
        rec.wikidata = frozenset(o.value for o in rec.values(same_p)
                                 if o.value.startswith("http://www.wikidata.org/entity/"))
        rec.websites = frozenset(k for k in (website_key(o.value) for o in rec.values(url_p)) if k)
        stated = [o.value for o in rec.values(stated_p)]
        current = [o.value for o in rec.values(muni_p)]
        if stated and stated[0] in successors:
            # follow municipal reorganisations known to the vocabulary graph, whatever the source mapped
            municipality, seen = stated[0], set()
            while municipality in successors and municipality not in seen:
                seen.add(municipality)
                municipality = successors[municipality]
        else:
            municipality = current[0] if current else (stated[0] if stated else None)
        rec.municipality = municipality or None
        provinces = rec.values(prov_p)
        rec.province = provinces[0].value if provinces else None
        rec.sectors = frozenset(o.value for o in rec.values(sector_p))

