"""The embedded store: pyoxigraph on a persistent directory (or in memory for tests)."""
from __future__ import annotations

import copy
import io
import itertools
import uuid
from pathlib import Path
from typing import BinaryIO, Iterable

import pyoxigraph as ox
from rdflib import Graph, URIRef

from ..errors import QuerySyntaxError, StoreError
from ..sparql_text import bind, has_dataset
from ..untrusted import check_rdf_xml
from .base import RDF_FORMATS, RESULT_FORMATS, Bindings, Row, Store
from .terms import to_oxigraph, to_rdflib

MAX_CHANGES = 250_000  # changed triples that one update may carry; more are swapped in whole
BULK_LOAD_BYTES = 16 << 20  # bodies above this go into an empty graph by bulk load
BULK_CHUNK = 250_000  # N-Triples lines per bulk load
LOADING = "#staging-loading"  # suffix of the marker graph of an unfinished bulk load
LOADING_PREDICATE = "urn:x-collectives-registry:loading"

_RDF = {ext: ox.RdfFormat.from_media_type(mt) for ext, mt in RDF_FORMATS.items()}
_RESULTS = {mt: ox.QueryResultsFormat.from_media_type(mt) for mt in RESULT_FORMATS.values()}


def rdf_format(name: str) -> ox.RdfFormat:
    fmt = _RDF.get(name) or ox.RdfFormat.from_media_type(name) or ox.RdfFormat.from_extension(name)
    if fmt is None:
        raise StoreError(f"unknown RDF format {name!r}", code="unknown_format")
    return fmt


class OxigraphStore(Store):
    """>>> store = OxigraphStore()        # in memory; OxigraphStore("var/store") persists"""

    def __init__(self, path: str | Path | None = None):
        self.default_graphs: tuple[str, ...] = ()
        try:
            if path:
                Path(path).mkdir(parents=True, exist_ok=True)
            self._store = ox.Store(str(path)) if path else ox.Store()
            if path:
                self.drop_staging_graphs()  # a process killed mid-write leaves nothing half-done visible
        except OSError as exc:
            if "lock" in str(exc).lower():
                raise StoreError(f"the store at {path} is in use by another process (a running `collectives serve` "
                                 "or build); stop it first", code="store_in_use") from exc
            raise StoreError(f"cannot open the store at {path}: {exc}", code="store_unavailable") from exc
        self.path = path

    def dataset_options(self, default_graphs=None, named_graphs=None, query: str | None = None) -> dict:
        """pyoxigraph query options for a dataset: the given default graphs, else the query's own
        (``FROM``, ``FROM NAMED``: no options, as any option replaces them), else this store's
        public ones (once the first of them exists), else the union of all named graphs."""
        if not default_graphs and not named_graphs and query is not None and has_dataset(query):
            return {}
        if not default_graphs and self.default_graphs and self._store.contains_named_graph(
                ox.NamedNode(self.default_graphs[0])):
            default_graphs = self.default_graphs
        kw: dict = {"use_default_graph_as_union": not default_graphs}
        if default_graphs:
            kw["default_graph"] = [ox.NamedNode(str(g)) for g in default_graphs]
        if named_graphs:
            kw["named_graphs"] = [ox.NamedNode(str(g)) for g in named_graphs]
        return kw

    def public_view(self, graphs) -> "OxigraphStore":
        """The same store, whose queries see ``graphs`` as their default graph (see Store.public_view)."""
        view = copy.copy(self)
        view.default_graphs = tuple(str(g) for g in graphs)
        return view

    def _query(self, query: str, bindings: Bindings | None = None, default_graphs=None, named_graphs=None):
        try:
            text = bind(query, bindings)
            return self._store.query(text, **self.dataset_options(default_graphs, named_graphs, query=text))
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc

    def select(self, query: str, bindings: Bindings | None = None) -> list[Row]:
        solutions = self._query(query, bindings)
        names = [v.value for v in solutions.variables]
        rows = []
        for solution in solutions:
            row = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = to_rdflib(value)
            rows.append(row)
        return rows

    def select_values(self, query: str, variables: tuple[str, ...],
                      bindings: Bindings | None = None) -> list[tuple[str | None, ...]]:
        return [tuple(None if (term := solution[v]) is None else term.value for v in variables)
                for solution in self._query(query, bindings)]

    def ask(self, query: str, bindings: Bindings | None = None) -> bool:
        return bool(self._query(query, bindings))

    def construct(self, query: str, bindings: Bindings | None = None) -> Graph:
        triples = self._query(query, bindings)
        graph = Graph()
        for triple in triples:
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
        return graph

    def query_serialized(self, query, media_type, *, default_graphs=None, named_graphs=None):
        result = self._query(query, default_graphs=default_graphs, named_graphs=named_graphs)
        if isinstance(result, ox.QueryTriples):
            return result.serialize(format=rdf_format(media_type)), "graph"
        fmt = _RESULTS.get(media_type)
        if fmt is None:
            raise StoreError(f"cannot write query results as {media_type}", code="not_acceptable")
        form = "ask" if isinstance(result, ox.QueryBoolean) else "select"
        return result.serialize(format=fmt), form

    def update(self, update: str) -> None:
        try:
            self._store.update(update)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc

    def _serialize(self, data: Graph) -> bytes:
        return data.serialize(format="nt", encoding="utf-8")

    def replace_graph(self, graph: URIRef, data: Graph | bytes | Path, format: str = "nt") -> None:
        """Atomic, and cheap in the common cases: every write below is one oxigraph transaction.

        On disk, deleting and moving quads is what costs (a MOVE of 400k quads takes ~30 s, a
        transactional load ~5 s), so: an empty graph is loaded directly; a graph that changed a
        little gets one update with only the changes; anything else is loaded into a private
        staging graph and swapped in with one MOVE. ``data`` may be a path, so that a big graph
        never has to be held in memory.
        """
        source = self._serialize(data) if isinstance(data, Graph) else data
        fmt = rdf_format(format)
        if fmt == ox.RdfFormat.RDF_XML:
            check_rdf_xml(_head(source))
        target = ox.NamedNode(str(graph))
        try:
            if not any(True for _ in self._store.quads_for_pattern(None, None, None, target)):
                self._load_into_empty(target, source, fmt)
            elif not self._apply_changes(target, source, fmt):
                staging = ox.NamedNode(f"{graph}#staging-{uuid.uuid4().hex}")
                try:
                    self._store.bulk_load(format=fmt, to_graph=staging, **_input(source))
                except BaseException:
                    self._store.remove_graph(staging)
                    raise
                self._store.update(f"MOVE SILENT GRAPH <{staging.value}> TO GRAPH <{graph}>")
        except (SyntaxError, ValueError) as exc:  # loads are transactional: nothing was written
            raise StoreError(f"cannot parse the data for {graph}: {exc}", code="invalid_rdf") from exc
        if not self._store.contains_named_graph(target):
            self._store.add_graph(target)  # an empty replacement still exists

    def _load_into_empty(self, target, source: bytes | Path, fmt) -> None:
        """One transaction for ordinary graphs; a bulk load under a marker for big ones.

        A transaction holds all its writes in memory (a 4M-quad graph took 98 s and 7.8 GB), a
        bulk load does not. Should the process die mid-load, the marker graph names the
        incomplete graph, which the store drops when it is next opened.
        """
        size = Path(source).stat().st_size if isinstance(source, (str, Path)) else len(source)
        if size < BULK_LOAD_BYTES:
            self._store.load(format=fmt, to_graph=target, **_input(source))
            return
        marker = ox.NamedNode(f"{target.value}{LOADING}")
        self._store.add(ox.Quad(target, ox.NamedNode(LOADING_PREDICATE), ox.Literal("true"), marker))
        self._store.flush()
        try:
            if fmt == ox.RdfFormat.N_TRIPLES:
                self._bulk_load_in_chunks(target, source)
            else:
                self._store.bulk_load(format=fmt, to_graph=target, **_input(source))
        except (SyntaxError, ValueError):
            self._store.remove_graph(target)  # half a graph is worse than none
            raise
        finally:
            self._store.flush()
            self._store.remove_graph(marker)

    def _bulk_load_in_chunks(self, target, source: bytes | Path) -> None:
        """N-Triples in chunks of ``BULK_CHUNK`` lines: pyoxigraph's bulk loader buffers ~1M quads
        per thread (a 3.4M-quad graph peaked at 2.3 GB in one load, 0.3 GB in chunks). Blank node
        labels only hold within one load, so data with blank nodes goes as parsed quads instead
        (labels kept; ~1.7× slower)."""
        with _open(source) as stream:
            if _contains(stream, b"_:"):
                quads = ox.parse(stream, format=ox.RdfFormat.N_TRIPLES)
                while batch := [ox.Quad(q.subject, q.predicate, q.object, target)
                                for q in itertools.islice(quads, BULK_CHUNK)]:
                    self._store.bulk_extend(batch)
            else:
                while chunk := list(itertools.islice(stream, BULK_CHUNK)):
                    self._store.bulk_load(b"".join(chunk), format=ox.RdfFormat.N_TRIPLES, to_graph=target)
        # many small bulk loads leave many files for every read to look through (at 100k, a rebuild
        # comparing such a graph subject by subject wrote in 52 s, 31 s after merging them, which took 8 s)
        self._store.optimize()

    def _apply_changes(self, target, source: bytes | Path, fmt) -> bool:
        """Replace by one update holding only the changed triples; False when that does not pay.

        Streams: the new triples are compared subject by subject with the stored ones, so only
        the changes (at most MAX_CHANGES) and the set of subjects are held, whatever the size
        of the graph. A subject met again later in the data is checked against the store.
        """
        removed: set = set()
        added: set = set()
        compared: set = set()
        stored_seen = 0
        for subject, quads in _by_subject(ox.parse(format=fmt, **_input(source)), target):
            if isinstance(subject, ox.BlankNode) or any(isinstance(q.object, ox.BlankNode) for q in quads):
                return False  # DELETE DATA cannot name blank nodes
            if subject in compared:
                for q in quads:
                    if q in removed:
                        removed.discard(q)
                    elif q not in self._store:
                        added.add(q)
            else:
                compared.add(subject)
                old = set(self._store.quads_for_pattern(subject, None, None, target))
                stored_seen += len(old)
                removed |= old - quads
                added |= quads - old
            if len(removed) + len(added) > MAX_CHANGES:
                return False
        if stored_seen < self._count(target):  # some subjects are gone altogether: find them
            for quad in self._store.quads_for_pattern(None, None, None, target):
                if quad.subject not in compared:
                    if isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode):
                        return False
                    removed.add(quad)
                    if len(removed) + len(added) > MAX_CHANGES:
                        return False
        if removed or added:
            graph = f"<{target.value}>"
            self._store.update(
                f"DELETE DATA {{ GRAPH {graph} {{ {_triples_text(removed)} }} }} ;\n"
                f"INSERT DATA {{ GRAPH {graph} {{ {_triples_text(added)} }} }}")
        return True

    def _count(self, graph) -> int:
        solution = next(iter(self._store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}")))
        return int(solution["n"].value)

    def drop_staging_graphs(self) -> int:
        """Remove what a killed process left behind: staging graphs (never swapped in) and graphs
        whose bulk load did not finish (named by their marker graph)."""
        stale = [g for g in self._store.named_graphs() if isinstance(g, ox.NamedNode) and "#staging-" in g.value]
        for g in stale:
            if g.value.endswith(LOADING):
                self._store.remove_graph(ox.NamedNode(g.value.removesuffix(LOADING)))
            self._store.remove_graph(g)
        return len(stale)

    def add(self, graph: URIRef, data: Graph | Iterable) -> None:
        g = ox.NamedNode(str(graph))
        self._store.extend(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), g) for s, p, o in data)

    def load(self, source, format: str, graph: URIRef | None = None) -> None:
        fmt = rdf_format(format)
        kw = {"to_graph": ox.NamedNode(str(graph))} if graph is not None and not fmt.supports_datasets else {}
        if fmt == ox.RdfFormat.RDF_XML:
            if isinstance(source, (str, Path)):
                with open(source, "rb") as handle:
                    check_rdf_xml(handle.read(1 << 20))
            elif isinstance(source, bytes):
                check_rdf_xml(source)
            else:
                source = source.read()
                check_rdf_xml(source)
        try:
            if isinstance(source, (str, Path)):
                self._store.bulk_load(path=str(source), format=fmt, **kw)
            else:
                self._store.bulk_load(source, format=fmt, **kw)
        except (SyntaxError, ValueError) as exc:
            raise StoreError(f"cannot load: {exc}", code="invalid_rdf") from exc

    def dump(self, output: BinaryIO, format: str = "nq", graph: URIRef | None = None) -> None:
        fmt = rdf_format(format)
        if graph is not None:
            self._store.dump(output, format=fmt, from_graph=ox.NamedNode(str(graph)))
        elif fmt.supports_datasets:
            self._store.dump(output, format=fmt)
        else:
            raise StoreError(f"{format} holds one graph: name the graph to dump", code="unknown_format")

    def graphs(self) -> list[URIRef]:
        return sorted(URIRef(g.value) for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def drop_graph(self, graph: URIRef) -> None:
        self._store.update(f"DROP SILENT GRAPH <{graph}>")

    def flush(self) -> None:
        self._store.flush()

    def close(self) -> None:
        # pyoxigraph closes on garbage collection; drop our reference
        self._store = None


def _input(source: bytes | str | Path) -> dict:
    """pyoxigraph's keyword for data given as bytes or as a path."""
    return {"path": str(source)} if isinstance(source, (str, Path)) else {"input": source}


def _open(source: bytes | str | Path) -> BinaryIO:
    return open(source, "rb") if isinstance(source, (str, Path)) else io.BytesIO(source)


def _contains(stream: BinaryIO, needle: bytes, block: int = 1 << 24) -> bool:
    """Whether the rest of ``stream`` contains ``needle``; the stream is rewound to where it was."""
    start, tail = stream.tell(), b""
    try:
        while data := stream.read(block):
            if needle in tail + data[:len(needle) - 1] or needle in data:
                return True
            tail = data[-(len(needle) - 1):]
        return False
    finally:
        stream.seek(start)


def _head(source: bytes | str | Path, size: int = 1 << 20) -> bytes:
    if isinstance(source, (str, Path)):
        with open(source, "rb") as handle:
            return handle.read(size)
    return source


def _by_subject(triples, graph):
    """Runs of consecutive triples with the same subject, as (subject, set of quads in ``graph``)."""
    subject, run = None, set()
    for t in triples:
        if t.subject != subject:
            if run:
                yield subject, run
            subject, run = t.subject, set()
        run.add(ox.Quad(t.subject, t.predicate, t.object, graph))
    if run:
        yield subject, run


def _triples_text(quads) -> str:
    return " ".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
