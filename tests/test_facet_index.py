"""Listings from the in-process indexes: the same things, order and totals as the SPARQL listing
(and, with a name query, as the name index filtered by a SPARQL query).

Runs on the embedded store and on the servers (the ``store`` fixture), over the fixture's
vocabulary (municipalities GM9901–GM9903, GM9903 ended into GM9901) plus generated collectives
with names that tie, differ only in case or accents, two names, alternate names, several
sectors, networks, and one without a name (never listed).
"""
from __future__ import annotations

import random
import time

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF

from api.services import search
from registry import facet_index
from registry.facet_index import facets_for
from registry.namespaces import ORG, ROV, SCHEMA, municipality_iri, province_iri
from registry.search_index import NameIndexes
from tests.fixtures.api.support import HERE, api_settings

SETTINGS = api_settings()
IRIS = SETTINGS.iris
CC = IRIS.CC
WORDS = ["Energie", "energie", "Énergie", "Zorg", "Buurt", "Voedsel", "Coöperatie", "Zon"]
PLACES = [("gm9901", "pv27"), ("gm9902", "pv28"), ("gm9903", "pv27")]


def collectives(n: int = 80, seed: int = 3) -> Graph:
    rng = random.Random(seed)
    graph = Graph()
    for i in range(n):
        c = IRIS.collective(f"x{i:03d}")
        graph.add((c, RDF.type, CC.CitizenCollective))
        if i != 7:  # one without a name
            graph.add((c, SCHEMA.name, Literal(f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i % 13}")))
        if i % 6 == 0:
            graph.add((c, SCHEMA.name, Literal(f"{rng.choice(WORDS)} tweede naam")))
        if i % 5 == 0:
            graph.add((c, SCHEMA.alternateName, Literal(f"Alias {rng.choice(WORDS)}")))
        for sector in rng.sample(["energy", "care", "food"], 2 if i % 4 == 0 else 1):
            graph.add((c, CC.sector, IRIS.concept("sector", sector)))
        municipality, province = PLACES[i % 3]
        graph.add((c, CC.municipality, municipality_iri(municipality)))
        graph.add((c, CC.province, province_iri(province)))
        graph.add((c, CC.collectiveType, IRIS.concept("collective-type", ["energy-cooperative", "other"][i % 2])))
        if i % 3:
            graph.add((c, ROV.orgType, IRIS.concept("legal-form", "foundation")))
        if i % 5 == 1:
            graph.add((c, CC.lifecycleStage, IRIS.concept("lifecycle-stage", "growing")))
        if i % 4 == 2:
            graph.add((c, CC.societalRole, IRIS.concept("role", "enabler")))
        if i % 9 == 0:
            graph.add((c, ORG.memberOf, URIRef(IRIS.network("n-fixture00001"))))
    return graph


@pytest.fixture
def listed(store):
    fixture = Dataset()
    fixture.parse(HERE / "registry.trig", format="trig")
    vocabulary = Graph()
    vocabulary += fixture.graph(IRIS.vocabulary_graph)
    assert len(vocabulary), "the fixture's vocabulary graph"
    store.replace_graph(IRIS.vocabulary_graph, vocabulary)
    store.replace_graph(IRIS.consolidated_graph, collectives())
    view = store.public_view(IRIS.public_graphs)
    names = NameIndexes(view, IRIS)
    facets_for(names, CC.CitizenCollective)  # built: listings come from the indexes
    return view, names


REQUESTS = [
    {}, {"concepts": {"sector": ["energy"]}}, {"concepts": {"sector": ["energy", "care"]}},
    {"concepts": {"sector": ["food"]}, "province": ["pv27"]}, {"municipality": ["GM9902"]},
    {"municipality": ["GM9903"]},  # ended: answers for GM9901 and says so
    {"municipality": ["GM9901", "GM9902"], "concepts": {"type": ["other"]}},
    {"concepts": {"legal_form": ["foundation"], "stage": ["growing"]}}, {"concepts": {"role": ["enabler"]}},
    {"network": ["n-fixture00001"]}, {"province": ["Zuid-Holland"]}, {"q": "energie"},
    {"q": "energie", "concepts": {"sector": ["care"]}}, {"q": "alias zon", "province": ["pv27"]},
    {"q": "tweede", "municipality": ["GM9902"]}, {"q": "nothing like it"},
]


@pytest.mark.parametrize("wanted", REQUESTS, ids=lambda w: ",".join(f"{k}={v}" for k, v in w.items()) or "all")
def test_the_indexes_list_what_the_query_lists(listed, wanted):
    store, names = listed
    for offset, limit in ((0, 100), (0, 5), (3, 7), (60, 20)):
        request = search.SearchRequest(**wanted, offset=offset, limit=limit, total=True)
        if request.q:  # the name index's matches (alternate names too), filtered by the query, as before
            by_query = search._search_by_index(store, SETTINGS, request, names)
        else:
            by_query = search.search(store, SETTINGS, request)
        by_index = search.search(store, SETTINGS, request, names)
        assert by_index.things == by_query.things, (wanted, offset, limit)
        assert by_index.total == by_query.total
        assert by_index.merged == by_query.merged


def test_the_sets_are_built_once_and_follow_the_store(listed):
    store, names = listed
    facets = facets_for(names, CC.CitizenCollective)
    energy = IRIS.concept("sector", "energy")
    first = facets.places(CC.sector, [energy])
    assert first and facets._sets[(str(CC.sector), str(energy))] == first  # kept for the next request
    assert facets_for(names, CC.CitizenCollective) is facets  # same store version: same index
    store.add(IRIS.consolidated_graph, [(IRIS.collective("new"), RDF.type, CC.CitizenCollective),
                                        (IRIS.collective("new"), SCHEMA.name, Literal("Aaa Energie")),
                                        (IRIS.collective("new"), CC.sector, energy)])
    names.invalidate()  # what the app does after its own updates (a build shows as a new run)
    page = search.search(store, SETTINGS, search.SearchRequest(concepts={"sector": ["energy"]}, total=True), names)
    assert page.things[0] == IRIS.collective("new") and page.total == len(first) + 1
    assert facets_for(names, CC.CitizenCollective) is not facets


def test_listings_do_not_wait_for_the_indexes(store, monkeypatch):
    store.replace_graph(IRIS.consolidated_graph, collectives(n=12))
    names = NameIndexes(store.public_view(IRIS.public_graphs), IRIS)
    used = []
    monkeypatch.setattr(search, "_search_by_facets", lambda *a: used.append(a) or search.SearchResult([], 0))
    wanted = search.SearchRequest(concepts={"sector": ["energy"]}, total=True)
    first = search.search(store, SETTINGS, wanted, names)  # not built yet: the query answers, a build starts
    assert not used and first.total
    for _ in range(200):
        if facet_index.ready(names, CC.CitizenCollective):
            break
        time.sleep(0.05)
    search.search(store, SETTINGS, wanted, names)
    assert used  # built: the indexes answer
