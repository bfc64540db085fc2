"""``FastValidator``: the registry's shapes, compiled once, applied per record or per batch.

Gives the same ``ValidationReport`` / ``ValidationResult`` objects as
``registry.validation.Validator`` (pySHACL), with the same results.

>>> from rdflib import Graph
>>> data = Graph().parse(data='''
...     @prefix cc: <https://w3id.org/collectives-nl/def#> .
...     <https://w3id.org/collectives-nl/id/collective/c-1> a cc:CitizenCollective ;
...         cc:kvkNumber "123" .''', format="turtle")
>>> report = FastValidator().validate(data)
>>> report.conforms
False
>>> sorted({r.source_shape.split("#")[1] for r in report.violations})
['KvkNumberShape', 'OrganizationNameShape']
"""
from __future__ import annotations

from typing import Iterable, Sequence

from rdflib import BNode, Graph, Literal
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from registry.model import load_ontology, load_shapes
from registry.namespaces import RegistryIRIs
from registry.store.terms import to_oxigraph, to_rdflib
from registry.validation import ValidationReport, ValidationResult

from .engine import COMPONENT, Engine
from .shapes import Path, compile_shapes
from .sparql import SparqlRunner


class Outcome:
    """A record's results before conversion to rdflib: cheap to build, pickle and count."""

    __slots__ = ("results",)

    def __init__(self, results: list[tuple]):
        self.results = results

    @property
    def violations(self) -> int:
        return sum(1 for r in self.results if r[3].severity == "Violation")

    @property
    def conforms(self) -> bool:
        return not any(r[3].severity == "Violation" for r in self.results)


class FastValidator:
    """Validates records against the registry's shapes (or any shapes graph of the supported subset).

    ``validate(graph)`` takes one rdflib graph; ``validate_batch(graphs)`` several, each validated on
    its own (with the ontology and vocabularies merged in) but with SPARQL constraints run once
    for the batch; ``validate_quads(records)`` takes records as lists of pyoxigraph triples/quads
    and returns ``Outcome`` objects, for pipelines that never build rdflib graphs.
    """

    def __init__(self, iris: RegistryIRIs | None = None, *, recommended: bool = True,
                 shapes: Graph | None = None, ontology: Graph | None = None):
        self.iris = iris or RegistryIRIs()
        self.shapes_graph = shapes if shapes is not None else load_shapes(self.iris, recommended=recommended)
        ontology = ontology if ontology is not None else load_ontology(self.iris)
        self.shapes = compile_shapes(self.shapes_graph)
        triples = [(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in ontology]
        self.engine = Engine(self.shapes, triples,
                             SparqlRunner(triples, {str(p) for p in ontology.predicates()}))
        self._names = {}

    # pyoxigraph in, raw outcomes out -------------------------------------------------------------------
    def validate_quads(self, records: Sequence[Sequence]) -> list[Outcome]:
        """Records as sequences of pyoxigraph ``Quad``/``Triple`` objects or ``(s, p, o)`` tuples."""
        prepared = []
        for record in records:
            if record and not isinstance(record[0], tuple):
                record = [(q.subject, q.predicate, q.object) for q in record]
            prepared.append(record)
        return [Outcome(r) for r in self.engine.evaluate(prepared)]

    # rdflib in, reports out ------------------------------------------------------------------------------
    def validate(self, data: Graph) -> ValidationReport:
        return self.validate_batch([data])[0]

    def validate_batch(self, graphs: Iterable[Graph]) -> list[ValidationReport]:
        records, back = [], {}
        for graph in graphs:
            triples = []
            for s, p, o in graph:
                triple = []
                for term in (s, p, o):
                    converted = _convert(term, back)
                    triple.append(converted)
                triples.append(tuple(triple))
            records.append(triples)
        outcomes = self.engine.evaluate(records)
        return [self.report(outcome, back) for outcome in outcomes]

    def report(self, results: list[tuple] | Outcome, back: dict | None = None) -> ValidationReport:
        """A ``ValidationReport`` (with its SHACL report graph) from raw results."""
        if isinstance(results, Outcome):
            results = results.results
        back = back or {}
        converted = {self.result(r, back) for r in results}
        ordered = sorted(converted, key=lambda r: (r.severity != "Violation", str(r.focus_node), str(r.source_shape),
                                                    str(r.path), str(r.value)))
        conforms = not any(r.severity == "Violation" for r in ordered)
        return ValidationReport(conforms=conforms, results=ordered, graph=_report_graph(conforms, ordered))

    def result(self, raw: tuple, back: dict | None = None) -> ValidationResult:
        focus, path, value, shape, component, constraint = raw
        back = back or {}

        def term(t):
            if t is None:
                return None
            found = back.get(t)
            return found if found is not None else to_rdflib(t)

        if isinstance(path, Path):
            path_term = path.rdflib_term
        else:
            path_term = term(path)
        messages = dict(constraint.messages if constraint is not None else shape.messages)
        if constraint is not None:
            for lang, text in shape.messages.items():
                messages.setdefault(lang, text)
        return ValidationResult(
            focus_node=term(focus), path=path_term, value=term(value), severity=shape.severity,
            source_shape=shape.node, constraint=COMPONENT[component],
            messages=messages, rule_names=self._rule_names(shape.node),
        )

    def _rule_names(self, shape: Node) -> dict[str, str]:
        names = self._names.get(shape)
        if names is None:
            names = self._names[shape] = {(n.language or ""): str(n) for n in self.shapes_graph.objects(shape, SH.name)
                                          if isinstance(n, Literal)}
        return names


def _convert(term, back: dict):
    converted = to_oxigraph(term)
    if isinstance(term, Literal) or isinstance(term, BNode):
        back.setdefault(converted, term)
    return converted


def _report_graph(conforms: bool, results: list[ValidationResult]) -> Graph:
    graph = Graph()
    graph.bind("sh", SH)
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, Literal(conforms)))
    for r in results:
        node = BNode()
        graph.add((report, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.focusNode, r.focus_node))
        graph.add((node, SH.resultSeverity, SH[r.severity]))
        if r.source_shape is not None:
            graph.add((node, SH.sourceShape, r.source_shape))
        if r.constraint is not None:
            graph.add((node, SH.sourceConstraintComponent, r.constraint))
        if r.path is not None:
            graph.add((node, SH.resultPath, r.path))
        if r.value is not None:
            graph.add((node, SH.value, r.value))
        for lang, text in r.messages.items():
            graph.add((node, SH.resultMessage, Literal(text, lang=lang or None)))
    return graph
