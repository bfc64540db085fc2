"""The store interface: every store (embedded, remote SPARQL) offers these operations.

Data lives in named graphs only; queries see the union of all named graphs as their default
graph, so a plain ``SELECT`` spans every source while ``GRAPH <g>`` narrows to one.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import BinaryIO, Iterable, Mapping

from rdflib import Graph, URIRef
from rdflib.term import Node

Bindings = Mapping[str, Node]
Row = dict[str, Node]

# media types for the formats stores read and write
RDF_FORMATS = {
    "nt": "application/n-triples",
    "nq": "application/n-quads",
    "ttl": "text/turtle",
    "trig": "application/trig",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
}
RESULT_FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}


class Store(ABC):
    """A quad store with SPARQL. Values from user input go in through ``bindings``."""

    def public_view(self, graphs) -> "Store":
        """The store as its users see it: queries without a dataset of their own see ``graphs``
        (consolidated, vocabulary, identity, metadata) as default graph instead of the union of
        every graph, so per-source copies of a collective are not counted twice. Until the first
        of ``graphs`` exists (nothing consolidated yet) queries still see the union."""
        return self

    @abstractmethod
    def select(self, query: str, bindings: Bindings | None = None) -> list[Row]: ...

    def select_values(self, query: str, variables: tuple[str, ...],
                      bindings: Bindings | None = None) -> list[tuple[str | None, ...]]:
        """The lexical values of ``variables`` per solution (None when unbound): for results of
        a million rows, where making rdflib terms costs more than the query."""
        return [tuple(None if row.get(v) is None else str(row[v]) for v in variables)
                for row in self.select(query, bindings)]

    @abstractmethod
    def ask(self, query: str, bindings: Bindings | None = None) -> bool: ...

    @abstractmethod
    def construct(self, query: str, bindings: Bindings | None = None) -> Graph: ...

    @abstractmethod
    def query_serialized(self, query: str, media_type: str, *,
                         default_graphs: list[str] | None = None,
                         named_graphs: list[str] | None = None) -> tuple[bytes, str]:
        """Run any query and serialize its result; returns (body, query form)."""

    @abstractmethod
    def update(self, update: str) -> None: ...

    @abstractmethod
    def replace_graph(self, graph: URIRef, data: Graph | bytes, format: str = "nt") -> None:
        """Replace a named graph atomically: readers see the old or the new graph, never half."""

    @abstractmethod
    def add(self, graph: URIRef, data: Graph | Iterable) -> None: ...

    @abstractmethod
    def load(self, source: bytes | str | BinaryIO, format: str, graph: URIRef | None = None) -> None:
        """Bulk-load a serialization (a path, bytes or a binary stream) into a graph or, for quads, its graphs."""

    @abstractmethod
    def dump(self, output: BinaryIO, format: str = "nq", graph: URIRef | None = None) -> None: ...

    @abstractmethod
    def graphs(self) -> list[URIRef]: ...

    @abstractmethod
    def drop_graph(self, graph: URIRef) -> None: ...

    def drop_staging_graphs(self) -> int:
        """Remove staging graphs left by an interrupted replace; returns how many."""
        return 0

    def triple_count(self, graph: URIRef | None = None) -> int:
        if graph is None:
            rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        else:
            rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": graph})
        return int(rows[0]["n"])

    def graph(self, graph: URIRef) -> Graph:
        """One named graph as an rdflib graph (for small graphs)."""
        return self.construct("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": graph})

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
