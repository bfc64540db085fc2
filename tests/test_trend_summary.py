"""The precomputed trend counts give the same rows as the queries over the consolidated graph.

Every test runs on the embedded store and on the servers (the ``store`` fixture). The data is made
to hold the cases that could tell the two apart: two sectors or networks on one collective, two
founding events with different years, dissolutions without a founding, a dissolution before the
founding, collectives without events or without a municipality.
"""
from __future__ import annotations

import random

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDF, SKOS, XSD

from registry import trend_summary
from registry.namespaces import ORG, ROV, RegistryIRIs, municipality_iri, province_iri
from registry.trends import DIMENSIONS, planned_query, trends

IRIS = RegistryIRIs()
CC = IRIS.CC
SUMMARY = str(trend_summary.summary_graph(IRIS))
SECTORS = ["energy", "care", "food"]
PLACES = [("gm0014", "pv20", "Groningen"), ("gm0363", "pv27", "Amsterdam"), ("gm0344", "pv26", "Utrecht")]
TYPES = ["energy-cooperative", "care-cooperative"]
FORMS = ["cooperative-ua", "foundation"]


def _event(graph: Graph, collective, key: str, kind: str, year: int) -> None:
    event = IRIS.event(key)
    graph.add((collective, CC.lifecycleEvent, event))
    graph.add((event, CC.eventType, IRIS.concept("event-type", kind)))
    graph.add((event, CC.eventYear, Literal(year, datatype=XSD.integer)))


def registry_graph(n: int = 60, seed: int = 7) -> Graph:
    rng = random.Random(seed)
    graph = Graph()
    for i in range(n):
        c = IRIS.collective(f"c{i:03d}")
        graph.add((c, RDF.type, CC.CitizenCollective))
        for sector in rng.sample(SECTORS, 2 if i % 7 == 0 else 1):  # some have two sectors
            graph.add((c, CC.sector, IRIS.concept("sector", sector)))
        if i % 11 != 5:  # a few without a place
            municipality, province, _ = PLACES[i % len(PLACES)]
            graph.add((c, CC.municipality, municipality_iri(municipality)))
            graph.add((c, CC.province, province_iri(province)))
        graph.add((c, CC.collectiveType, IRIS.concept("collective-type", TYPES[i % 2])))
        if i % 5:
            graph.add((c, ROV.orgType, IRIS.concept("legal-form", FORMS[i % 2])))
        for network in (["n1", "n2"] if i % 9 == 0 else ["n1"] if i % 3 == 0 else []):
            graph.add((c, ORG.memberOf, IRIS.network(network)))
        founded = rng.randint(2000, 2020)
        case = i % 10
        if case != 9:  # no events at all
            if case != 8:  # 8: a dissolution without a founding
                _event(graph, c, f"f{i}", "founding", founded)
            if case == 2:  # two sources, two founding years
                _event(graph, c, f"g{i}", "founding", founded + 3)
            if case in (3, 8):
                _event(graph, c, f"d{i}", "dissolution", founded + rng.randint(0, 6))
            if case == 4:  # dissolved before founded (a data error the counts must carry as the query does)
                _event(graph, c, f"d{i}", "dissolution", founded - 2)
            if case == 5:  # two dissolution years
                _event(graph, c, f"d{i}", "dissolution", founded + 1)
                _event(graph, c, f"e{i}", "dissolution", founded + 4)
    return graph


def vocabulary() -> Graph:
    graph = Graph()
    for municipality, _, name in PLACES:
        graph.add((municipality_iri(municipality), SKOS.prefLabel, Literal(name, lang="nl")))
    return graph


@pytest.fixture
def summarised(store):
    store.replace_graph(IRIS.consolidated_graph, registry_graph())
    store.replace_graph(IRIS.vocabulary_graph, vocabulary())
    counted = trend_summary.refresh(store, IRIS)
    assert set(counted) == {"all", *DIMENSIONS} and counted["all"] > 0
    return store


ANSWERED = [  # figures the summary gives
    ("active", {}), ("active", {"years": (1998, 2026)}), ("flows", {}), ("municipalities", {}),
    *[(metric, {"by": (d,)}) for metric in ("active", "flows") for d in DIMENSIONS],
    ("active", {"filters": {"sector": ["energy"]}}), ("flows", {"filters": {"sector": ["care"]}}),
    ("flows", {"filters": {"province": ["pv20", "pv27"]}}),  # single-valued: the counts add up
    ("active", {"filters": {"municipality": ["GM0363"]}}), ("flows", {"filters": {"network": ["n2"]}}),
    ("active", {"filters": {"collective-type": ["care-cooperative"]}}),
    ("flows", {"filters": {"legal-form": ["foundation"]}}),
]
COMPUTED = [  # figures it cannot give: computed over the consolidated graph
    ("flows", {"filters": {"sector": ["energy", "care"]}}),  # two sectors on one collective
    ("active", {"filters": {"sector": ["energy"], "province": ["pv20"]}}),
    ("flows", {"by": ("sector",), "filters": {"province": ["pv27"]}}),
    ("active", {"by": ("sector", "province")}),
    ("survival", {"after": 3, "until": 2024}), ("active-at", {}),
    ("municipalities", {"filters": {"sector": ["food"]}}),
]


@pytest.mark.parametrize("metric, kw", ANSWERED + COMPUTED, ids=lambda v: str(v))
def test_the_summary_gives_the_rows_of_the_query(summarised, metric, kw):
    direct = trends(summarised, IRIS, metric, use_summary=False, **kw)
    planned = trends(summarised, IRIS, metric, **kw)
    assert SUMMARY not in direct.query
    assert (SUMMARY in planned.query) == ((metric, kw) in ANSWERED)
    assert planned.rows == direct.rows
    assert planned.columns == direct.columns
    assert any(r for r in planned.rows) or metric == "active-at"


def test_the_query_shown_is_the_query_that_ran(summarised):
    shown = planned_query(summarised, IRIS, "flows", filters={"sector": ["energy"]})
    assert shown == trends(summarised, IRIS, "flows", filters={"sector": ["energy"]}).query
    assert SUMMARY in shown and summarised.select(shown)  # re-runnable as it is
    assert SUMMARY not in planned_query(summarised, IRIS, "flows", filters={"sector": ["energy"]},
                                        use_summary=False)


def test_a_summary_of_another_consolidated_graph_is_not_used(summarised):
    before = trends(summarised, IRIS, "active", years=(2000, 2030)).rows
    smaller = registry_graph(n=30, seed=8)
    summarised.replace_graph(IRIS.consolidated_graph, smaller)  # what a new consolidation does
    assert trend_summary.header(summarised, IRIS) is None
    after = trends(summarised, IRIS, "active", years=(2000, 2030))
    assert SUMMARY not in after.query and after.rows != before
    trend_summary.refresh(summarised, IRIS)
    again = trends(summarised, IRIS, "active", years=(2000, 2030))
    assert SUMMARY in again.query and again.rows == after.rows


def test_no_summary_means_the_query(store):
    store.replace_graph(IRIS.consolidated_graph, registry_graph(n=10))
    result = trends(store, IRIS, "flows")
    assert SUMMARY not in result.query and result.rows


def test_years_that_are_not_integers_leave_the_yearly_figures_to_the_query(store):
    graph = registry_graph(n=20)
    odd, event = IRIS.collective("odd"), IRIS.event("odd")
    graph += [(odd, RDF.type, CC.CitizenCollective), (odd, CC.lifecycleEvent, event),
              (event, CC.eventType, IRIS.concept("event-type", "founding")), (event, CC.eventYear, Literal("2010"))]
    store.replace_graph(IRIS.consolidated_graph, graph)
    store.replace_graph(IRIS.vocabulary_graph, vocabulary())
    trend_summary.refresh(store, IRIS)
    for metric in ("active", "flows"):  # (flows cannot fill the years between a string and integers)
        result = trends(store, IRIS, metric, fill_zeros=False)
        assert SUMMARY not in result.query
        assert result.rows == trends(store, IRIS, metric, use_summary=False, fill_zeros=False).rows
    municipalities = trends(store, IRIS, "municipalities")
    assert SUMMARY in municipalities.query
    assert municipalities.rows == trends(store, IRIS, "municipalities", use_summary=False).rows
