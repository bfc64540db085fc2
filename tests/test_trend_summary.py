"""The precomputed trend counts give the same rows as the queries over the consolidated graph.

Every test runs on the embedded store and on the servers (the ``store`` fixture). The data is made
to hold the cases that could tell the two apart: two sectors or networks on one collective, two
founding events with different years, dissolutions without a founding, a dissolution before the
founding, collectives without events or without a municipality ("unknown"), a literal as a value.
"""
from __future__ import annotations

import random
from itertools import combinations

import pytest
from rdflib import Graph, Literal, URIRef
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
        if i % 13 == 1:  # a value that is not an IRI
            graph.add((c, ORG.memberOf, Literal("n3")))
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
    pairs = {trend_summary.group_name(p) for p in combinations(DIMENSIONS, 2)} - set(trend_summary.NOT_HELD)
    assert set(counted) == {"all", *DIMENSIONS, *pairs} and len(pairs) == 12 and counted["all"] > 0
    return store


ANSWERED = [  # figures the summary gives
    ("active", {}), ("active", {"years": (1998, 2026)}), ("flows", {}), ("municipalities", {}),
    ("active", {"years": (2015, 2040)}),  # years after the last event year
    *[(metric, {"by": (d,)}) for metric in ("active", "flows") for d in DIMENSIONS],
    ("active", {"filters": {"sector": ["energy"]}}), ("flows", {"filters": {"sector": ["care"]}}),
    ("flows", {"filters": {"province": ["pv20", "pv27"]}}),  # single-valued: the counts add up
    ("active", {"filters": {"municipality": ["GM0363"]}}), ("flows", {"filters": {"network": ["n2"]}}),
    ("active", {"filters": {"collective-type": ["care-cooperative"]}}),
    ("flows", {"filters": {"legal-form": ["foundation"]}}),
    # two dimensions: two filters, a filter and a by, two bys
    ("active", {"filters": {"sector": ["energy"], "province": ["pv20"]}}),
    ("flows", {"filters": {"legal-form": ["foundation"], "collective-type": ["care-cooperative"]}}),
    ("flows", {"by": ("sector",), "filters": {"province": ["pv27"]}}),
    ("active", {"by": ("network",), "filters": {"sector": ["energy"]}}),  # two multi-valued dimensions
    ("flows", {"by": ("sector",), "filters": {"network": ["n2"]}}),
    ("active", {"by": ("municipality",), "filters": {"province": ["pv20", "pv27"]}}),
    ("active", {"by": ("sector",), "filters": {"province": ["pv20", "pv27"]}}),
    ("flows", {"filters": {"province": ["pv20", "pv27"], "municipality": ["GM0014", "GM0363"]}}),
    ("active", {"by": ("sector", "province")}), ("flows", {"by": ("network", "sector")}),
    ("flows", {"by": ("municipality", "network")}), ("active", {"by": ("province", "municipality")}),
]
COMPUTED = [  # figures it cannot give: computed over the consolidated graph
    ("flows", {"filters": {"sector": ["energy", "care"]}}),  # a collective with two of the sectors
    ("active", {"by": ("province",), "filters": {"sector": ["energy", "care"]}}),
    ("flows", {"filters": {"network": ["n1", "n2"], "province": ["pv20"]}}),
    ("active", {"by": ("sector",), "filters": {"sector": ["energy"]}}),  # one dimension twice
    ("active", {"by": ("sector", "province", "network")}),  # three dimensions
    ("flows", {"by": ("network",), "filters": {"sector": ["energy"], "province": ["pv20"]}}),
    ("active", {"by": ("legal-form", "municipality")}),  # a pair not held
    ("flows", {"by": ("sector",), "filters": {"municipality": ["GM0363"]}}),
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


ONE_VALUE = {"sector": "care", "collective-type": "care-cooperative", "legal-form": "foundation",
             "province": "pv20", "municipality": "GM0363", "network": "n1"}


def test_every_pair_of_dimensions(summarised):
    for a, b in combinations(DIMENSIONS, 2):
        for kw in ({"by": (a, b)}, {"by": (b,), "filters": {a: [ONE_VALUE[a]]}},
                   {"by": (a,), "filters": {b: [ONE_VALUE[b]]}}, {"filters": {a: [ONE_VALUE[a]], b: [ONE_VALUE[b]]}}):
            for metric in ("active", "flows"):
                planned = trends(summarised, IRIS, metric, **kw)
                assert (SUMMARY in planned.query) == (trend_summary.group_name((a, b)) not in trend_summary.NOT_HELD)
                assert planned.rows == trends(summarised, IRIS, metric, use_summary=False, **kw).rows, (metric, kw)


def test_groups_of_the_same_collectives_share_their_cells(summarised):
    counted = trend_summary.refresh(summarised, IRIS)  # each municipality lies in one province
    assert counted["province|municipality"] == 0 and counted["municipality"] > 0
    kw = {"by": ("province",), "filters": {"municipality": ["GM0014"]}}
    assert trends(summarised, IRIS, "active", **kw).rows == trends(summarised, IRIS, "active", use_summary=False,
                                                                    **kw).rows


def test_the_nodes_keep_their_names_so_a_refresh_writes_only_what_changed(summarised):
    before = set(summarised.graph(URIRef(SUMMARY)))
    trend_summary.refresh(summarised, IRIS)
    changed = before ^ set(summarised.graph(URIRef(SUMMARY)))
    assert {p for _, p, _ in changed} == {trend_summary.namespace(IRIS).token} and len(changed) == 2


def test_the_query_shown_is_the_query_that_ran(summarised):
    kw = {"by": ("sector",), "filters": {"province": ["pv27"]}}
    shown = planned_query(summarised, IRIS, "flows", **kw)
    assert shown == trends(summarised, IRIS, "flows", **kw).query
    assert SUMMARY in shown and summarised.select(shown)  # re-runnable as it is
    # the filter's value comes first, so that only its groups are read
    assert shown.index("VALUES ?f_province") < shown.index("?group sum:province ?f_province") \
        < shown.index('sum:dimension "sector|province"') < shown.index("?cell sum:group ?group")
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


def test_the_data_holds_what_would_double_count(summarised):
    two = trends(summarised, IRIS, "flows", filters={"sector": ["energy", "care"]}, use_summary=False).rows
    each = [trends(summarised, IRIS, "flows", filters={"sector": [s]}).rows for s in ("energy", "care")]
    by_year = {r["year"]: r["foundings"] for r in two}
    added = {r["year"]: 0 for rows in each for r in rows}
    for rows in each:
        for r in rows:
            added[r["year"]] += r["foundings"]
    assert any(added[y] > by_year.get(y, 0) for y in added)  # so the summary declines that figure


def test_a_summary_of_another_version_is_not_used(summarised):
    S = trend_summary.namespace(IRIS)
    summarised.update(f"DELETE {{ GRAPH <{SUMMARY}> {{ <{SUMMARY}> <{S.version}> ?v }} }} "
                      f"INSERT {{ GRAPH <{SUMMARY}> {{ <{SUMMARY}> <{S.version}> 1 }} }} "
                      f"WHERE {{ GRAPH <{SUMMARY}> {{ <{SUMMARY}> <{S.version}> ?v }} }}")
    assert trend_summary.header(summarised, IRIS) is None
    assert SUMMARY not in trends(summarised, IRIS, "flows").query


def test_the_events_of_a_collective_are_gathered_from_anywhere_in_the_rows():
    events = [["a", "f2010"], ["x", "f1999"], ["a", "d2015"], ["c", "f2001"], ["a", "f2010"], ["b", "d2003?"]]
    profiles = trend_summary._Profiles([("a",), ("b",), ("c",), ("d",)])
    profiles.read(events)  # x: not a collective
    assert list(profiles.number) == ["a", "b", "c", "d"] and not profiles.integer_years
    years = [profiles.years[p] for p in profiles.profile]
    assert years == [[(2010, 1, 0, 1), (2015, 0, 1, -1)], [], [(2001, 1, 0, 1)], []]


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
