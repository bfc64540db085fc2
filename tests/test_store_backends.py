"""One store contract, three backends: the embedded store, the oxigraph server and Virtuoso.

The servers start once per session on 127.0.0.1 (see ``tests/servers.py``); a test whose server
cannot be started here is skipped with the reason. Each test starts from an empty store.
"""
from __future__ import annotations

import io
import socket
import threading
import time

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, XSD

from registry.errors import QuerySyntaxError, QueryTimeout, StoreError
from registry.settings import Settings
from registry.store.sparql import SparqlStore, term_from_json
from tests.conftest import emptied as _emptied, remote_store
from tests.servers import free_port, serve_or_skip, virtuoso_server

G = URIRef("https://example.org/graph/a")
H = URIRef("https://example.org/graph/b")
P = URIRef("https://example.org/p")
TRIPLE = b'<https://example.org/s> <https://example.org/p> "one" .\n'


@pytest.fixture(params=[pytest.param("oxigraph-server", marks=pytest.mark.server),
                        pytest.param("virtuoso", marks=pytest.mark.server)])
def remote(request):
    """An endpoint of a running server, emptied before and after the test."""
    endpoint = request.getfixturevalue("oxigraph_endpoint" if request.param == "oxigraph-server"
                                       else "virtuoso_endpoint")
    with remote_store(endpoint) as cleaner:
        _emptied(cleaner)
        try:
            yield endpoint
        finally:
            _emptied(cleaner)


# -- the contract every store keeps ----------------------------------------------------------------


def test_replace_graph_swaps_the_whole_graph(store):
    store.replace_graph(G, TRIPLE)
    store.replace_graph(G, b'<https://example.org/s> <https://example.org/p> "two" .\n')
    rows = store.select("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": G})
    assert [str(r["o"]) for r in rows] == ["two"]


def test_replace_graph_from_a_file(store, tmp_path):
    store.replace_graph(G, TRIPLE)
    path = tmp_path / "new.nt"
    path.write_bytes(b'<https://example.org/s> <https://example.org/p> "from a file" .\n')
    store.replace_graph(G, path)
    assert [str(r["o"]) for r in store.select("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": G})] == ["from a file"]


def test_a_failing_load_leaves_the_old_graph_intact(store):
    store.replace_graph(G, TRIPLE)
    with pytest.raises(StoreError) as info:
        store.replace_graph(G, TRIPLE + b'<https://example.org/s> <https://example.org/p> "broken')
    assert info.value.code == "invalid_rdf"
    assert store.triple_count(G) == 1
    assert store.graphs() == [G]  # no staging graph left behind


def test_replace_with_an_rdflib_graph_and_with_nothing(store):
    g = Graph()
    g.add((URIRef("https://example.org/x"), P, Literal("ä", lang="nl")))
    store.replace_graph(G, g)
    assert store.graph(G).value(URIRef("https://example.org/x"), P) == Literal("ä", lang="nl")
    store.replace_graph(G, Graph())
    assert store.triple_count(G) == 0


def test_default_graph_is_the_union_of_named_graphs(store):
    store.replace_graph(G, TRIPLE)
    store.replace_graph(H, b'<https://example.org/t> <https://example.org/p> "x" .\n')
    # the predicate keeps a server's own system graphs (Virtuoso has some) out of the count
    assert len(store.select("SELECT ?s WHERE { ?s <https://example.org/p> ?o }")) == 2
    assert store.ask("ASK { GRAPH ?g { ?s ?p ?o } }", {"g": H})
    assert store.graphs() == [G, H]
    assert store.triple_count() == 2


def test_bound_values_cannot_change_the_query(store):
    store.replace_graph(G, TRIPLE)
    hostile = Literal('one" } } ; DROP ALL ; SELECT * WHERE { { ?s ?p "')
    assert store.select("SELECT ?s WHERE { ?s ?p ?o }", {"o": hostile}) == []
    assert store.triple_count() == 1
    with pytest.raises(Exception):
        store.select("SELECT ?s WHERE { ?s ?p ?o }", {"o": URIRef("https://example.org/> } ; DROP ALL ; #")})
    assert [r["s"] for r in store.select("SELECT ?s WHERE { ?s ?p ?o }", {"o": Literal("one")})] == \
        [URIRef("https://example.org/s")]


def test_malformed_query_and_update_are_domain_errors(store):
    with pytest.raises(QuerySyntaxError) as info:
        store.select("SELECT WHERE {")
    assert str(info.value)  # the server's own message
    with pytest.raises(QuerySyntaxError):
        store.update("INSERT DATA { GRAPH <https://example.org/g> { <a> }")


def test_dump_and_load_round_trip(backend, tmp_path):
    _, open_store = backend
    store = open_store()
    store.replace_graph(G, TRIPLE)
    store.replace_graph(H, b'<https://example.org/t> <https://example.org/p> "x"@nl .\n'
                           b'<https://example.org/t> <https://example.org/q> _:b .\n'
                           b'_:b <https://example.org/p> "in a blank node" .\n')
    out = io.BytesIO()
    store.dump(out, "nq")
    before = {g: store.graph(g) for g in (G, H)}
    path = tmp_path / "dump.nq"
    path.write_bytes(out.getvalue())
    copy = _emptied(open_store())
    copy.load(str(path), "nq")
    assert copy.graphs() == [G, H]
    assert copy.triple_count() == 4
    assert all(isomorphic(copy.graph(g), before[g]) for g in (G, H))
    one = io.BytesIO()
    copy.dump(one, "ttl", graph=H)
    assert b"in a blank node" in one.getvalue()
    with pytest.raises(StoreError):
        copy.dump(io.BytesIO(), "nt")  # N-Triples holds one graph: which?


def test_unicode_and_language_tagged_literals_round_trip(store):
    values = [Literal("Coöperatie ‘De Windvogel’ — ä€😀"), Literal("zorg\ncoöperatie \"x\" \\ y"),
              Literal("energiecoöperatie", lang="nl"), Literal("energy co-op", lang="en-GB")]
    store.add(G, [(URIRef(f"https://example.org/c{i}"), P, v) for i, v in enumerate(values)])
    got = {r["o"] for r in store.select("SELECT ?o WHERE { ?s <https://example.org/p> ?o }")}
    assert got == set(values)
    for value in values:
        assert store.ask("ASK { ?s <https://example.org/p> ?o }", {"o": value})


def test_select_values_gives_the_lexical_values_and_none_when_unbound(store):
    values = [Literal("Coöperatie ‘De Windvogel’ — 😀"), Literal("zorg\ncoöperatie", lang="nl"),
              Literal("42", datatype=XSD.integer)]
    store.add(G, [(URIRef(f"https://example.org/c{i}"), P, v) for i, v in enumerate(values)]
              + [(URIRef("https://example.org/c0"), URIRef("https://example.org/q"), Literal("x"))])
    query = ("SELECT ?s ?o ?x WHERE { ?s <https://example.org/p> ?o "
             "OPTIONAL { ?s <https://example.org/q> ?x } FILTER(?s != ?not) }")
    rows = store.select_values(query, ("s", "o", "x"), {"not": URIRef("https://example.org/c2")})
    assert sorted(rows) == [("https://example.org/c0", str(values[0]), "x"),
                            ("https://example.org/c1", "zorg\ncoöperatie", None)]


def test_typed_literals_round_trip(store):
    values = [Literal("1984", datatype=XSD.gYear), Literal("42", datatype=XSD.integer),
              Literal("2001-05-01", datatype=XSD.date), Literal("2020-01-01T10:00:00Z", datatype=XSD.dateTime),
              Literal("1.5", datatype=XSD.decimal), Literal("true", datatype=XSD.boolean),
              Literal("1234AB", datatype=URIRef("https://example.org/postcode"))]
    store.add(G, [(URIRef(f"https://example.org/c{i}"), P, v) for i, v in enumerate(values)])
    rows = store.select("SELECT ?o (DATATYPE(?o) AS ?t) WHERE { ?s <https://example.org/p> ?o }")
    assert {r["o"] for r in rows} == set(values)
    assert {r["t"] for r in rows} == {v.datatype for v in values}
    graph = store.graph(G)
    assert set(graph.objects()) == set(values)


def test_blank_nodes_keep_their_links(store):
    node = BNode()
    store.add(G, [(URIRef("https://example.org/c"), URIRef("https://example.org/address"), node),
                  (node, URIRef("https://example.org/postcode"), Literal("1234AB"))])
    rows = store.select("SELECT ?pc WHERE { <https://example.org/c> <https://example.org/address> ?a . "
                        "?a <https://example.org/postcode> ?pc }")
    assert [r["pc"] for r in rows] == [Literal("1234AB")]
    assert isinstance(store.select("SELECT ?a WHERE { ?c <https://example.org/address> ?a }")[0]["a"], BNode)


def test_construct_serialized_results_and_graph_protocol_parameters(store):
    store.replace_graph(G, TRIPLE)
    store.replace_graph(H, b'<https://example.org/t> <https://example.org/p> "x" .\n')
    graph = store.construct("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": G})
    assert len(graph) == 1
    body, form = store.query_serialized("SELECT ?o WHERE { ?s <https://example.org/p> ?o }",
                                        "application/sparql-results+json")
    assert form == "select" and b'"one"' in body and b'"x"' in body
    body, form = store.query_serialized("ASK { ?s ?p 'x' }", "application/sparql-results+json")
    assert form == "ask" and b"true" in body
    body, form = store.query_serialized("CONSTRUCT { ?s <https://example.org/p> ?o } WHERE { ?s <https://example.org/p> ?o }",
                                        "application/n-triples")
    assert form == "graph" and len(Graph().parse(data=body, format="nt")) == 2
    body, _ = store.query_serialized("SELECT ?o WHERE { ?s <https://example.org/p> ?o }", "text/csv",
                                     default_graphs=[str(H)])
    assert b"x" in body and b"one" not in body


# -- the public view: what the API's users see ----------------------------------------------------

IRIS = Settings().iris
SOURCE = URIRef("https://example.org/graph/source")
COLLECTIVE = IRIS.CC.CitizenCollective
COUNT_COLLECTIVES = f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a <{COLLECTIVE}> }}"


def _collectives(*names: str) -> bytes:
    return "".join(f"<https://example.org/c/{n}> <{RDF.type}> <{COLLECTIVE}> .\n" for n in names).encode()


def _count(store, query: str = COUNT_COLLECTIVES) -> int:
    return int(store.select(query)[0]["n"])


def test_a_public_view_counts_a_collective_once_not_once_per_source(store):
    store.replace_graph(SOURCE, _collectives("one-from-source", "two-from-source"))
    store.replace_graph(IRIS.consolidated_graph, _collectives("one"))
    store.replace_graph(IRIS.vocabulary_graph, f"<{COLLECTIVE}> <https://example.org/label> \"Collectief\" .\n".encode())
    view = store.public_view(IRIS.public_graphs)
    assert _count(store) == 3  # the store itself still sees the union
    assert _count(view) == 1
    assert view.ask(f"ASK {{ <https://example.org/c/one> a <{COLLECTIVE}> }}")
    assert not view.ask(f"ASK {{ <https://example.org/c/one-from-source> a <{COLLECTIVE}> }}")
    assert view.ask(f"ASK {{ <{COLLECTIVE}> <https://example.org/label> ?label }}")  # a second public graph
    assert len(view.construct(f"CONSTRUCT {{ ?c a <{COLLECTIVE}> }} WHERE {{ ?c a <{COLLECTIVE}> }}")) == 1
    body, form = view.query_serialized(f"SELECT ?c WHERE {{ ?c a <{COLLECTIVE}> }}", "text/csv")
    assert form == "select" and b"/c/one" in body and b"from-source" not in body
    body, _ = view.query_serialized(f"SELECT ?c WHERE {{ ?c a <{COLLECTIVE}> }}", "text/csv",
                                    default_graphs=[str(SOURCE)])  # a dataset asked for wins
    assert b"from-source" in body and b"/c/one\r\n" not in body
    assert view.triple_count() == store.triple_count() == 4 and view.graphs() == store.graphs()


def test_graph_queries_through_a_public_view_still_see_every_graph(store):
    store.replace_graph(SOURCE, _collectives("one-from-source", "two-from-source"))
    store.replace_graph(IRIS.consolidated_graph, _collectives("one"))
    view = store.public_view(IRIS.public_graphs)
    rows = view.select(f"SELECT ?g (COUNT(?c) AS ?n) WHERE {{ GRAPH ?g {{ ?c a <{COLLECTIVE}> }} }} GROUP BY ?g")
    assert {r["g"]: int(r["n"]) for r in rows} == {SOURCE: 2, IRIS.consolidated_graph: 1}
    assert view.ask(f"ASK {{ GRAPH <{SOURCE}> {{ <https://example.org/c/two-from-source> ?p ?o }} }}")
    # the default graph and named graphs together, as provenance queries use them
    assert _count(view, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?c a <{COLLECTIVE}> . "
                        f"GRAPH ?g {{ ?s a <{COLLECTIVE}> }} FILTER(?g != <{IRIS.consolidated_graph}>) }}") == 2


def test_a_query_naming_its_own_graphs_sees_what_it_names(store):
    store.replace_graph(SOURCE, _collectives("one-from-source", "two-from-source"))
    store.replace_graph(IRIS.consolidated_graph, _collectives("one"))
    for seen in (store, store.public_view(IRIS.public_graphs)):
        assert _count(seen, f"SELECT (COUNT(DISTINCT ?c) AS ?n) FROM <{SOURCE}> WHERE {{ ?c a <{COLLECTIVE}> }}") == 2
        assert _count(seen, f"PREFIX g: <https://example.org/graph/>\n# FROM <{IRIS.consolidated_graph}>\n"
                            f"SELECT (COUNT(DISTINCT ?c) AS ?n)\nfrom g:source WHERE {{ ?c a <{COLLECTIVE}> }}") == 2
        rows = seen.select(f"SELECT DISTINCT ?g FROM NAMED <{IRIS.consolidated_graph}> "
                           f"WHERE {{ GRAPH ?g {{ ?c a <{COLLECTIVE}> }} }}")
        assert [r["g"] for r in rows] == [IRIS.consolidated_graph]
        body, _ = seen.query_serialized(f"SELECT ?c FROM <{SOURCE}> WHERE {{ ?c a <{COLLECTIVE}> }}", "text/csv")
        assert body.count(b"from-source") == 2
        # "FROM" in a string, an IRI or a variable name is no dataset of the query's own
        assert _count(seen, f'SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a <{COLLECTIVE}> '
                            f'FILTER(?c != <https://example.org/FROM>) BIND("FROM <x>" AS ?from) }}') == \
            (3 if seen is store else 1)


def test_until_the_first_public_graph_exists_a_public_view_sees_the_union(store):
    view = store.public_view(IRIS.public_graphs)
    assert _count(view) == 0
    store.replace_graph(SOURCE, _collectives("one-from-source", "two-from-source"))
    assert _count(view) == 2
    store.replace_graph(IRIS.consolidated_graph, _collectives("one"))  # written through the store, not the view
    assert _count(view) == 1
    store.drop_graph(IRIS.consolidated_graph)
    assert _count(view) == 2
    view.load(_collectives("one"), "nt", IRIS.consolidated_graph)
    assert _count(view) == 1 and _count(store) == 3


def test_drop_graph(store):
    store.replace_graph(G, TRIPLE)
    store.replace_graph(H, TRIPLE)
    store.drop_graph(G)
    store.drop_graph(URIRef("https://example.org/graph/never-there"))
    assert store.graphs() == [H]


# -- what only a remote store can get wrong ------------------------------------------------------


def test_a_server_that_is_down_is_store_unavailable():
    port = free_port()  # nothing listens here
    settings = Settings(store_user="someone", store_password="s3cret-value")
    store = SparqlStore(f"http://127.0.0.1:{port}/sparql", settings=settings, backoff=0.01)
    for action in (lambda: store.select("SELECT * WHERE { ?s ?p ?o }"), lambda: store.update("CLEAR ALL")):
        with pytest.raises(StoreError) as info:
            action()
        assert info.value.code == "store_unavailable"
        assert "s3cret" not in str(info.value)


def test_credentials_in_the_url_are_used_but_never_shown():
    store = SparqlStore("http://someone:s3cret-value@127.0.0.1:1/sparql", backoff=0.01)
    assert store.user == "someone" and "s3cret" not in repr(store) + store.query_url
    with pytest.raises(StoreError) as info:
        store.ask("ASK {}")
    assert "s3cret" not in str(info.value)


class _SilentServer:
    """Accepts connections and never answers: for client timeouts."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.connections = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/sparql"

    def close(self):
        self.sock.close()
        for conn in self.connections:
            conn.close()


def test_a_query_that_never_answers_times_out_and_an_update_is_not_repeated():
    server = _SilentServer()
    try:
        store = SparqlStore(server.url, settings=Settings(query_timeout=0.3), backoff=0.01)
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            store.select("SELECT * WHERE { ?s ?p ?o }")
        assert time.monotonic() - started < 5
        store.update_timeout = 0.5
        before = len(server.connections)
        with pytest.raises(StoreError) as info:
            store.update("INSERT DATA { GRAPH <https://example.org/g> { <https://example.org/s> <https://example.org/p> 1 } }")
        assert info.value.code == "update_timeout"
        time.sleep(0.1)
        assert len(server.connections) - before <= 1  # sent once, never retried
    finally:
        server.close()


def test_wrong_credentials_are_a_clear_error(virtuoso_endpoint):
    user, _ = virtuoso_endpoint.credentials
    settings = Settings(store_user=user, store_password="not-the-password")
    with SparqlStore(virtuoso_endpoint.query_url, settings=settings) as store:
        with pytest.raises(StoreError) as info:
            store.ask("ASK {}")
    assert info.value.code == "store_unauthorized"
    assert "not-the-password" not in str(info.value) and user in str(info.value)
    with SparqlStore(virtuoso_endpoint.query_url) as anonymous, pytest.raises(StoreError) as info:
        anonymous.ask("ASK {}")
    assert info.value.code == "store_unauthorized"


def _many_triples(n: int, tag: str = "") -> bytes:
    return "".join(f'<https://example.org/c{i}> <https://example.org/name> "Collectief {i}{tag}" .\n'
                   for i in range(n)).encode()


def test_chunked_load_and_replace_of_20k_triples(remote):
    with remote_store(remote) as store:  # through the Graph Store protocol the server offers
        store.load(_many_triples(20_000), "nt", G)
        assert store.triple_count(G) == 20_000
        store.replace_graph(G, _many_triples(20_000, " (nieuw)"))
        assert store.triple_count(G) == 20_000
        assert not store.ask('ASK { GRAPH ?g { ?s ?p "Collectief 7" } }', {"g": G})
        assert store.graphs() == [G]
        out = io.BytesIO()
        store.dump(out, "nt", graph=G)
        assert out.getvalue().count(b"\n") == 20_000


@pytest.mark.parametrize("graph_store", ["auto", None], ids=["graph-store", "insert-data"])
def test_a_failing_upload_leaves_the_old_graph_and_no_staging_graph(remote, graph_store):
    with remote_store(remote, chunk_size=100, graph_store_url=graph_store) as store:
        store.replace_graph(G, TRIPLE)
        # the parse fails after several chunks were already sent to the staging graph
        with pytest.raises(StoreError) as info:
            store.replace_graph(G, _many_triples(1_000) + b"<https://example.org/s> <broken")
        assert info.value.code == "invalid_rdf"
        assert store.triple_count(G) == 1
        assert store.graphs() == [G]


def test_upload_with_insert_data_in_chunks_that_shrink_when_too_long(remote):
    # Virtuoso's parser gives up on an INSERT DATA of a few thousand triples: the chunk is halved
    with remote_store(remote, chunk_size=4_000, graph_store_url=None) as store:
        store.load(_many_triples(6_000), "nt", G)
        assert store.triple_count(G) == 6_000
        store.replace_graph(G, _many_triples(2_000, " (nieuw)"))
        assert store.triple_count(G) == 2_000
        assert store.graphs() == [G]


def test_a_missing_graph_store_endpoint_falls_back_to_insert_data(remote):
    base = remote.query_url.rsplit("/", 1)[0]
    with remote_store(remote, graph_store_url=f"{base}/no-graph-store-here") as store:
        store.replace_graph(G, _many_triples(3_000))
        assert store.triple_count(G) == 3_000
        assert store.graph_store_url is None


def test_a_public_view_lists_the_graphs_once_for_many_queries(remote):
    with remote_store(remote) as store:
        store.replace_graph(SOURCE, _collectives("one-from-source", "two-from-source"))
        store.replace_graph(IRIS.consolidated_graph, _collectives("one"))
        view = store.public_view(IRIS.public_graphs)
        listed = []
        original = SparqlStore._list_graphs

        def counting(self):
            listed.append(1)
            return original(self)
        SparqlStore._list_graphs = counting
        try:
            for _ in range(5):
                assert _count(view) == 1
            assert len(listed) == 1
            store.replace_graph(URIRef("https://example.org/graph/new"), _collectives("new-from-source"))
            assert _count(view) == 1 and len(listed) == 2  # a write through the store lists them again
            assert {r["g"] for r in view.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?c a <{COLLECTIVE}> }} }}")} \
                == {SOURCE, IRIS.consolidated_graph, URIRef("https://example.org/graph/new")}
            with remote_store(remote) as other:  # another process writes: seen once the list is old
                other.drop_graph(IRIS.consolidated_graph)
            _count(view)
            assert len(listed) == 2
            view._graph_list.ttl = 0
            assert _count(view) == 3 and len(listed) == 3
        finally:
            SparqlStore._list_graphs = original


@pytest.mark.server
def test_a_result_cut_at_the_server_row_limit_is_an_error_not_a_short_answer():
    from functools import partial
    for endpoint in serve_or_skip(partial(virtuoso_server, max_rows=100)):
        with remote_store(endpoint) as store:
            store.load(_many_triples(300), "nt", G)
            assert len(store.select("SELECT ?s WHERE { ?s ?p ?o } LIMIT 50")) == 50
            with pytest.raises(StoreError) as info:
                store.select("SELECT ?s WHERE { ?s <https://example.org/name> ?o }")
            assert info.value.code == "result_truncated"
            with pytest.raises(StoreError) as info:
                store.dump(io.BytesIO(), "nt", graph=G)
            assert info.value.code == "result_truncated"
            # the bulk reads (trend counts, name index) take such a result in pages, whole
            query = "PREFIX ex: <https://example.org/>\nSELECT ?s ?o WHERE { ?s ex:name ?o }"
            values = store.select_values(query, ("s", "o"))
            assert len(values) == 300 == len(set(values))
            assert set(values) == {(f"https://example.org/c{i}", f"Collectief {i}") for i in range(300)}


def test_virtuoso_booleans_read_like_the_embedded_store():
    assert term_from_json({"type": "typed-literal", "datatype": str(XSD.boolean), "value": "1"}) == \
        Literal("true", datatype=XSD.boolean)
    assert term_from_json({"type": "bnode", "value": "nodeID://b10001"}) == BNode("b10001")
    assert term_from_json({"type": "typed-literal", "datatype": str(XSD.string), "value": "x"}) == Literal("x")
