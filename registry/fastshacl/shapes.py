"""Compile a SHACL shapes graph into plain Python objects, refusing what the engine cannot check.

Every ``sh:`` predicate used in the shapes graph must be one this module knows; anything else
raises ``UnsupportedShapeError`` naming the term and the shape, so the fast engine never passes
data that a full SHACL engine would reject.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from registry.store.terms import to_oxigraph

SH_NS = str(SH)

# sh: terms that describe shapes without constraining anything
_DESCRIPTIVE = {"name", "description", "message", "severity", "order", "group", "defaultValue", "deactivated"}
# sh: terms this engine evaluates (exact SHACL Core semantics, as pySHACL applies them)
_SUPPORTED = {
    "targetClass", "targetNode", "targetObjectsOf", "targetSubjectsOf", "property", "path",
    "minCount", "maxCount", "datatype", "nodeKind", "pattern", "flags", "in", "hasValue", "class", "node",
    "or", "and", "not", "xone", "closed", "ignoredProperties", "minInclusive", "maxInclusive",
    "minExclusive", "maxExclusive", "minLength", "maxLength", "languageIn", "uniqueLang", "lessThan",
    "lessThanOrEquals", "equals", "disjoint", "sparql", "select",
    # path constructors and terms only used as objects
    "inversePath", "alternativePath",
}
_CLASSES_AND_VALUES = {"NodeShape", "PropertyShape", "SPARQLConstraint", "Violation", "Warning", "Info",
                       "IRI", "Literal", "BlankNode", "BlankNodeOrIRI", "BlankNodeOrLiteral", "IRIOrLiteral",
                       "Shape"}
_UNSUPPORTED_PATHS = ("zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath")


class UnsupportedShapeError(ValueError):
    """The shapes use SHACL features the fast engine does not implement (see SHACL §4 / §5)."""


@dataclass(frozen=True)
class Path:
    """A property path: ``kind`` is ``pred``, ``inv``, ``alt`` or ``seq``."""

    kind: str
    predicate: ox.NamedNode | None = None
    parts: tuple["Path", ...] = ()
    rdflib_term: Node | None = None  # the path as written (a URIRef, or a literal of its text)

    def sparql(self) -> str:
        if self.kind == "pred":
            return f"<{self.predicate.value}>"
        if self.kind == "inv":
            return "^" + self.parts[0].sparql()
        joiner = "|" if self.kind == "alt" else "/"
        return "(" + joiner.join(p.sparql() for p in self.parts) + ")"


@dataclass
class SparqlConstraint:
    node: Node
    select: str
    messages: dict[str, str]


@dataclass
class Shape:
    node: Node  # rdflib term of the shape
    severity: str = "Violation"
    path: Path | None = None
    messages: dict[str, str] = field(default_factory=dict)
    deactivated: bool = False
    target_classes: list[ox.NamedNode] = field(default_factory=list)
    target_nodes: list = field(default_factory=list)
    target_subjects_of: list[ox.NamedNode] = field(default_factory=list)
    target_objects_of: list[ox.NamedNode] = field(default_factory=list)
    properties: list["Shape"] = field(default_factory=list)
    # (component local name, parameter) in a stable order; evaluated by engine.py
    constraints: list[tuple[str, object]] = field(default_factory=list)
    sparql: list[SparqlConstraint] = field(default_factory=list)
    closed_allowed: frozenset | None = None

    @property
    def has_targets(self) -> bool:
        return bool(self.target_classes or self.target_nodes or self.target_subjects_of or self.target_objects_of)


def _messages(graph: Graph, node: Node) -> dict[str, str]:
    found: dict[str, str] = {}
    for message in graph.objects(node, SH.message):
        if isinstance(message, Literal):
            found.setdefault(message.language or "", str(message))
    return found


def _local(term) -> str | None:
    text = str(term)
    return text[len(SH_NS):] if text.startswith(SH_NS) else None


def check_vocabulary(graph: Graph) -> None:
    """Every sh: predicate and every sh: object must be known; shapes must not use OWL/RDFS tricks
    the engine does not follow (implicit class targets are supported, SHACL-AF is not)."""
    for s, p, o in graph:
        name = _local(p)
        if name is not None and name not in _SUPPORTED and name not in _DESCRIPTIVE:
            raise UnsupportedShapeError(f"{p} (on {s}) is not implemented by the fast SHACL engine")
        if name in _UNSUPPORTED_PATHS:
            raise UnsupportedShapeError(f"{p} paths are not implemented by the fast SHACL engine")
        other = _local(o) if isinstance(o, URIRef) else None
        if other is not None and p != RDF.type and other not in _CLASSES_AND_VALUES and other not in _SUPPORTED:
            raise UnsupportedShapeError(f"{o} (object of {p} on {s}) is not implemented by the fast SHACL engine")
        if p == RDF.type and other is not None and other not in _CLASSES_AND_VALUES:
            raise UnsupportedShapeError(f"shapes typed {o} (SHACL-AF or other extensions) are not implemented")


class ShapesCompiler:
    def __init__(self, graph: Graph):
        self.graph = graph
        self.shapes: dict[Node, Shape] = {}
        check_vocabulary(graph)

    def all_shapes(self) -> list[Shape]:
        g = self.graph
        nodes = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
        for predicate in (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf, SH.path):
            nodes |= set(g.subjects(predicate, None))
        return [self.shape(n) for n in sorted(nodes, key=str)]

    def shape(self, node: Node) -> Shape:
        if node in self.shapes:
            return self.shapes[node]
        g = self.graph
        shape = Shape(node)
        self.shapes[node] = shape  # before recursing: shapes may refer to each other
        severity = g.value(node, SH.severity)
        shape.severity = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}.get(severity, "Violation") \
            if severity is not None else "Violation"
        if severity is not None and severity not in (SH.Violation, SH.Warning, SH.Info):
            raise UnsupportedShapeError(f"custom severity {severity} on {node}")
        shape.messages = _messages(g, node)
        shape.deactivated = g.value(node, SH.deactivated) == Literal(True)
        path = g.value(node, SH.path)
        if path is not None:
            shape.path = self.path(path)
        shape.target_classes = [to_oxigraph(c) for c in g.objects(node, SH.targetClass)]
        if (node, RDF.type, RDFS.Class) in g or (node, RDF.type, OWL.Class) in g:
            shape.target_classes.append(to_oxigraph(node))  # implicit class target
        shape.target_nodes = [to_oxigraph(n) for n in g.objects(node, SH.targetNode)]
        shape.target_subjects_of = [to_oxigraph(p) for p in g.objects(node, SH.targetSubjectsOf)]
        shape.target_objects_of = [to_oxigraph(p) for p in g.objects(node, SH.targetObjectsOf)]
        shape.properties = [self.shape(p) for p in sorted(g.objects(node, SH.property), key=str)]
        self._constraints(shape)
        return shape

    def path(self, node: Node) -> Path:
        g = self.graph
        if isinstance(node, URIRef):
            return Path("pred", predicate=ox.NamedNode(str(node)), rdflib_term=node)
        from registry.validation import _path_text  # the report's text for complex paths

        term = Literal(_path_text(g, node))
        inverse = g.value(node, SH.inversePath)
        if inverse is not None:
            return Path("inv", parts=(self.path(inverse),), rdflib_term=term)
        alternatives = g.value(node, SH.alternativePath)
        if alternatives is not None:
            return Path("alt", parts=tuple(self.path(p) for p in Collection(g, alternatives)), rdflib_term=term)
        if (node, RDF.first, None) in g:
            return Path("seq", parts=tuple(self.path(p) for p in Collection(g, node)), rdflib_term=term)
        raise UnsupportedShapeError(f"unsupported property path {node}")

    def _list(self, node: Node) -> list[Node]:
        return list(Collection(self.graph, node))

    def _one(self, node: Node, predicate) -> Node | None:
        values = list(self.graph.objects(node, predicate))
        if len(values) > 1:
            raise UnsupportedShapeError(f"{node} has more than one {predicate}")
        return values[0] if values else None

    def _constraints(self, shape: Shape) -> None:
        g, node, add = self.graph, shape.node, shape.constraints.append
        is_property = shape.path is not None
        for name in ("minCount", "maxCount"):
            value = self._one(node, SH[name])
            if value is not None:
                if not is_property:
                    raise UnsupportedShapeError(f"sh:{name} on node shape {node}")
                add((name, int(value)))
        for value in g.objects(node, SH.datatype):
            add(("datatype", value))
        for value in g.objects(node, SH.nodeKind):
            add(("nodeKind", value))
        flags = self._one(node, SH.flags)
        for value in g.objects(node, SH.pattern):
            re_flags = 0
            if flags is not None:
                text = str(flags).lower()
                re_flags |= (re.I if "i" in text else 0) | (re.M if "m" in text else 0) | \
                    (re.S if "s" in text else 0) | (re.X if "x" in text else 0)
            add(("pattern", re.compile(str(value), re_flags)))
        for value in g.objects(node, SH["in"]):
            add(("in", frozenset(to_oxigraph(v) for v in self._list(value))))
        for value in g.objects(node, SH.hasValue):
            add(("hasValue", to_oxigraph(value)))
        for value in g.objects(node, SH["class"]):
            add(("class", to_oxigraph(value)))
        for value in g.objects(node, SH.node):
            add(("node", self.shape(value)))
        for value in g.objects(node, SH["not"]):
            add(("not", self.shape(value)))
        for name in ("or", "and", "xone"):
            for value in g.objects(node, SH[name]):
                add((name, [self.shape(v) for v in self._list(value)]))
        for name in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
            for value in g.objects(node, SH[name]):
                add((name, value))
        for name in ("minLength", "maxLength"):
            for value in g.objects(node, SH[name]):
                add((name, int(value)))
        for value in g.objects(node, SH.languageIn):
            add(("languageIn", [str(v).lower() for v in self._list(value)]))
        if self._one(node, SH.uniqueLang) == Literal(True):
            if not is_property:
                raise UnsupportedShapeError(f"sh:uniqueLang on node shape {node}")
            add(("uniqueLang", True))
        for name in ("lessThan", "lessThanOrEquals", "equals", "disjoint"):
            for value in g.objects(node, SH[name]):
                if not isinstance(value, URIRef):
                    raise UnsupportedShapeError(f"sh:{name} with a non-IRI path on {node}")
                add((name, ox.NamedNode(str(value))))
        if self._one(node, SH.closed) == Literal(True):
            allowed = {ox.NamedNode(str(p.path.predicate.value)) for p in shape.properties
                       if p.path is not None and p.path.kind == "pred"}
            ignored = self._one(node, SH.ignoredProperties)
            if ignored is not None:
                allowed |= {to_oxigraph(p) for p in self._list(ignored)}
            shape.closed_allowed = frozenset(allowed)
        for constraint in g.objects(node, SH.sparql):
            if g.value(constraint, SH.deactivated) == Literal(True):
                continue
            select = self._one(constraint, SH.select)
            if select is None:
                raise UnsupportedShapeError(f"SPARQL constraint {constraint} without sh:select")
            text = str(select)
            for variable in ("$currentShape", "$shapesGraph", "?currentShape", "?shapesGraph"):
                if variable in text:
                    raise UnsupportedShapeError(f"{variable} in the SPARQL constraint of {node}")
            shape.sparql.append(SparqlConstraint(constraint, text, _messages(g, constraint) or shape.messages))


def compile_shapes(graph: Graph) -> list[Shape]:
    """All shapes of ``graph``, compiled (shapes reached through sh:property/sh:node included)."""
    return ShapesCompiler(graph).all_shapes()
