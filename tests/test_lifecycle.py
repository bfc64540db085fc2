"""Lifecycle stages derived from events and from the registry's own evidence."""
from __future__ import annotations

from datetime import date

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from harvesters.facts import CollectiveFacts, facts_to_graph
from registry.consolidation import consolidate
from registry.lifecycle import LifecycleFacts, RecordSeen, derive, derive_lifecycle
from registry.namespaces import PROV, RegistryIRIs
from registry.reference import Reference
from registry.store.oxigraph import OxigraphStore

IRIS = RegistryIRIs()
CC = IRIS.CC
TODAY = date(2025, 6, 1)


def _source(store, name, rows, status="valid"):
    g = IRIS.bind(Graph())
    for key, facts in rows:
        g += facts_to_graph(facts, iris=IRIS, reference=Reference(), source=name, key=key)
        record = IRIS.record(name, key)
        g.set((record, CC.recordStatus, IRIS.concept("record-status", status)))
        g.add((record, CC.firstSeen, Literal("2021-03-01", datatype=XSD.date)))
        g.add((record, CC.lastSeen, Literal("2023-09-30", datatype=XSD.date)))
    store.replace_graph(IRIS.source_graph(name), g)


def _stage(store, record_key: str, source: str) -> str:
    rows = store.select(
        "SELECT ?stage WHERE { GRAPH ?i { ?r ?topic ?c } GRAPH ?g { ?c ?stageP ?stage } }",
        {"i": IRIS.graph("identity"), "g": IRIS.consolidated_graph, "r": IRIS.record(source, record_key),
         "topic": URIRef("http://xmlns.com/foaf/0.1/primaryTopic"), "stageP": CC.lifecycleStage})
    assert len(rows) == 1  # at most one current stage
    return str(rows[0]["stage"]).rsplit("/", 1)[-1]


def _store():
    store = OxigraphStore()
    _source(store, "curated", [
        ("alive", CollectiveFacts(name="Levend Dorp", sectors=["energy"], municipality="GM0014", founded="2015")),
        ("gone", CollectiveFacts(name="Verdwenen Buurt", sectors=["care"], municipality="GM0363", founded="2012")),
        ("ended", CollectiveFacts(name="Opgeheven Zon", sectors=["energy"], municipality="GM0344", founded="2010")),
        ("future", CollectiveFacts(name="Plannen Wind", sectors=["energy"], municipality="GM0599", founded="2030")),
    ])
    _source(store, "network", [
        ("gone", CollectiveFacts(name="Verdwenen Buurt", sectors=["care"], municipality="GM0363")),
    ], status="withdrawn")
    _source(store, "kvk", [
        ("01234567", CollectiveFacts(name="Opgeheven Zon U.A.", kvk="01234567", municipality="GM0344",
                                     founded="2010-04-01", dissolved="2022-12-31")),
    ])
    return store


def test_stages_from_events_and_evidence():
    store = _store()
    report = consolidate(store, IRIS, today=TODAY)
    assert _stage(store, "alive", "curated") == "founded"
    assert _stage(store, "ended", "curated") == "dissolved"
    assert _stage(store, "future", "curated") == "initiative"
    # still valid in one source: not dormant
    assert _stage(store, "gone", "curated") == "founded"
    assert report.stages == {"dissolved": 1, "founded": 2, "initiative": 1}


def test_vanished_from_every_source_is_possibly_dormant_with_evidence():
    store = _store()
    _source(store, "curated", [
        ("gone", CollectiveFacts(name="Verdwenen Buurt", sectors=["care"], municipality="GM0363", founded="2012")),
    ], status="withdrawn")
    consolidate(store, IRIS, today=TODAY)
    assert _stage(store, "gone", "curated") == "possibly-dormant"
    rows = store.select(
        """SELECT ?when ?evidence ?record WHERE { GRAPH ?g {
             ?transition ?typeP ?transitionType ; ?toStage ?stage ; ?date ?when ; ?derived ?evidence .
             ?evidence ?typeP ?withdrawnType ; ?derived ?record } }""",
        {"g": IRIS.consolidated_graph, "typeP": CC.eventType, "toStage": CC.toStage, "date": CC.eventDate,
         "derived": PROV.wasDerivedFrom, "transitionType": IRIS.concept("event-type", "stage-transition"),
         "stage": IRIS.concept("lifecycle-stage", "possibly-dormant"),
         "withdrawnType": IRIS.concept("event-type", "withdrawn")})
    assert {str(r["record"]) for r in rows} == {str(IRIS.record("curated", "gone")), str(IRIS.record("network", "gone"))}
    assert {str(r["when"]) for r in rows} == {"2023-09-30"}
    # the record status stays on the record; the collective has no record status
    assert store.ask("ASK { GRAPH ?g { ?r ?status ?withdrawn } }",
                     {"g": IRIS.source_graph("curated"), "r": IRIS.record("curated", "gone"),
                      "status": CC.recordStatus, "withdrawn": IRIS.concept("record-status", "withdrawn")})
    assert not store.ask("ASK { GRAPH ?g { ?c ?status ?s } }", {"g": IRIS.consolidated_graph, "status": CC.recordStatus})


def test_kvk_end_date_gives_dissolved_with_a_deregistration_event():
    store = _store()
    consolidate(store, IRIS, today=TODAY)
    assert store.ask("ASK { GRAPH ?g { ?e ?typeP ?dereg ; ?derived ?record } }",
                     {"g": IRIS.consolidated_graph, "typeP": CC.eventType,
                      "dereg": IRIS.concept("event-type", "deregistration"), "derived": PROV.wasDerivedFrom,
                      "record": IRIS.record("kvk", "01234567")})


def test_first_seen_events_are_added():
    store = _store()
    consolidate(store, IRIS, today=TODAY)
    rows = store.select("SELECT (COUNT(?e) AS ?n) WHERE { GRAPH ?g { ?e ?typeP ?first } }",
                        {"g": IRIS.consolidated_graph, "typeP": CC.eventType,
                         "first": IRIS.concept("event-type", "first-seen")})
    assert int(rows[0]["n"]) == 6  # one per record


def test_derive_lifecycle_again_is_idempotent_and_follows_the_date():
    store = _store()
    consolidate(store, IRIS, today=TODAY)
    before = store.triple_count(IRIS.consolidated_graph)
    assert derive_lifecycle(store, IRIS, TODAY) == {"dissolved": 1, "founded": 2, "initiative": 1}
    assert store.triple_count(IRIS.consolidated_graph) == before
    # in 2031 the planned collective is no longer in the future
    assert derive_lifecycle(store, IRIS, date(2031, 1, 1)) == {"dissolved": 1, "founded": 3}


def test_pure_rules():
    merged = LifecycleFacts("c", merger_events=["e"], dissolution_date="2020")
    assert derive(merged, IRIS, TODAY).stage == "merged"
    reported = LifecycleFacts("c", reported_stages=[("2019", str(IRIS.concept("lifecycle-stage", "growing"))),
                                                    ("2021", str(IRIS.concept("lifecycle-stage", "multi-purpose")))],
                              records=[RecordSeen("r", "curated", "valid")])
    assert derive(reported, IRIS, TODAY).stage == "multi-purpose"
