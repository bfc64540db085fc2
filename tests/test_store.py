"""What only the embedded store does (the contract all stores keep is in test_store_backends.py)."""
from rdflib import URIRef

from registry.store.oxigraph import OxigraphStore

G = URIRef("https://example.org/graph/a")


def lines(numbers) -> bytes:
    return "".join(f'<https://example.org/r{i}> <https://example.org/p> "{i}" .\n' for i in numbers).encode()


def test_store_persists_on_disk(tmp_path):
    store = OxigraphStore(tmp_path / "store")
    store.replace_graph(G, lines(range(3)))
    store.flush()
    del store
    assert OxigraphStore(tmp_path / "store").triple_count(G) == 3


def test_a_changed_graph_gets_only_its_changes(tmp_path):
    store = OxigraphStore(tmp_path / "store")
    store.replace_graph(G, lines(range(1000)))
    store.replace_graph(G, lines(range(10, 1010)))  # 10 removed, 10 added: one update
    values = sorted(int(r["o"]) for r in store.select("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": G}))
    assert values == list(range(10, 1010))
    store.replace_graph(G, b'<https://example.org/x> <https://example.org/p> _:b .\n')  # blank nodes: swapped
    store.replace_graph(G, lines(range(2)))
    assert store.triple_count(G) == 2
    assert store.graphs() == [G]  # no staging graph left behind


def test_the_compared_replace_handles_subjects_met_twice_and_vanished_ones(tmp_path):
    store = OxigraphStore(tmp_path / "store")
    p, q = "<https://example.org/p>", "<https://example.org/q>"
    store.replace_graph(G, "".join(f'<https://example.org/r{i}> {p} "{i}" .\n<https://example.org/r{i}> {q} "x" .\n'
                                   for i in range(50)).encode())
    # r1's triples come in two runs, its old q value is gone; r2 changes; r3..r49 vanish; r60 is new
    new = (f'<https://example.org/r1> {p} "1" .\n<https://example.org/r0> {p} "0" .\n<https://example.org/r0> {q} "x" .\n'
           f'<https://example.org/r1> {q} "y" .\n<https://example.org/r2> {p} "two" .\n<https://example.org/r60> {p} "60" .\n')
    path = tmp_path / "new.nt"
    path.write_text(new, encoding="utf-8")
    store.replace_graph(G, path)
    got = {(str(r["s"]), str(r["p"]), str(r["o"]))
           for r in store.select("SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": G})}
    want = {(s[1:-1], pp[1:-1], o.strip('"')) for s, pp, o in
            (line.rstrip(" .").split(" ", 2) for line in new.splitlines())}
    assert got == want
    assert store.graphs() == [G]


def test_a_big_graph_is_bulk_loaded_and_an_unfinished_load_is_dropped_on_open(tmp_path, monkeypatch):
    import pyoxigraph as ox
    from registry.errors import StoreError
    from registry.store import oxigraph
    monkeypatch.setattr(oxigraph, "BULK_LOAD_BYTES", 1000)
    store = OxigraphStore(tmp_path / "store")
    store.replace_graph(G, lines(range(100)))  # bulk path
    assert store.triple_count(G) == 100 and store.graphs() == [G]
    other = URIRef("https://example.org/graph/b")
    try:
        store.replace_graph(other, lines(range(100)) + b'<https://example.org/x> <https://example.org/p> "broken')
    except StoreError:
        pass
    assert store.graphs() == [G]  # half a graph is worse than none
    # a process killed mid bulk load leaves its marker: the graph is dropped when the store is next opened
    store._store.add(ox.Quad(ox.NamedNode(str(other)), ox.NamedNode(oxigraph.LOADING_PREDICATE), ox.Literal("true"),
                             ox.NamedNode(str(other) + oxigraph.LOADING)))
    store._store.add(ox.Quad(ox.NamedNode("https://example.org/r1"), ox.NamedNode("https://example.org/p"),
                             ox.Literal("partial"), ox.NamedNode(str(other))))
    store.flush()
    del store
    assert OxigraphStore(tmp_path / "store").graphs() == [G]


def test_a_big_graph_loads_in_chunks_and_blank_nodes_keep_their_links_across_them(tmp_path, monkeypatch):
    from registry.store import oxigraph
    monkeypatch.setattr(oxigraph, "BULK_LOAD_BYTES", 1000)
    monkeypatch.setattr(oxigraph, "BULK_CHUNK", 7)
    store = OxigraphStore(tmp_path / "store")
    store.replace_graph(G, lines(range(100)))
    assert store.triple_count(G) == 100
    # a blank node named in the first chunk and described in the last
    linked = (b'<https://example.org/c> <https://example.org/address> _:a .\n' + lines(range(30))
              + b'_:a <https://example.org/postcode> "1234AB" .\n')
    store.replace_graph(URIRef("https://example.org/graph/b"), linked)
    rows = store.select("SELECT ?pc WHERE { <https://example.org/c> <https://example.org/address> ?a . "
                        "?a <https://example.org/postcode> ?pc }")
    assert [str(r["pc"]) for r in rows] == ["1234AB"]
    # a syntax error in a later chunk leaves no half graph
    broken = URIRef("https://example.org/graph/c")
    try:
        store.replace_graph(broken, lines(range(50)) + b'<https://example.org/x> <https://example.org/p> "broken')
    except oxigraph.StoreError:
        pass
    assert broken not in store.graphs()


def test_finding_a_needle_across_read_blocks():
    import io
    from registry.store.oxigraph import _contains
    data = io.BytesIO(b"abc_" + b":def")
    data.seek(1)
    assert _contains(data, b"_:", block=4) and data.tell() == 1
    assert not _contains(io.BytesIO(b"a_b:c_"), b"_:", block=2)
