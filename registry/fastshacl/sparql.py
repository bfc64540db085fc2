"""``sh:sparql`` constraints over a batch of records, in one Oxigraph query per constraint.

Each record goes into its own named graph, and the constraint's SELECT runs inside
``GRAPH ?g { ... }`` with ``$this`` left free, so one query answers for the whole batch while
every record is still seen alone; the rows are then kept for the focus nodes the shape applies
to in that record (pySHACL runs the query once per focus node with ``$this`` pre-bound: same
rows, far fewer queries). When the ontology could take part in a query (one of its IRIs is a
predicate of the ontology, or it has a variable predicate or ``a``), the records are queried one
by one with the ontology merged in, as pySHACL sees them.
"""
from __future__ import annotations

import re

import pyoxigraph as ox

from .shapes import Shape, SparqlConstraint

_GRAPH_VAR = "__fastshacl_g"
_VARIABLE_PREDICATE = re.compile(r"[?$]\w+\s+[?$]\w+\s")
_A_KEYWORD = re.compile(r"(?<![\w:?$<])a(?![\w:>])")


_PLAIN_SELECT = re.compile(
    r"^(?P<prologue>.*?)\bSELECT\s+(?P<distinct>DISTINCT\s+|REDUCED\s+)?(?P<vars>(?:[?$]\w+\s*)+)"
    r"(?:WHERE\s*)?\{(?P<body>.*)\}\s*$", re.IGNORECASE | re.DOTALL)


def _inline_in_graph(text: str) -> str | None:
    """``SELECT $this ?value WHERE { P }`` → ``SELECT ?g $this ?value WHERE { GRAPH ?g { P } }``.

    (Oxigraph 0.5 leaves ``?g`` unbound around a sub-SELECT, so the pattern is moved, not nested.)
    """
    match = _PLAIN_SELECT.match(text)
    if match is None:
        return None
    return (f"{match['prologue']}SELECT {match['distinct'] or ''}?{_GRAPH_VAR} {match['vars']} "
            f"WHERE {{ GRAPH ?{_GRAPH_VAR} {{ {match['body']} }} }}")


def _where_part(select: str) -> str:
    start = select.find("{")
    return select[start:] if start >= 0 else select


class SparqlRunner:
    def __init__(self, ontology_triples: list[tuple], ontology_predicates: set[str]):
        self.ontology_quads = [ox.Quad(s, p, o, ox.DefaultGraph()) for s, p, o in ontology_triples]
        self.ontology_predicates = ontology_predicates
        self._queries: dict = {}

    def _query_for(self, shape: Shape, constraint: SparqlConstraint) -> tuple[str, bool]:
        key = (id(shape), id(constraint))
        if key not in self._queries:
            text = constraint.select
            if shape.path is not None:
                text = text.replace("$PATH", shape.path.sparql())
            body = _where_part(text)
            iris = set(re.findall(r"<([^<>\s]*)>", body))
            needs_ontology = bool(iris & self.ontology_predicates) or bool(_VARIABLE_PREDICATE.search(body)) \
                or bool(_A_KEYWORD.search(re.sub(r'"[^"]*"|<[^<>]*>', "", body)))
            wrapped = _inline_in_graph(text)
            if wrapped is None:  # not a plain SELECT of variables: query record by record
                needs_ontology = True
            self._queries[key] = (text if needs_ontology else wrapped, needs_ontology)
        return self._queries[key]

    def __call__(self, records: list[list[tuple]], focus_per_record: list[dict]) -> list[list[tuple]]:
        out: list[list[tuple]] = [[] for _ in records]
        wanted: dict = {}
        for i, pending in enumerate(focus_per_record):
            for key, (shape, constraint, focus) in pending.items():
                wanted.setdefault(key, (shape, constraint, {}))[2][i] = focus
        batch_store = None
        graphs: dict = {}
        for shape, constraint, per_record in wanted.values():
            query, needs_ontology = self._query_for(shape, constraint)
            if needs_ontology:
                for i, focus in per_record.items():
                    store = ox.Store()
                    store.extend(self.ontology_quads)
                    store.extend(ox.Quad(s, p, o, ox.DefaultGraph()) for s, p, o in set(records[i]))
                    for row in store.query(query):
                        this = row["this"]
                        if this in focus:
                            out[i].append(_result(shape, constraint, this, row))
                continue
            if batch_store is None:
                batch_store = ox.Store()
                quads = []
                for i in sorted({i for _, _, pr in wanted.values() for i in pr}):
                    graph = ox.NamedNode(f"urn:fastshacl:record:{i}")
                    graphs[graph] = i
                    quads.extend(ox.Quad(s, p, o, graph) for s, p, o in records[i])
                batch_store.extend(quads)
            for row in batch_store.query(query):
                i = graphs.get(row[_GRAPH_VAR])
                focus = per_record.get(i) if i is not None else None
                this = row["this"]
                if focus is not None and this in focus:
                    out[i].append(_result(shape, constraint, this, row))
        return out


def _result(shape: Shape, constraint: SparqlConstraint, this, row) -> tuple:
    try:
        path = row["path"]  # a query may bind ?path itself
    except (KeyError, IndexError):  # ... or not project it at all
        path = None
    return (this, shape.path if path is None else path, row["value"], shape, "sparql", constraint)
