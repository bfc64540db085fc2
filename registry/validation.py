"""SHACL validation of registry data with pySHACL.

The ontology and vocabularies are merged into a copy of the data before validating: code lists are
checked through ``skos:inScheme`` and class targets through ``rdfs:subClassOf`` chains, and pySHACL
only sees either when they sit in the data graph itself. No inference is run (it is slow and not
needed for the shapes), and shapes are parsed once per ``Validator``.

>>> from rdflib import Graph
>>> data = Graph().parse(data='''
...     @prefix cc: <https://w3id.org/collectives-nl/def#> .
...     <https://w3id.org/collectives-nl/id/collective/c-1> a cc:CitizenCollective ;
...         cc:kvkNumber "123" .''', format="turtle")
>>> report = Validator().validate(data)
>>> report.conforms
False
>>> sorted({r.source_shape.split("#")[1] for r in report.violations})
['KvkNumberShape', 'OrganizationNameShape']
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pyshacl
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from .errors import InvalidInput
from .model import load_ontology, load_shapes
from .namespaces import RegistryIRIs
from .untrusted import check_rdf_xml

_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}

# file suffix -> rdflib parser name
RDF_FORMATS = {
    ".ttl": "turtle", ".turtle": "turtle", ".nt": "nt", ".ntriples": "nt", ".n3": "n3",
    ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml", ".xml": "xml", ".owl": "xml",
    ".trig": "trig", ".nq": "nquads",
}


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, with its messages by language (``""`` for untagged ones)."""

    focus_node: Node
    path: Node | None
    value: Node | None
    severity: str
    source_shape: Node | None
    constraint: Node | None
    messages: dict[str, str] = field(default_factory=dict, hash=False)
    rule_names: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def message(self, lang: str = "en") -> str:
        """The message in ``lang``, else English, else any message there is."""
        for key in (lang, "en", ""):
            if key in self.messages:
                return self.messages[key]
        return next(iter(self.messages.values()), "")

    def rule_name(self, lang: str = "en") -> str:
        """The ``sh:name`` of the source shape in ``lang``, else its local name."""
        for key in (lang, "en", ""):
            if key in self.rule_names:
                return self.rule_names[key]
        return _local_name(self.source_shape)

    def to_dict(self, lang: str = "en") -> dict:
        return {
            "focus_node": _text(self.focus_node),
            "path": _text(self.path),
            "value": _text(self.value),
            "severity": self.severity,
            "source_shape": _text(self.source_shape),
            "constraint": _text(self.constraint),
            "rule": self.rule_name(lang),
            "message": self.message(lang),
        }


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of a validation: ``conforms`` is False only when there are Violations."""

    conforms: bool
    results: list[ValidationResult]
    graph: Graph = field(repr=False, compare=False)

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Warning"]

    def to_dict(self, lang: str = "en") -> dict:
        return {
            "conforms": self.conforms,
            "violations": len(self.violations),
            "warnings": len(self.warnings),
            "results": [r.to_dict(lang) for r in self.results],
        }

    def to_text(self, lang: str = "en") -> str:
        lines = [f"conforms: {self.conforms} "
                 f"({len(self.violations)} violations, {len(self.warnings)} warnings)"]
        for r in self.results:
            where = _text(r.focus_node)
            if r.path is not None:
                where += f" {_text(r.path)}"
            value = f" [value: {_text(r.value)}]" if r.value is not None else ""
            lines.append(f"{r.severity}: {where}: {r.rule_name(lang)}: {r.message(lang)}{value}")
        return "\n".join(lines)


class Validator:
    """Validates graphs against the registry's shapes; build once, validate many times."""

    def __init__(self, iris: RegistryIRIs | None = None, *, recommended: bool = True):
        self.iris = iris or RegistryIRIs()
        self.shapes = load_shapes(self.iris, recommended=recommended)
        self.ontology = load_ontology(self.iris)

    def validate(self, data: Graph) -> ValidationReport:
        """Validate ``data`` (left untouched) with the ontology and vocabularies merged in."""
        merged = Graph()
        for triple in data:
            merged.add(triple)
        for triple in self.ontology:
            merged.add(triple)
        conforms, report_graph, _ = pyshacl.validate(
            merged,
            shacl_graph=self.shapes,
            inference="none",
            allow_warnings=True,
            inplace=True,
        )
        results = [self._result(report_graph, node) for node in report_graph.objects(None, SH.result)]
        results.sort(key=lambda r: (r.severity != "Violation", str(r.focus_node), str(r.source_shape)))
        return ValidationReport(conforms=bool(conforms), results=results, graph=report_graph)

    def validate_files(self, paths: Iterable[str | Path]) -> ValidationReport:
        """Parse the files (format by suffix) into one graph and validate it."""
        return self.validate(parse_files(paths))

    def _result(self, report: Graph, node: Node) -> ValidationResult:
        shape = report.value(node, SH.sourceShape)
        messages: dict[str, str] = {}
        for message in report.objects(node, SH.resultMessage):
            messages.setdefault(getattr(message, "language", None) or "", str(message))
        # pySHACL drops the language tags of SPARQL-constraint messages: add the shape's own.
        for message in self.shapes.objects(shape, SH.message) if shape is not None else ():
            if getattr(message, "language", None):
                messages.setdefault(message.language, str(message))
        return ValidationResult(
            focus_node=report.value(node, SH.focusNode),
            path=_path_term(report, report.value(node, SH.resultPath)),
            value=report.value(node, SH.value),
            severity=_SEVERITIES.get(report.value(node, SH.resultSeverity), "Violation"),
            source_shape=shape,
            constraint=report.value(node, SH.sourceConstraintComponent),
            messages=messages,
            rule_names=self._names(shape),
        )

    def _names(self, shape: Node | None) -> dict[str, str]:
        if shape is None:
            return {}
        return {(n.language or ""): str(n) for n in self.shapes.objects(shape, SH.name)
                if isinstance(n, Literal)}


def parse_rdf_file(path: str | Path) -> Graph:
    """One RDF file (Turtle, N-Triples, N3, JSON-LD, RDF/XML, TriG, N-Quads; format by suffix).

    Quads are flattened into one graph. Unknown suffixes and syntax errors raise ``InvalidInput``.
    """
    path = Path(path)
    fmt = RDF_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InvalidInput(f"unknown RDF file type: {path.name}", code="unknown_format")
    try:
        if fmt in ("trig", "nquads"):
            dataset = Dataset()
            dataset.parse(path, format=fmt)
            graph = Graph()
            for s, p, o, _ in dataset.quads():
                graph.add((s, p, o))
            return graph
        if fmt == "xml":
            check_rdf_xml(path.read_bytes())
        return Graph().parse(path, format=fmt)
    except (OSError, ValueError, SyntaxError) as exc:  # rdflib's parse errors derive from these
        raise InvalidInput(f"cannot read {path.name} as {fmt}: {exc}", code="unparseable_rdf") from exc


def parse_files(paths: Iterable[str | Path]) -> Graph:
    """One graph from several RDF files (see ``parse_rdf_file``)."""
    graph = Graph()
    for path in paths:
        graph += parse_rdf_file(path)
    return graph


def validate_files(paths: Iterable[str | Path], iris: RegistryIRIs | None = None) -> ValidationReport:
    """Convenience for one-off checks; build a ``Validator`` when validating more than once."""
    return Validator(iris).validate_files(paths)


def _path_term(report: Graph, path: Node | None) -> Node | None:
    """Blank-node paths from the report graph become a readable SPARQL property path literal."""
    if path is None or not isinstance(path, BNode):
        return path
    return Literal(_path_text(report, path))


def _path_text(graph: Graph, path: Node) -> str:
    if isinstance(path, URIRef):
        return f"<{path}>"
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path_text(graph, inverse)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path_text(graph, p) for p in Collection(graph, alternatives)) + ")"
    for predicate, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = graph.value(path, predicate)
        if inner is not None:
            return _path_text(graph, inner) + suffix
    if (path, RDF.first, None) in graph:  # a sequence path
        return "/".join(_path_text(graph, p) for p in Collection(graph, path))
    return str(path)


def _text(term: Node | None) -> str | None:
    return None if term is None else str(term)


def _local_name(term: Node | None) -> str:
    text = str(term or "")
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
