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
