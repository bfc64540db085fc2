"""Values bound into SPARQL text are escaped terms, never raw strings."""
import pytest
from rdflib import Literal, URIRef

from registry.errors import InvalidInput
from registry.sparql_text import bind


def test_variables_inside_strings_iris_and_comments_are_left_alone():
    query = 'SELECT ?x WHERE { ?x <http://ex/?o> "?o" . # ?o\n ?x ?p ?o }'
    bound = bind(query, {"o": Literal("v")})
    assert bound == 'SELECT ?x WHERE { ?x <http://ex/?o> "?o" . # ?o\n ?x ?p "v" }'


def test_longer_names_are_not_replaced_by_prefixes():
    assert bind("?o ?other $o", {"o": Literal(1)}) == '"1"^^<http://www.w3.org/2001/XMLSchema#integer> ?other "1"^^<http://www.w3.org/2001/XMLSchema#integer>'


@pytest.mark.parametrize("hostile", ['x" } DROP ALL #', "x\\\" }", 'line\nbreak"""', "'; DELETE WHERE { ?s ?p ?o }"])
def test_literals_are_escaped(hostile):
    # the bound query must find exactly the triple whose value is the hostile text, nothing else
    import pyoxigraph as ox
    store = ox.Store()
    s, p = ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p")
    store.add(ox.Quad(s, p, ox.Literal(hostile)))
    store.add(ox.Quad(s, p, ox.Literal("other")))
    bound = bind("SELECT ?s WHERE { ?s ?p ?v }", {"v": Literal(hostile)})
    assert [row["s"] for row in store.query(bound)] == [s]


@pytest.mark.parametrize("iri", ["http://ex/a> } DROP ALL {<x", "http://ex/ a", 'http://ex/"'])
def test_iris_that_break_out_are_refused(iri):
    with pytest.raises(InvalidInput):
        bind("SELECT * WHERE { ?s ?p ?o }", {"s": URIRef(iri)})


@pytest.mark.parametrize("query,default,named", [
    ("SELECT * FROM <https://example.org/a> WHERE { ?s ?p ?o }", ("https://example.org/a",), ()),
    ("select * from named <https://example.org/a> from <https://example.org/b> where {}",
     ("https://example.org/b",), ("https://example.org/a",)),
    ("PREFIX g: <https://example.org/g/>\nSELECT * FROM g:a WHERE {}", ("https://example.org/g/a",), ()),
    ("BASE <https://example.org/g/> SELECT * FROM <a> WHERE {}", ("https://example.org/g/a",), ()),
    ("CONSTRUCT { ?s ?p ?o } FROM <https://example.org/a> WHERE { ?s ?p ?o }", ("https://example.org/a",), ()),
])
def test_a_query_s_own_dataset_is_read(query, default, named):
    from registry.sparql_text import query_dataset
    dataset = query_dataset(query)
    assert dataset.default == default and dataset.named == named and dataset.complete


@pytest.mark.parametrize("query", [
    'SELECT * WHERE { ?s ?p "FROM <https://example.org/a>" }',
    "SELECT * WHERE { ?s ?p '''\nFROM <https://example.org/a>''' }",
    "SELECT * WHERE { ?s ?p ?o } # FROM <https://example.org/a>",
    "SELECT ?from WHERE { ?s <https://example.org/FROM> ?from }",
    "PREFIX from: <https://example.org/> SELECT * WHERE { ?s from:from _:from ; ?p 'x'@from }",
])
def test_from_outside_the_dataset_clause_is_not_a_dataset(query):
    from registry.sparql_text import has_dataset
    assert not has_dataset(query)


def test_a_graph_that_cannot_be_read_makes_the_dataset_incomplete():
    from registry.sparql_text import query_dataset
    assert not query_dataset("SELECT * FROM <relative> WHERE {}").complete
    assert not query_dataset("SELECT * FROM unknown:g WHERE {}").complete
