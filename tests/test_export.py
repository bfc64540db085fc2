"""Dumps and backups: every named graph survives export → fresh store → import; dumps are served and described."""
from __future__ import annotations

import gzip

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS

from api.app import create_app
from registry.export import (
    DUMP_FORMATS,
    available_dumps,
    export_dataset,
    import_dataset,
    write_dumps,
)
from registry.store.oxigraph import OxigraphStore
from tests.fixtures.api.support import api_settings, fixture_store


def nquads_by_graph(store) -> dict[str, list[str]]:
    """Each named graph's quads as sorted N-Quads lines, lines with blank nodes left out."""
    out: dict[str, list[str]] = {}
    for line in store_nquads(store).splitlines():
        if line.strip() and "_:" not in line:
            graph = line.rsplit(" ", 2)[-2]
            out.setdefault(graph, []).append(line)
    return {g: sorted(lines) for g, lines in out.items()}


def store_nquads(store) -> str:
    from io import BytesIO
    buffer = BytesIO()
    store.dump(buffer, "nq")
    return buffer.getvalue().decode("utf-8")


def non_empty_graphs(store) -> list[URIRef]:
    # N-Quads cannot state an empty graph (a quarantine graph with nothing in it): it is not restored
    return [g for g in store.graphs() if store.triple_count(g)]


def assert_same_dataset(original, copy) -> None:
    assert copy.graphs() == non_empty_graphs(original)
    assert nquads_by_graph(copy) == nquads_by_graph(original)
    for graph in copy.graphs():  # blank nodes too, up to renaming
        assert isomorphic(original.graph(graph), copy.graph(graph)), f"graph {graph} differs"


def test_fixture_data_round_trips(tmp_path):
    original = fixture_store()
    backup = export_dataset(original, tmp_path / "backup.nq.gz")
    assert backup.read_bytes()[:2] == b"\x1f\x8b"
    copy = OxigraphStore()
    import_dataset(copy, backup)
    assert len(copy.graphs()) == 3
    assert_same_dataset(original, copy)


def test_built_registry_round_trips_with_blank_nodes(built_store, tmp_path):
    backup = export_dataset(built_store, tmp_path / "built.nq.gz")
    copy = OxigraphStore(tmp_path / "restored")  # on disk, like a real restore
    import_dataset(copy, backup)
    assert_same_dataset(built_store, copy)


def test_import_replace_drops_what_the_backup_does_not_hold(tmp_path):
    backup = export_dataset(fixture_store(), tmp_path / "backup.nq.gz")
    target = OxigraphStore()
    target.load(b"<http://e/s> <http://e/p> <http://e/o> <http://e/stale> .", "nq")
    graphs = import_dataset(target, backup, replace=True)
    assert URIRef("http://e/stale") not in graphs and len(graphs) == 3


def test_import_reads_uncompressed_nquads(tmp_path):
    path = tmp_path / "plain.nq"
    path.write_text('<http://e/s> <http://e/p> "o" <http://e/g> .\n')
    assert import_dataset(OxigraphStore(), path) == [URIRef("http://e/g")]


def test_write_dumps_parse_back_to_the_store(tmp_path):
    store = fixture_store()
    settings = api_settings(data_dir=tmp_path)
    written = write_dumps(store, settings)
    assert [p.name for p in written] == [d.name for d in DUMP_FORMATS]
    assert sorted(p.name for p in (tmp_path / "dumps").iterdir()) == sorted(d.name for d in DUMP_FORMATS)  # no temp files
    expected = set(ox.parse(store_nquads(store).encode(), format=ox.RdfFormat.N_QUADS))
    for path, fmt in zip(written, (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)):
        quads = set(ox.parse(gzip.decompress(path.read_bytes()), format=fmt))
        assert quads == expected, path.name
    trig = gzip.decompress(written[1].read_bytes()).decode()
    assert "@prefix schema: <http://schema.org/>" in trig  # prefixed, readable Turtle syntax
    again = write_dumps(store, settings)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in written]  # same data, same bytes


def test_a_failed_dump_leaves_the_previous_file(tmp_path):
    settings = api_settings(data_dir=tmp_path)
    [first, _] = write_dumps(fixture_store(), settings)
    before = first.read_bytes()

    class Broken(OxigraphStore):
        def dump(self, output, format="nq", graph=None):
            output.write(b"<http://e/s> <http://e/p> ")
            raise OSError("disk trouble")

    with pytest.raises(OSError):
        write_dumps(Broken(), settings)
    assert first.read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "dumps").iterdir()) == sorted(d.name for d in DUMP_FORMATS)


@pytest.fixture
def served(tmp_path):
    settings = api_settings(data_dir=tmp_path)
    store = fixture_store()
    write_dumps(store, settings)
    return TestClient(create_app(settings, store)), settings


def test_dumps_are_served(served):
    client, settings = served
    r = client.get("/dumps/registry.nq.gz")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/gzip"
    assert "content-encoding" not in r.headers  # the file itself is the gzip: never compressed twice
    assert 'filename="registry.nq.gz"' in r.headers["content-disposition"]
    assert r.content == (settings.data_dir / "dumps" / "registry.nq.gz").read_bytes()
    assert r.headers.get("etag")
    assert client.get("/dumps/registry.nq.gz", headers={"if-none-match": r.headers["etag"]}).status_code == 304


@pytest.mark.parametrize("name", ["nope.nq.gz", "..%2F..%2Fpyproject.toml", "registry.nq", "store"])
def test_unknown_dumps_are_not_found(served, name):
    client, _ = served
    r = client.get(f"/dumps/{name}")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


def test_no_dumps_before_a_build(tmp_path):
    client = TestClient(create_app(api_settings(data_dir=tmp_path), fixture_store()))
    assert client.get("/dumps/registry.nq.gz").status_code == 404
    graph = Graph().parse(data=client.get("/dataset", headers={"accept": "text/turtle"}).text, format="turtle")
    assert not list(graph.subjects(DCAT.downloadURL, None))


def test_dataset_lists_the_dumps_with_size_and_media_type(served):
    client, settings = served
    graph = Graph().parse(data=client.get("/dataset", headers={"accept": "text/turtle"}).text, format="turtle")
    dataset = URIRef("https://example.org/cc/dataset")
    for found in available_dumps(settings):
        [node] = [s for s, o in graph.subject_objects(DCAT.downloadURL) if str(o).endswith("/dumps/" + found.dump.name)]
        assert (dataset, DCAT.distribution, node) in graph
        assert int(graph.value(node, DCAT.byteSize)) == found.size == found.path.stat().st_size
        assert str(graph.value(node, DCAT.mediaType)).endswith(found.dump.media_type)
        assert str(graph.value(node, DCAT.compressFormat)).endswith("application/gzip")
        assert graph.value(node, DCTERMS.modified) is not None
        url = str(graph.value(node, DCAT.downloadURL))
        assert client.get(url.replace("http://testserver", "")).status_code == 200
