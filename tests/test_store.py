"""The embedded store: named graphs, atomic replace, bulk load, dump, persistence, bound values."""
import io

import pytest
from rdflib import Graph, Literal, URIRef

from registry.errors import QuerySyntaxError, StoreError
from registry.store.oxigraph import OxigraphStore

G = URIRef("https://example.org/graph/a")
H = URIRef("https://example.org/graph/b")
TRIPLE = b'<https://example.org/s> <https://example.org/p> "one" .\n'


def test_replace_graph_swaps_the_whole_graph():
    store = OxigraphStore()
    store.replace_graph(G, TRIPLE)
    store.replace_graph(G, b'<https://example.org/s> <https://example.org/p> "two" .\n')
    rows = store.select("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": G})
    assert [str(r["o"]) for r in rows] == ["two"]


def test_a_failing_load_leaves_the_old_graph_intact():
    store = OxigraphStore()
    store.replace_graph(G, TRIPLE)
    with pytest.raises(StoreError) as info:
        store.replace_graph(G, TRIPLE + b'<https://example.org/s> <https://example.org/p> "broken')
    assert info.value.code == "invalid_rdf"
    assert store.triple_count(G) == 1
    assert store.graphs() == [G]  # no staging graph left behind


def test_replace_with_an_rdflib_graph_and_with_nothing():
    store = OxigraphStore()
    g = Graph()
    g.add((URIRef("https://example.org/x"), URIRef("https://example.org/p"), Literal("ä", lang="nl")))
    store.replace_graph(G, g)
    assert store.graph(G).value(URIRef("https://example.org/x"), URIRef("https://example.org/p")) == Literal("ä", lang="nl")
    store.replace_graph(G, Graph())
    assert store.triple_count(G) == 0


def test_default_graph_is_the_union_of_named_graphs():
    store = OxigraphStore()
    store.replace_graph(G, TRIPLE)
    store.replace_graph(H, b'<https://example.org/t> <https://example.org/p> "x" .\n')
    assert len(store.select("SELECT ?s WHERE { ?s ?p ?o }")) == 2
    assert store.ask("ASK { GRAPH ?g { ?s ?p ?o } }", {"g": H})


def test_bound_values_cannot_change_the_query():
    store = OxigraphStore()
    store.replace_graph(G, TRIPLE)
    hostile = Literal('one" } } ; DROP ALL ; SELECT * WHERE { { ?s ?p "')
    assert store.select("SELECT ?s WHERE { ?s ?p ?o }", {"o": hostile}) == []
    assert store.triple_count() == 1
    with pytest.raises(Exception):
        store.select("SELECT ?s WHERE { ?s ?p ?o }", {"o": URIRef("https://example.org/> } ; DROP ALL ; #")})


def test_malformed_query_is_a_domain_error():
    with pytest.raises(QuerySyntaxError):
        OxigraphStore().select("SELECT WHERE {")


def test_dump_and_load_round_trip(tmp_path):
    store = OxigraphStore()
    store.replace_graph(G, TRIPLE)
    store.replace_graph(H, b'<https://example.org/t> <https://example.org/p> "x"@nl .\n')
    out = io.BytesIO()
    store.dump(out, "nq")
    path = tmp_path / "dump.nq"
    path.write_bytes(out.getvalue())
    copy = OxigraphStore()
    copy.load(str(path), "nq")
    assert copy.graphs() == [G, H]
    assert copy.triple_count() == 2


def test_store_persists_on_disk(tmp_path):
    store = OxigraphStore(tmp_path / "store")
    store.replace_graph(G, TRIPLE)
    store.flush()
    del store
    reopened = OxigraphStore(tmp_path / "store")
    assert reopened.triple_count(G) == 1
