"""Standard SPARQL clients against the endpoint on loopback: SPARQLWrapper and rdflib's SPARQLStore."""
from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, POST, SPARQLWrapper, TURTLE, XML
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from api.app import create_app
from tests.fixtures.api.support import LiveServer, api_settings, fixture_store

CC = "https://example.org/cc/def#"
NAMES = f"SELECT ?c ?name WHERE {{ ?c a <{CC}CitizenCollective> ; <http://schema.org/name> ?name }} ORDER BY ?name"


@pytest.fixture(scope="module")
def endpoint():
    app = create_app(api_settings(), fixture_store())
    with LiveServer(app) as live:
        yield f"{live.url}/sparql"


@pytest.mark.parametrize("method", ["GET", POST])
def test_sparqlwrapper_select_json(endpoint, method):
    client = SPARQLWrapper(endpoint)
    client.setMethod(method)
    client.setQuery(NAMES)
    client.setReturnFormat(JSON)
    names = [b["name"]["value"] for b in client.query().convert()["results"]["bindings"]]
    assert names == sorted(names) and "Zorgcoöperatie Proefstad" in names


def test_sparqlwrapper_xml_and_csv(endpoint):
    client = SPARQLWrapper(endpoint)
    client.setQuery(NAMES)
    client.setReturnFormat(XML)
    document = client.query().convert()
    assert len(document.getElementsByTagName("result")) == 4
    client.setReturnFormat(CSV)
    assert b"Proefstad" in client.query().convert()


def test_sparqlwrapper_construct(endpoint):
    client = SPARQLWrapper(endpoint)
    client.setQuery(f"CONSTRUCT {{ ?c a <{CC}Network> }} WHERE {{ ?c a <{CC}Network> }}")
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.query().convert(), format="turtle")
    assert len(graph) == 1


def test_sparqlwrapper_ask(endpoint):
    client = SPARQLWrapper(endpoint)
    client.setQuery(f"ASK {{ ?c a <{CC}Network> }}")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True


def test_sparqlwrapper_bad_query(endpoint):
    client = SPARQLWrapper(endpoint)
    client.setQuery("SELECT ?x WHERE {")
    client.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed):
        client.query()


def test_rdflib_sparqlstore(endpoint):
    store = SPARQLStore(endpoint, returnFormat="json")
    graph = Graph(store=store)
    rows = list(graph.query(NAMES))
    assert len(rows) == 4
    assert Literal("Energiecoöperatie Voorbeelddorp") in {row.name for row in rows}
    collective = URIRef("https://example.org/cc/id/collective/c-fixture00001")
    assert (collective, URIRef("http://schema.org/name"), None) in graph
    assert len(list(graph.triples((collective, None, None)))) > 5


def test_rdflib_sparqlstore_post(endpoint):
    store = SPARQLStore(endpoint, method="POST", returnFormat="xml")
    rows = list(Graph(store=store).query(NAMES))
    assert len(rows) == 4
