"""A collective's current lifecycle stage, derived from its events and from evidence the registry adds.

Rules, first that applies wins (each stage other than *founded* comes with a
``stage-transition`` event whose ``prov:wasDerivedFrom`` names its evidence):

1. a ``merger`` event from a source → **merged**;
2. a ``dissolution`` event dated this year or earlier → **dissolved** (when the dissolution
   comes from a registry source such as the KvK, a ``deregistration`` event records it);
3. every record about it is withdrawn from its source → **possibly-dormant** (evidence: one
   ``withdrawn`` event per record, dated with the record's last-seen date);
4. the latest ``stage-transition`` a source reported (its ``cc:toStage``);
5. a founding date after today → **initiative**; otherwise → **founded**.

Besides, every record contributes a ``first-seen`` event (the date a source first listed the
collective). Record status (valid / superseded / withdrawn) stays on the record and is never
turned into a stage of its own: a withdrawn record is evidence, not a lifecycle.

Derived events get ids ``{base}id/event/d-…`` so that :func:`derive_lifecycle` can replace
them without touching the events sources reported.

>>> from registry.namespaces import RegistryIRIs
>>> facts = LifecycleFacts("https://example.org/id/collective/c-1",
...     records=[RecordSeen("r1", "curated", "withdrawn", "2020-01-01", "2023-06-01")])
>>> derive(facts, RegistryIRIs("https://example.org/"), date(2024, 1, 1)).stage
'possibly-dormant'
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from rdflib.namespace import PROV, RDF, XSD

from .identifiers import mint_id
from .namespaces import RegistryIRIs
from .store import Store

REGISTRY_SOURCES = ("kvk",)
DERIVED_EVENT_PREFIX = "d"
_XSD_DATE, _XSD_INT = str(XSD.date), str(XSD.integer)


@dataclass
class RecordSeen:
    record: str
    source: str
    status: str  # record-status code
    first_seen: str | None = None
    last_seen: str | None = None


@dataclass
class LifecycleFacts:
    """What the consolidated graph knows about one collective's life."""

    collective: str
    founding_date: str | None = None  # lexical form, any precision
    dissolution_date: str | None = None
    dissolution_event: str | None = None
    dissolution_records: list[str] = field(default_factory=list)
    reported_stages: list[tuple[str, str]] = field(default_factory=list)  # (date, stage IRI)
    merger_events: list[str] = field(default_factory=list)
    records: list[RecordSeen] = field(default_factory=list)


@dataclass
class DerivedEvent:
    iri: str
    kind: str  # event-type code
    date: str | None  # lexical xsd:date
    derived_from: list[str]
    to_stage: str | None = None


@dataclass
class Lifecycle:
    collective: str
    stage: str
    events: list[DerivedEvent]


def _year(text: str | None) -> int | None:
    return int(text[:4]) if text and text[:4].isdigit() else None


def derive(facts: LifecycleFacts, iris: RegistryIRIs, today: date | None = None,
           registry_sources: tuple[str, ...] = REGISTRY_SOURCES) -> Lifecycle:
    today = today or date.today()
    c = facts.collective

    def event(kind: str, *parts: str) -> str:
        return str(iris.event(mint_id(c, kind, *parts, prefix=DERIVED_EVENT_PREFIX)))

    events: list[DerivedEvent] = []
    for rec in sorted(facts.records, key=lambda r: r.record):
        if rec.first_seen:
            events.append(DerivedEvent(event("first-seen", rec.record), "first-seen", rec.first_seen, [rec.record]))
    withdrawn = [r for r in facts.records if r.status == "withdrawn"]
    withdrawn_events = []
    for rec in sorted(withdrawn, key=lambda r: r.record):
        e = DerivedEvent(event("withdrawn", rec.record), "withdrawn", rec.last_seen, [rec.record])
        events.append(e)
        withdrawn_events.append(e)

    def transition(stage: str, when: str | None, evidence: list[str]) -> Lifecycle:
        events.append(DerivedEvent(event("stage-transition", stage), "stage-transition", when, evidence, stage))
        return Lifecycle(c, stage, events)

    if facts.merger_events:
        return transition("merged", None, sorted(facts.merger_events))
    year = _year(facts.dissolution_date)
    if year is not None and year <= today.year:
        evidence = [facts.dissolution_event] if facts.dissolution_event else []
        registry = sorted(r.record for r in facts.records
                          if r.record in facts.dissolution_records and r.source in registry_sources)
        for record in registry:
            dereg = DerivedEvent(event("deregistration", record), "deregistration", None, [record])
            events.append(dereg)
            evidence.append(dereg.iri)
        return transition("dissolved", None, evidence)
    if facts.records and len(withdrawn) == len(facts.records):
        last = max((r.last_seen for r in withdrawn if r.last_seen), default=None)
        return transition("possibly-dormant", last, [e.iri for e in withdrawn_events])
    if facts.reported_stages:
        _, stage_iri = max(facts.reported_stages)
        return Lifecycle(c, stage_iri.rsplit("/", 1)[-1], events)
    founded = _year(facts.founding_date)
    if founded is not None and founded > today.year:
        return Lifecycle(c, "initiative", events)
    return Lifecycle(c, "founded", events)


def lifecycle_triples(lifecycle: Lifecycle, iris: RegistryIRIs) -> list[str]:
    """N-Triples lines for the derived stage and events."""
    cc = iris.CC
    c = lifecycle.collective
    lines = [f"<{c}> <{cc.lifecycleStage}> <{iris.concept('lifecycle-stage', lifecycle.stage)}> ."]
    for e in lifecycle.events:
        lines += [f"<{c}> <{cc.lifecycleEvent}> <{e.iri}> .",
                  f"<{e.iri}> <{RDF.type}> <{cc.LifecycleEvent}> .",
                  f"<{e.iri}> <{cc.eventType}> <{iris.concept('event-type', e.kind)}> ."]
        if e.date:
            lines.append(f'<{e.iri}> <{cc.eventDate}> "{e.date}"^^<{_XSD_DATE}> .')
            lines.append(f'<{e.iri}> <{cc.eventYear}> "{int(e.date[:4])}"^^<{_XSD_INT}> .')
        if e.to_stage:
            lines.append(f"<{e.iri}> <{cc.toStage}> <{iris.concept('lifecycle-stage', e.to_stage)}> .")
        for source in e.derived_from:
            lines.append(f"<{e.iri}> <{PROV.wasDerivedFrom}> <{source}> .")
    return lines


# -- re-deriving over a consolidated graph that is already in the store ---------------------

_EVENTS = """PREFIX cc: <{cc}>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?c ?kind ?e ?date ?stage ?record WHERE {{ GRAPH <{consolidated}> {{
  ?c cc:lifecycleEvent ?e . ?e cc:eventType ?kind .
  OPTIONAL {{ ?e cc:eventDate ?date }} OPTIONAL {{ ?e cc:toStage ?stage }}
  OPTIONAL {{ ?e prov:wasDerivedFrom ?record }}
  FILTER(!STRSTARTS(STR(?e), "{derived}"))
}} }}"""

_RECORDS = """PREFIX cc: <{cc}>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?c ?record ?source ?status ?first ?last WHERE {{
  GRAPH <{identity}> {{ ?record foaf:primaryTopic ?c }}
  GRAPH ?g {{ ?record a cc:SourceRecord ; cc:source ?source .
    OPTIONAL {{ ?record cc:recordStatus ?status }} OPTIONAL {{ ?record cc:firstSeen ?first }}
    OPTIONAL {{ ?record cc:lastSeen ?last }} }}
  FILTER(STRSTARTS(STR(?g), "{sources}"))
}}"""

_CANONICAL = """PREFIX cc: <{cc}>
SELECT DISTINCT ?c WHERE {{ GRAPH <{consolidated}> {{ {{ ?c a cc:CitizenCollective }} UNION {{ ?c a cc:Network }} }} }}"""

_DELETE = """PREFIX cc: <{cc}>
DELETE {{ GRAPH <{consolidated}> {{ ?c cc:lifecycleStage ?stage }} }}
WHERE {{ GRAPH <{consolidated}> {{ ?c cc:lifecycleStage ?stage }} }} ;
DELETE {{ GRAPH <{consolidated}> {{ ?c cc:lifecycleEvent ?e . ?e ?p ?o }} }}
WHERE {{ GRAPH <{consolidated}> {{ ?c cc:lifecycleEvent ?e . ?e ?p ?o FILTER(STRSTARTS(STR(?e), "{derived}")) }} }}"""


def _params(iris: RegistryIRIs) -> dict[str, str]:
    from .consolidation.identity import identity_graph
    return {"cc": str(iris.CC), "consolidated": str(iris.consolidated_graph), "identity": str(identity_graph(iris)),
            "derived": str(iris.event(f"{DERIVED_EVENT_PREFIX}-")), "sources": str(iris.graph("source/"))}


def collect_facts(store: Store, iris: RegistryIRIs) -> list[LifecycleFacts]:
    params = _params(iris)
    facts = {str(r["c"]): LifecycleFacts(str(r["c"])) for r in store.select(_CANONICAL.format(**params))}
    kind = lambda row: str(row["kind"]).rsplit("/", 1)[-1]  # noqa: E731
    for row in store.select(_EVENTS.format(**params)):
        f = facts.get(str(row["c"]))
        if f is None:
            continue
        k = kind(row)
        if k == "founding" and "date" in row:
            f.founding_date = str(row["date"])
        elif k == "dissolution" and "date" in row:
            f.dissolution_date, f.dissolution_event = str(row["date"]), str(row["e"])
            if "record" in row:
                f.dissolution_records.append(str(row["record"]))
        elif k == "merger":
            f.merger_events.append(str(row["e"]))
        elif k == "stage-transition" and "stage" in row:
            f.reported_stages.append((str(row.get("date", "")), str(row["stage"])))
    seen: dict[str, dict[str, RecordSeen]] = defaultdict(dict)
    status_prefix = str(iris.concept("record-status", ""))
    for row in store.select(_RECORDS.format(**params)):
        c, record = str(row["c"]), str(row["record"])
        seen[c][record] = RecordSeen(record, str(row["source"]),
                                     str(row.get("status", "valid")).removeprefix(status_prefix),
                                     str(row["first"]) if "first" in row else None,
                                     str(row["last"]) if "last" in row else None)
    for c, records in seen.items():
        if c in facts:
            facts[c].records = list(records.values())
    return list(facts.values())


def derive_lifecycle(store: Store, iris: RegistryIRIs, today: date | None = None, *,
                     registry_sources: tuple[str, ...] = REGISTRY_SOURCES) -> dict[str, int]:
    """Re-derive every canonical collective's stage and evidence events in the consolidated graph.

    Consolidation already does this as it writes the graph; call this to bring stages up to
    date (e.g. a new day) without re-matching. Returns the number of collectives per stage.
    """
    params = _params(iris)
    lifecycles = [derive(f, iris, today, registry_sources) for f in collect_facts(store, iris)]
    lines = [line for lc in lifecycles for line in lifecycle_triples(lc, iris)]
    update = _DELETE.format(**params)
    if lines:
        update += f" ;\nINSERT DATA {{ GRAPH <{params['consolidated']}> {{\n" + "\n".join(lines) + "\n} }"
    store.update(update)  # one request: readers never see the stages half replaced
    counts: dict[str, int] = defaultdict(int)
    for lc in lifecycles:
        counts[lc.stage] += 1
    return dict(sorted(counts.items()))

