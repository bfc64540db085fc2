"""Evaluate compiled shapes over records held as pyoxigraph terms.

Each record is validated on its own, merged with the ontology and vocabularies (as
``registry.validation.Validator`` does): the ontology's index is built once and consulted next
to the record's own. Core constraints run in Python over dict indexes; ``sh:sparql``
constraints run once per batch in an Oxigraph store (see ``sparql.py``).
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from datetime import date, datetime, time
from typing import Iterable

import pyoxigraph as ox
from rdflib import Literal as RLiteral, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD

from .shapes import Path, Shape

RDF_TYPE = ox.NamedNode(str(RDF.type))
SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))
XSD_STRING = ox.NamedNode(str(XSD.string))
RDF_LANGSTRING = ox.NamedNode(str(RDF.langString))

_IRI_KINDS = {SH.IRI, SH.IRIOrLiteral, SH.BlankNodeOrIRI}
_BNODE_KINDS = {SH.BlankNode, SH.BlankNodeOrLiteral, SH.BlankNodeOrIRI}
_LITERAL_KINDS = {SH.Literal, SH.BlankNodeOrLiteral, SH.IRIOrLiteral}

COMPONENT = {
    "minCount": SH.MinCountConstraintComponent, "maxCount": SH.MaxCountConstraintComponent,
    "datatype": SH.DatatypeConstraintComponent, "nodeKind": SH.NodeKindConstraintComponent,
    "pattern": SH.PatternConstraintComponent, "in": SH.InConstraintComponent,
    "hasValue": SH.HasValueConstraintComponent, "class": SH.ClassConstraintComponent,
    "node": SH.NodeConstraintComponent, "not": SH.NotConstraintComponent, "or": SH.OrConstraintComponent,
    "and": SH.AndConstraintComponent, "xone": SH.XoneConstraintComponent,
    "closed": SH.ClosedConstraintComponent, "sparql": SH.SPARQLConstraintComponent,
    "minInclusive": SH.MinInclusiveConstraintComponent, "maxInclusive": SH.MaxInclusiveConstraintComponent,
    "minExclusive": SH.MinExclusiveConstraintComponent, "maxExclusive": SH.MaxExclusiveConstraintComponent,
    "minLength": SH.MinLengthConstraintComponent, "maxLength": SH.MaxLengthConstraintComponent,
    "languageIn": SH.LanguageInConstraintComponent, "uniqueLang": SH.UniqueLangConstraintComponent,
    "lessThan": SH.LessThanConstraintComponent, "lessThanOrEquals": SH.LessThanOrEqualsConstraintComponent,
    "equals": SH.EqualsConstraintComponent, "disjoint": SH.DisjointConstraintComponent,
}


class Index:
    """Triples by subject and predicate (and by object, for the predicates read backwards)."""

    __slots__ = ("out", "inv", "types", "by_pred", "has_subclass", "plain")

    def __init__(self, triples: Iterable[tuple], inverse_predicates: frozenset, target_predicates: frozenset):
        out: dict = {}
        inv: dict = {}
        types: dict = {}
        by_pred: dict = {}
        has_subclass = False
        for s, p, o in triples:
            po = out.get(s)
            if po is None:
                out[s] = po = {}
            values = po.get(p)
            if values is None:
                po[p] = [o]
            else:
                values.append(o)
            if p == RDF_TYPE:
                types.setdefault(o, []).append(s)
            elif p == SUBCLASS:
                has_subclass = True
            if p in inverse_predicates:
                inv.setdefault(o, {}).setdefault(p, []).append(s)
            if p in target_predicates:
                by_pred.setdefault(p, []).append((s, o))
        self.out, self.inv, self.types, self.by_pred, self.has_subclass = out, inv, types, by_pred, has_subclass
        self.plain = False  # set by the engine: the record neither subclasses nor describes ontology nodes


class Engine:
    """Shapes compiled once; ``evaluate(records)`` gives raw results per record."""

    def __init__(self, shapes: list[Shape], ontology_triples: list[tuple], sparql_runner=None):
        self.shapes = [s for s in shapes if s.has_targets and not s.deactivated]
        self.all_shapes = shapes
        inverse, targets = set(), set()
        for shape in shapes:
            if shape.path is not None:
                self._path_predicates(shape.path, inverse, False)
            targets.update(shape.target_subjects_of)
            targets.update(shape.target_objects_of)
        self.inverse_predicates = frozenset(inverse)
        self.target_predicates = frozenset(targets)
        self.ontology_set = frozenset(ontology_triples)
        self.ontology = Index(self.ontology_set, self.inverse_predicates, self.target_predicates)
        self.ontology_subclass = self._subclass_map(self.ontology, None)
        self.sparql_runner = sparql_runner
        self._literal_cache: dict = {}
        self._class_closure_cache: dict = {}
        self._conforms_cache: dict = {}
        self._ontology_subjects = frozenset(self.ontology.out) | frozenset(self.ontology.inv)

    @staticmethod
    def _path_predicates(path: Path, inverse: set, backwards: bool) -> None:
        if path.kind == "pred":
            if backwards:
                inverse.add(path.predicate)
        elif path.kind == "inv":
            Engine._path_predicates(path.parts[0], inverse, not backwards)
        else:
            for part in path.parts:
                Engine._path_predicates(part, inverse, backwards)

    # graph access (record ∪ ontology) --------------------------------------------------------------
    def _objects(self, idx: Index, s, p) -> list:
        po = idx.out.get(s)
        mine = po.get(p) if po else None
        po = self.ontology.out.get(s)
        theirs = po.get(p) if po else None
        if theirs is None:
            return mine or []
        return (mine or []) + theirs

    def _subjects(self, idx: Index, p, o) -> list:
        po = idx.inv.get(o)
        mine = po.get(p) if po else None
        po = self.ontology.inv.get(o)
        theirs = po.get(p) if po else None
        if theirs is None:
            return mine or []
        return (mine or []) + theirs

    def values(self, idx: Index, node, path: Path) -> list:
        kind = path.kind
        if kind == "pred":
            po = idx.out.get(node)
            mine = po.get(path.predicate) if po else None
            if idx.plain and node not in self._ontology_subjects:
                return mine or []
            return self._objects(idx, node, path.predicate)
        if kind == "inv":
            inner = path.parts[0]
            if inner.kind != "pred":
                raise NotImplementedError("inverse of a complex path")
            return self._subjects(idx, inner.predicate, node)
        if kind == "alt":
            found: dict = {}
            for part in path.parts:
                for v in self.values(idx, node, part):
                    found[v] = None
            return list(found)
        nodes = [node]
        for part in path.parts:  # sequence
            step: dict = {}
            for n in nodes:
                for v in self.values(idx, n, part):
                    step[v] = None
            nodes = list(step)
        return nodes

    @staticmethod
    def _subclass_map(idx: Index, extra: Index | None) -> dict:
        """class -> set of its subclasses (transitive, itself included)."""
        direct: dict = defaultdict(set)
        for index in (idx, extra) if extra is not None else (idx,):
            for s, po in index.out.items():
                for o in po.get(SUBCLASS, ()):
                    direct[o].add(s)
        return direct

    def _classes_below(self, cls, direct: dict) -> set:
        seen, frontier = {cls}, [cls]
        while frontier:
            c = frontier.pop()
            for sub in direct.get(c, ()):
                if sub not in seen:
                    seen.add(sub)
                    frontier.append(sub)
        return seen

    def _instances(self, idx: Index, cls) -> list:
        if idx.has_subclass:
            classes = self._classes_below(cls, self._subclass_map(self.ontology, idx))
        else:
            classes = self._class_closure_cache.get(cls)
            if classes is None:
                classes = self._class_closure_cache[cls] = self._classes_below(cls, self.ontology_subclass)
        found: dict = {}
        for c in classes:
            for n in idx.types.get(c, ()):
                found[n] = None
            for n in self.ontology.types.get(c, ()):
                found[n] = None
        return list(found)

    def _is_instance(self, idx: Index, node, cls) -> bool:
        types = self._objects(idx, node, RDF_TYPE)
        if not types:
            return False
        if cls in types:
            return True
        direct = self._subclass_map(self.ontology, idx) if idx.has_subclass else self.ontology_subclass
        return bool(self._classes_below(cls, direct).intersection(types))

    def focus_nodes(self, idx: Index, shape: Shape) -> list:
        found: dict = {}
        for cls in shape.target_classes:
            for n in self._instances(idx, cls):
                found[n] = None
        for n in shape.target_nodes:
            found[n] = None
        for p in shape.target_subjects_of:
            for index in (idx, self.ontology):
                for s, _ in index.by_pred.get(p, ()):
                    found[s] = None
        for p in shape.target_objects_of:
            for index in (idx, self.ontology):
                for _, o in index.by_pred.get(p, ()):
                    found[o] = None
        return list(found)

    # evaluation ----------------------------------------------------------------------------------------
    def evaluate(self, records: list[list[tuple]]) -> list[list[tuple]]:
        """Raw results per record: ``(focus, path, value, shape, component, sparql_constraint)``."""
        all_results: list[list[tuple]] = []
        sparql_focus: list[dict] = []
        indexes = []
        for triples in records:
            unique = set(triples)
            unique.difference_update(self.ontology_set)
            idx = Index(unique, self.inverse_predicates, self.target_predicates)
            idx.plain = not idx.has_subclass and self._ontology_subjects.isdisjoint(idx.out) \
                and self._ontology_subjects.isdisjoint(idx.inv)
            indexes.append(idx)
            results: list[tuple] = []
            pending: dict = {}
            for shape in self.shapes:
                for focus in self.focus_nodes(idx, shape):
                    self._validate_shape(idx, shape, focus, results, pending)
            all_results.append(results)
            sparql_focus.append(pending)
        if any(sparql_focus):
            if self.sparql_runner is None:
                raise RuntimeError("shapes with sh:sparql need a SPARQL runner")
            for i, rows in enumerate(self.sparql_runner(records, sparql_focus)):
                all_results[i].extend(rows)
        return all_results

    def _validate_shape(self, idx: Index, shape: Shape, focus, results: list, pending: dict) -> None:
        if shape.deactivated:
            return
        if shape.path is not None:
            values = self.values(idx, focus, shape.path)
        else:
            values = [focus]
        if shape.constraints:
            self._check(idx, shape, focus, values, results)
        if shape.closed_allowed is not None:
            po = idx.out.get(focus, {})
            extra = self.ontology.out.get(focus, {})
            for v in values:
                for source in (idx.out.get(v, {}), self.ontology.out.get(v, {})) if v is not focus else (po, extra):
                    for p, objects in source.items():
                        if p not in shape.closed_allowed:
                            for o in objects:
                                results.append((v, ox_path(p), o, shape, "closed", None))
        if shape.sparql:
            for constraint in shape.sparql:
                pending.setdefault((id(shape), id(constraint)), (shape, constraint, set()))[2].add(focus)
        for prop in shape.properties:
            for v in values:
                self._validate_shape(idx, prop, v, results, pending)

    def conforms(self, idx: Index, shape: Shape, node) -> bool:
        """Whether ``node`` conforms to ``shape`` (used by sh:node, sh:or, sh:not, ...).

        A node the record says nothing about (a code-list concept, say) is judged on the ontology
        alone, so the answer is kept for the next records.
        """
        cacheable = idx.plain and node not in idx.out and node not in idx.inv
        if cacheable:
            key = (id(shape), node)
            known = self._conforms_cache.get(key)
            if known is not None:
                return known
        results: list = []
        pending: dict = {}
        self._validate_shape(idx, shape, node, results, pending)
        if pending:
            raise NotImplementedError(f"sh:sparql inside a nested shape ({shape.node}) is not supported")
        if cacheable:
            if len(self._conforms_cache) > 100_000:
                self._conforms_cache.clear()
            self._conforms_cache[key] = not results
        return not results

    def _check(self, idx: Index, shape: Shape, focus, values: list, results: list) -> None:
        add = results.append
        path = shape.path
        for name, param in shape.constraints:
            if name == "minCount":
                if len(values) < param:
                    add((focus, path, None, shape, name, None))
            elif name == "maxCount":
                if len(values) > param:
                    add((focus, path, None, shape, name, None))
            elif name == "nodeKind":
                for v in values:
                    if isinstance(v, ox.NamedNode):
                        ok = param in _IRI_KINDS
                    elif isinstance(v, ox.Literal):
                        ok = param in _LITERAL_KINDS
                    else:
                        ok = param in _BNODE_KINDS
                    if not ok:
                        add((focus, path, v, shape, name, None))
            elif name == "pattern":
                for v in values:
                    if isinstance(v, ox.BlankNode) or not (param.match(v.value) or param.search(v.value)):
                        add((focus, path, v, shape, name, None))
            elif name == "datatype":
                for v in values:
                    if not self._datatype_matches(v, param):
                        add((focus, path, v, shape, name, None))
            elif name == "hasValue":
                if param not in values:
                    add((focus, path, None, shape, name, None))
            elif name == "in":
                for v in values:
                    if v not in param:
                        add((focus, path, v, shape, name, None))
            elif name == "class":
                for v in values:
                    if isinstance(v, ox.Literal) or not self._is_instance(idx, v, param):
                        add((focus, path, v, shape, name, None))
            elif name == "node":
                for v in values:
                    if not self.conforms(idx, param, v):
                        add((focus, path, v, shape, name, None))
            elif name == "not":
                for v in values:
                    if self.conforms(idx, param, v):
                        add((focus, path, v, shape, name, None))
            elif name == "or":
                for v in values:
                    if not any(self.conforms(idx, member, v) for member in param):
                        add((focus, path, v, shape, name, None))
            elif name == "and":
                for v in values:
                    if not all(self.conforms(idx, member, v) for member in param):
                        add((focus, path, v, shape, name, None))
            elif name == "xone":
                for v in values:
                    if sum(1 for member in param if self.conforms(idx, member, v)) != 1:
                        add((focus, path, v, shape, name, None))
            elif name in ("minLength", "maxLength"):
                for v in values:
                    if isinstance(v, ox.BlankNode):
                        add((focus, path, v, shape, name, None))
                        continue
                    size = len(v.value)
                    if (size < param) if name == "minLength" else (size > param):
                        add((focus, path, v, shape, name, None))
            elif name == "languageIn":
                for v in values:
                    lang = v.language.lower() if isinstance(v, ox.Literal) and v.language else None
                    if lang is None or not any(lang == r or lang.startswith(r + "-") or r == "*" for r in param):
                        add((focus, path, v, shape, name, None))
            elif name == "uniqueLang":
                seen: dict = {}
                for v in values:
                    if isinstance(v, ox.Literal) and v.language:
                        seen[v.language.lower()] = seen.get(v.language.lower(), 0) + 1
                for _ in (lang for lang, count in seen.items() if count > 1):
                    add((focus, path, None, shape, name, None))
            elif name in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
                for v in values:
                    if not self._in_range(v, name, param):
                        add((focus, path, v, shape, name, None))
            elif name in ("equals", "disjoint", "lessThan", "lessThanOrEquals"):
                others = self._objects(idx, focus, param)
                if name == "equals":
                    for v in values:
                        if v not in others:
                            add((focus, path, v, shape, name, None))
                    for o in others:
                        if o not in values:
                            add((focus, path, o, shape, name, None))
                elif name == "disjoint":
                    for v in values:
                        if v in others:
                            add((focus, path, v, shape, name, None))
                else:
                    for v in values:
                        for o in others:
                            if not self._less(v, o, name == "lessThanOrEquals"):
                                add((focus, path, v, shape, name, None))
            else:  # pragma: no cover - shapes.py admits only the components above
                raise NotImplementedError(name)

    # literals, judged exactly as rdflib (and so pySHACL) judges them ----------------------------------
    def rdflib_literal(self, v: ox.Literal) -> RLiteral:
        cached = self._literal_cache.get(v)
        if cached is None:
            if v.language:
                cached = RLiteral(v.value, lang=v.language)
            elif v.datatype == XSD_STRING:
                cached = RLiteral(v.value)
            else:
                cached = RLiteral(v.value, datatype=URIRef(v.datatype.value))
            if len(self._literal_cache) > 200_000:
                self._literal_cache.clear()
            self._literal_cache[v] = cached
        return cached

    def _datatype_matches(self, v, datatype) -> bool:
        if not isinstance(v, ox.Literal):
            return False
        lit = self.rdflib_literal(v)
        if lit.datatype == datatype:
            if getattr(lit, "ill_typed", None) is True:
                return False
            return _actual_datatype(lit, datatype)
        if datatype == RDFS.Literal:
            return True
        if datatype == RDFS.Datatype and lit.datatype:
            return True
        if lit.datatype is None and lit.language is None and datatype == XSD.string:
            return _actual_datatype(lit, datatype)
        if datatype == RDF.langString and lit.language:
            return _actual_datatype(lit, datatype)
        return False

    def _in_range(self, v, name: str, bound) -> bool:
        if not isinstance(v, ox.Literal):
            return False
        try:
            value = self.rdflib_literal(v)
            if name == "minInclusive":
                return bool(value >= bound)
            if name == "maxInclusive":
                return bool(value <= bound)
            if name == "minExclusive":
                return bool(value > bound)
            return bool(value < bound)
        except TypeError:
            return False

    def _less(self, a, b, or_equal: bool) -> bool:
        if not (isinstance(a, ox.Literal) and isinstance(b, ox.Literal)):
            return False
        try:
            x, y = self.rdflib_literal(a), self.rdflib_literal(b)
            return bool(x <= y) if or_equal else bool(x < y)
        except TypeError:
            return False


def ox_path(predicate: ox.NamedNode) -> Path:
    return Path("pred", predicate=predicate, rdflib_term=URIRef(predicate.value))


def _actual_datatype(lit: RLiteral, datatype) -> bool:
    value = lit.value
    if datatype in (XSD.string, RDF.langString):
        return isinstance(value, (str, bytes))
    if datatype == XSD.integer:
        return isinstance(value, int)
    if datatype == XSD.float:
        return isinstance(value, float)
    if datatype == XSD.decimal:
        return isinstance(value, Decimal)
    if datatype == XSD.boolean:
        return isinstance(value, bool)
    if datatype == XSD.date:
        return isinstance(value, date)
    if datatype == XSD.time:
        return isinstance(value, time)
    if datatype == XSD.dateTime:
        return isinstance(value, datetime)
    return True
