"""Merging one cluster of source records into its canonical collective.

**Source priority** (the documented rule that picks one value of a single-valued fact):
records whose status is valid (or submitted / superseded) come before withdrawn ones; then
the record's source in ``source_priority`` order (default :data:`DEFAULT_SOURCE_PRIORITY`;
unlisted sources after the listed ones, alphabetically); then the most recently seen record;
then the record IRI. A curated ``value`` decision overrides the rule. For founding and
dissolution dates the rule picks the *year*; among the records giving that year the most
precise date wins (``2011-05-03`` over ``2011``), so precision is never invented nor lost.

Single-valued facts, each taken as a whole from one record: name (other names become
``schema:alternateName``); municipality (``cc:municipalityAsStated`` as that source gave it,
``cc:municipality`` and ``cc:cbsMunicipalityCode`` derived from it through the municipal
merge events); province; legal form (``rov:orgType`` with ``cc:legalFormStated``);
description; founding and dissolution (one canonical ``cc:LifecycleEvent`` each, with the
``schema:foundingDate`` / ``schema:dissolutionDate`` shortcuts). Nodes that belong to a
source's collective (``#address``, ``#geometry``, ``#kvk``) come from the first record in
priority order that has them. Everything else (sectors, types, websites, Wikidata items,
KvK numbers, memberships, other events) is the union of what the records say; indicator
observations are kept once per indicator and reference date.

**Provenance of a fact**: the identity graph assigns records to canonical collectives, so
the records that said a fact are found by :data:`FACT_SOURCES_QUERY` (see
:func:`fact_sources`); events name their records with ``prov:wasDerivedFrom``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.namespace import PROV, RDFS, XSD

from ..identifiers import mint_id, normalise_gm_code
from ..lifecycle import LifecycleFacts, RecordSeen
from ..namespaces import ORG, ROV, SCHEMA, SOSA, RegistryIRIs, municipality_iri, province_iri
from ..store import Store
from .normalise import name_similarity, normalise_name
from .records import RDF_TYPE, SourceRecord

DEFAULT_SOURCE_PRIORITY = ("curated", "kvk", "wikidata")
NAME_CONFLICT_BELOW = 0.85
_STATUS_RANK = {"valid": 0, "submitted": 0, "superseded": 1, "withdrawn": 2}
_PRECISION = {str(XSD.date): 3, str(XSD.gYearMonth): 2, str(XSD.gYear): 1}
_MEMBER_OF = str(ORG.memberOf)


def date_term(text: str) -> ox.Literal:
    if re.fullmatch(r"[0-9]{4}", text):
        return ox.Literal(text, datatype=ox.NamedNode(str(XSD.gYear)))
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}", text):
        return ox.Literal(text, datatype=ox.NamedNode(str(XSD.gYearMonth)))
    return ox.Literal(text[:10], datatype=ox.NamedNode(str(XSD.date)))


def nt(term) -> str:
    """A pyoxigraph term, or an IRI given as a string, in N-Triples form."""
    return f"<{term}>" if isinstance(term, str) else str(term)


@dataclass
class Conflict:
    collective: str
    property: str
    chosen: str
    values: dict[str, list[str]]  # value → records that said it

    def to_dict(self) -> dict:
        return {"collective": self.collective, "property": self.property, "chosen": self.chosen,
                "values": [{"value": v, "records": r} for v, r in self.values.items()]}


@dataclass
class MergeContext:
    iris: RegistryIRIs
    source_priority: tuple[str, ...] = DEFAULT_SOURCE_PRIORITY
    successors: dict[str, str] = field(default_factory=dict)
    provinces: dict[str, str] = field(default_factory=dict)
    # a record's topic IRI → its canonical IRI: memberships name a network by its source record's topic
    topic_canonical: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        cc = self.iris.CC
        self.p = {
            "type": RDF_TYPE, "name": str(SCHEMA.name), "alt": str(SCHEMA.alternateName),
            "desc": str(SCHEMA.description), "muni": str(cc.municipality), "stated": str(cc.municipalityAsStated),
            "cbs": str(cc.cbsMunicipalityCode), "province": str(cc.province), "orgtype": str(ROV.orgType),
            "legal_stated": str(cc.legalFormStated), "event": str(cc.lifecycleEvent), "etype": str(cc.eventType),
            "edate": str(cc.eventDate), "eyear": str(cc.eventYear), "founding_date": str(SCHEMA.foundingDate),
            "dissolution_date": str(SCHEMA.dissolutionDate), "foi": str(SOSA.hasFeatureOfInterest),
            "observed": str(SOSA.observedProperty), "refdate": str(cc.referenceDate),
            "derived": str(PROV.wasDerivedFrom), "stage": str(cc.toStage),
        }
        self.kinds = {k: str(self.iris.concept("event-type", k)) for k in ("founding", "dissolution", "merger",
                                                                           "stage-transition")}
        self.single = {self.p[k] for k in ("name", "desc", "muni", "stated", "cbs", "province", "orgtype",
                                           "legal_stated", "founding_date", "dissolution_date", "alt")}

    def rank(self, rec: SourceRecord) -> tuple:
        order = {s: i for i, s in enumerate(self.source_priority)}
        return (_STATUS_RANK.get(rec.status, 1), order.get(rec.source, len(order)), rec.source)

    def by_priority(self, members: list[SourceRecord]) -> list[SourceRecord]:
        ordered = sorted(members, key=lambda r: r.iri)
        ordered.sort(key=lambda r: r.last_seen or "", reverse=True)
        ordered.sort(key=self.rank)
        return ordered

    def current(self, municipality: str) -> str:
        seen = set()
        while municipality in self.successors and municipality not in seen:
            seen.add(municipality)
            municipality = self.successors[municipality]
        return municipality


def _event_of(rec: SourceRecord, kind_iri: str, ctx: MergeContext) -> tuple[ox.Literal, int] | None:
    """The date a record gives for a founding or dissolution (event first, shortcut second)."""
    p = ctx.p
    for node, pairs in rec.nodes.items():
        if (p["etype"], ox.NamedNode(kind_iri)) in pairs:
            dates = [o for q, o in pairs if q == p["edate"]]
            if dates:
                return dates[0], int(dates[0].value[:4])
    shortcut = p["founding_date"] if kind_iri == ctx.kinds["founding"] else p["dissolution_date"]
    values = rec.values(shortcut)
    if values and values[0].value[:4].isdigit():
        return values[0], int(values[0].value[:4])
    return None


class ClusterMerger:
    """Writes one canonical collective; collects its conflicts and its lifecycle facts."""

    def __init__(self, ctx: MergeContext, canonical: str, members: list[SourceRecord],
                 overrides: dict[str, tuple[str, str]] | None = None):
        self.ctx, self.c, self.iris = ctx, canonical, ctx.iris
        self.members = ctx.by_priority(members)
        self.overrides = overrides or {}  # property → ("value", text) | ("record", record IRI)
        self.lines: list[str] = []
        self.conflicts: list[Conflict] = []
        self.life = LifecycleFacts(canonical, records=[
            RecordSeen(r.iri, r.source, r.status, r.first_seen, r.last_seen) for r in self.members])

    def add(self, s: str, p: str, o) -> None:
        self.lines.append(f"<{s}> <{p}> {nt(o)} .")

    def _ordered_for(self, prop: str, has) -> list[SourceRecord]:
        """Records that state ``prop``, in priority order, a curated choice first."""
        stating = [r for r in self.members if has(r)]
        override = self.overrides.get(prop)
        if override and override[0] == "record":
            stating.sort(key=lambda r: r.iri != override[1])
        return stating

    def _conflict(self, prop: str, chosen: str, said: dict[str, list[str]]) -> None:
        if len(said) > 1:
            self.conflicts.append(Conflict(self.c, prop, chosen, said))

    def merge(self) -> list[str]:
        p = self.ctx.p
        handled = self.ctx.single | {p["event"]}
        self._name()
        self._municipality()
        self._pick("legal-form", [p["orgtype"], p["legal_stated"]])
        self._pick("description", [p["desc"]])
        for kind in ("founding", "dissolution"):
            self._date_event(kind)
        self._union(handled)
        self._owned_nodes()
        return self.lines

    # single-valued facts -------------------------------------------------------------
    def _name(self) -> None:
        p = self.ctx.p
        stating = self._ordered_for("name", lambda r: r.values(p["name"]))
        names: dict[str, list[str]] = {}
        for rec in stating:
            for o in rec.values(p["name"]) + rec.values(p["alt"]):
                names.setdefault(o.value, []).append(rec.iri)
        override = self.overrides.get("name")
        chosen = override[1] if override and override[0] == "value" else (
            stating[0].values(p["name"])[0].value if stating else None)
        if chosen is None:
            return
        self.add(self.c, p["name"], ox.Literal(chosen))
        for other in names:
            if other != chosen:
                self.add(self.c, p["alt"], ox.Literal(other))
        by_norm: dict[str, list[str]] = {}
        for rec in stating:
            by_norm.setdefault(normalise_name(rec.values(p["name"])[0].value), []).append(rec.iri)
        chosen_norm = normalise_name(chosen)
        if any(name_similarity(chosen_norm, other) < NAME_CONFLICT_BELOW for other in by_norm):
            self._conflict("name", chosen, by_norm)  # variants of one name are not a conflict

    def _municipality(self) -> None:
        p, ctx = self.ctx.p, self.ctx
        stating = self._ordered_for("municipality", lambda r: r.values(p["stated"]) or r.values(p["muni"]))
        said: dict[str, list[str]] = {}
        for rec in stating:
            said.setdefault(rec.municipality or "", []).append(rec.iri)
        override = self.overrides.get("municipality")
        stated = current = None
        if override and override[0] == "value":
            code = normalise_gm_code(override[1])
            stated = str(municipality_iri(code)) if code else None
            current = ctx.current(stated) if stated else None
        elif stating:
            stated = (stating[0].values(p["stated"]) or stating[0].values(p["muni"]))[0].value
            current = stating[0].municipality or stated
        province = None
        if stated and current:
            self.add(self.c, p["stated"], stated)
            self.add(self.c, p["muni"], current)
            self.add(self.c, p["cbs"], ox.Literal(current.rsplit("/", 1)[-1].upper()))
            self._conflict("municipality", current, said)
            province = ctx.provinces.get(current)
            if province is None and stating and not override:
                provinces = stating[0].values(p["province"])
                province = provinces[0].value if provinces else None
        override = self.overrides.get("province")
        if override and override[0] == "value":
            province = str(province_iri(override[1]))
        if province is None:
            stating = self._ordered_for("province", lambda r: r.values(p["province"]))
            province = stating[0].values(p["province"])[0].value if stating else None
        if province:
            self.add(self.c, p["province"], province)

    def _pick(self, prop: str, predicates: list[str]) -> None:
        stating = self._ordered_for(prop, lambda r: r.values(predicates[0]) or (
            len(predicates) > 1 and r.values(predicates[1])))
        override = self.overrides.get(prop)
        if override and override[0] == "value" and prop == "legal-form":
            self.add(self.c, predicates[0], str(self.iris.concept("legal-form", override[1])))
            return
        if not stating:
            return
        for predicate in predicates:
            for o in stating[0].values(predicate):
                self.add(self.c, predicate, o)
        if prop == "legal-form":
            said: dict[str, list[str]] = {}
            for rec in stating:
                for o in rec.values(predicates[0])[:1]:
                    said.setdefault(o.value, []).append(rec.iri)
            chosen = stating[0].values(predicates[0])
            if chosen:
                self._conflict(prop, chosen[0].value, said)

    def _date_event(self, kind: str) -> None:
        ctx, p, cc = self.ctx, self.ctx.p, self.iris.CC
        kind_iri = ctx.kinds[kind]
        stated = [(rec, _event_of(rec, kind_iri, ctx)) for rec in self._ordered_for(
            kind, lambda r: _event_of(r, kind_iri, ctx) is not None)]
        override = self.overrides.get(kind)
        if override and override[0] == "value":
            literal = date_term(override[1])
            year = int(override[1][:4])
        elif stated:
            year = stated[0][1][1]
            same_year = [(rec, value) for rec, value in stated if value[1] == year]
            best = max(same_year, key=lambda rv: _PRECISION.get(rv[1][0].datatype.value, 0))
            literal = best[1][0]
        else:
            return
        said: dict[str, list[str]] = {}
        for rec, value in stated:
            said.setdefault(str(value[1]), []).append(rec.iri)
        self._conflict(kind, str(year), said)
        event = str(self.iris.event(mint_id(self.c, kind, prefix="k")))
        self.add(self.c, p["event"], event)
        self.add(event, RDF_TYPE, str(cc.LifecycleEvent))
        self.add(event, RDF_TYPE, str(ORG.ChangeEvent))
        self.add(event, p["etype"], kind_iri)
        self.add(event, p["edate"], literal)
        self.add(event, p["eyear"], ox.Literal(str(year), datatype=ox.NamedNode(str(XSD.integer))))
        for rec in said.get(str(year), []):
            self.add(event, p["derived"], rec)
        if override and override[0] == "value":
            self.add(event, str(RDFS.comment), ox.Literal("value chosen by a curated decision"))
        self.add(self.c, p["founding_date" if kind == "founding" else "dissolution_date"], literal)
        if kind == "founding":
            self.life.founding_date = literal.value
        else:
            self.life.dissolution_date, self.life.dissolution_event = literal.value, event
            self.life.dissolution_records = said.get(str(year), [])

    # multi-valued facts, events, nodes ------------------------------------------------------
    def _union(self, handled: set[str]) -> None:
        p = self.ctx.p
        seen: set[tuple[str, str]] = set()
        for rec in self.members:
            prefix = rec.topic + "#"
            for predicate, objects in rec.facts.items():
                if predicate in handled:
                    continue
                for o in objects:
                    if isinstance(o, ox.NamedNode) and o.value.startswith(prefix):
                        continue  # owned node: taken whole from one record
                    if predicate == _MEMBER_OF and isinstance(o, ox.NamedNode) and o.value in self.ctx.topic_canonical:
                        o = ox.NamedNode(self.ctx.topic_canonical[o.value])  # the network's canonical node
                    key = (predicate, str(o))
                    if key not in seen:
                        seen.add(key)
                        self.add(self.c, predicate, o)
            for event in rec.values(p["event"]):
                pairs = rec.nodes.get(event.value, [])
                kinds = {o.value for q, o in pairs if q == p["etype"]}
                if kinds & {self.ctx.kinds["founding"], self.ctx.kinds["dissolution"]}:
                    continue  # replaced by the canonical event
                self.add(self.c, p["event"], event.value)
                for q, o in pairs:
                    self.add(event.value, q, o)
                dates = [o.value for q, o in pairs if q == p["edate"]]
                if self.ctx.kinds["merger"] in kinds:
                    self.life.merger_events.append(event.value)
                stages = [o.value for q, o in pairs if q == p["stage"]]
                if self.ctx.kinds["stage-transition"] in kinds and stages:
                    self.life.reported_stages.append((dates[0] if dates else "", stages[0]))

    def _owned_nodes(self) -> None:
        p = self.ctx.p
        fragments_done: set[str] = set()
        observations: set[tuple[str, str]] = set()
        for rec in self.members:
            prefix = rec.topic + "#"
            for predicate, objects in rec.facts.items():
                if predicate in fragments_done:
                    continue
                owned = [o for o in objects if isinstance(o, ox.NamedNode) and o.value.startswith(prefix)]
                if not owned:
                    continue
                fragments_done.add(predicate)
                for o in owned:
                    node = self.c + "#" + o.value[len(prefix):]
                    self.add(self.c, predicate, node)
                    for q, v in rec.nodes.get(o.value, []):
                        self.add(node, q, v)
            for node, pairs in rec.nodes.items():
                if (p["foi"], ox.NamedNode(rec.topic)) not in pairs:
                    continue
                prop = next((o.value for q, o in pairs if q == p["observed"]), "")
                when = next((o.value for q, o in pairs if q == p["refdate"]), "")
                if (prop, when) in observations:
                    continue  # a higher-priority source reported this indicator for this date
                observations.add((prop, when))
                for q, v in pairs:
                    self.add(node, q, self.c if q == p["foi"] else v)


FACT_SOURCES_QUERY = """PREFIX cc: <{cc}>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX schema: <http://schema.org/>
# Which source records said each fact of a canonical collective ?c.
SELECT ?property ?value ?record ?source WHERE {{
  GRAPH <{consolidated}> {{ ?c ?property ?value }}
  GRAPH <{identity}> {{ ?record foaf:primaryTopic ?c }}
  GRAPH ?g {{ ?record foaf:primaryTopic ?topic ; cc:source ?source . ?topic ?stated ?value }}
  FILTER(STRSTARTS(STR(?g), "{sources}"))
  FILTER(?stated = ?property || (?stated = schema:name && ?property = schema:alternateName))
}} ORDER BY ?property ?value ?source ?record"""


def fact_sources_query(iris: RegistryIRIs) -> str:
    from .identity import identity_graph
    return FACT_SOURCES_QUERY.format(cc=iris.CC, consolidated=iris.consolidated_graph,
                                     identity=identity_graph(iris), sources=iris.graph("source/"))


def fact_sources(store: Store, iris: RegistryIRIs, collective: URIRef) -> list[dict]:
    """Each fact of the collective with the records (and sources) that stated it."""
    rows = store.select(fact_sources_query(iris), {"c": collective})
    return [{k: str(v) for k, v in row.items()} for row in rows]

