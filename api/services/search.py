"""Searching collectives: a name query and filters, paged in a stable order, total on request.

Filters become fixed query fragments; their values are bound terms (``VALUES`` blocks written by
``registry.sparql_text.values_block``, literals bound by the store), never text from the request.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from registry.errors import InvalidInput
from registry import facet_index
from registry.facet_index import facets_for
from registry.namespaces import STANDARD_PREFIXES
from registry.search_index import NameIndexes
from registry.settings import Settings
from registry.sparql_text import values_block
from registry.store import Store

from . import municipalities, queries
from .collectives import ID_PATTERN
from .text import accent_pattern

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
MAX_OFFSET = 100_000
MAX_VALUES = 20
MAX_VALUES_BOUND = 5000  # name matches passed to a filter query as VALUES; past it, the filtered set
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
DATE = re.compile(r"^[12][0-9]{3}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$")

# filter name → (concept scheme, predicate in the query)
CONCEPT_FILTERS = {
    "sector": ("sector", "cc:sector"),
    "type": ("collective-type", "cc:collectiveType"),
    "legal_form": ("legal-form", "rov:orgType"),
    "role": ("role", "cc:societalRole"),
    "stage": ("lifecycle-stage", "cc:lifecycleStage"),
}


@dataclass
class SearchRequest:
    q: str | None = None
    concepts: dict[str, list[str]] = field(default_factory=dict)  # filter name → codes
    municipality: list[str] = field(default_factory=list)
    province: list[str] = field(default_factory=list)
    network: list[str] = field(default_factory=list)
    active_on: str | None = None
    founded_from: int | None = None
    founded_to: int | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    total: bool = False
    kind: str = "collective"


@dataclass
class SearchResult:
    things: list[URIRef]
    total: int | None
    merged: list[dict] = field(default_factory=list)  # municipalities asked by an ended code


def _check_list(name: str, values: list[str]) -> list[str]:
    values = [v.strip() for v in values if v and v.strip()]
    if len(values) > MAX_VALUES:
        raise InvalidInput(f"at most {MAX_VALUES} values for {name}")
    return values


def _name_query(request: SearchRequest) -> str:
    text = (request.q or "").strip()
    if len(text) > 200:
        raise InvalidInput("q is limited to 200 characters")
    return text


def _facets(request: SearchRequest, store: Store, settings: Settings) -> tuple[list[tuple[str, str, list]], list[dict]]:
    """The filters that name values of a property: (variable, property, values), and the
    municipalities asked for by an ended code."""
    iris = settings.iris
    facets, merged = [], []
    for name, (scheme, predicate) in CONCEPT_FILTERS.items():
        codes = _check_list(name, request.concepts.get(name, []))
        if not codes:
            continue
        for code in codes:
            if not CODE.match(code):
                raise InvalidInput(f"{name} takes codes like 'energy' (lower-case letters, digits, '-'), "
                                   f"got {code[:50]!r}")
        facets.append((f"f_{name}", predicate, [iris.concept(scheme, c) for c in codes]))
    places = []
    for text in _check_list("municipality", request.municipality):
        try:
            found = municipalities.resolve(store, settings, text)
        except Exception as exc:  # NotFound: an unknown municipality is a wrong parameter here
            if getattr(exc, "code", "") == "not_found":
                raise InvalidInput(f"unknown municipality {text[:100]!r}") from None
            raise
        places.append(URIRef(found.iri))
        if found.merged_from:
            merged.append(found.to_dict())
    if places:
        facets.append(("f_municipality", "cc:municipality", places))
    provinces = [municipalities.province(store, settings, p) for p in _check_list("province", request.province)]
    if provinces:
        facets.append(("f_province", "cc:province", provinces))
    networks = _check_list("network", request.network)
    for ident in networks:
        if not ID_PATTERN.match(ident):
            raise InvalidInput(f"not a network id: {ident[:50]!r}")
    if networks:
        facets.append(("f_network", "org:memberOf", [iris.network(n) for n in networks]))
    return facets, merged


def _filters(request: SearchRequest, store: Store, settings: Settings,
             with_name: bool = True) -> tuple[str, dict, list[dict]]:
    fragments, bindings = [], {}
    text = _name_query(request)
    if text and with_name:
        # a name or an alternate name matches (what registry/search_index.py finds)
        fragments.append('OPTIONAL { ?c schema:name ?f_hit FILTER(REGEX(STR(?f_hit), ?f_pattern, "i")) }')
        fragments.append('FILTER(BOUND(?f_hit) || EXISTS { ?c schema:alternateName ?f_alt '
                         'FILTER(REGEX(STR(?f_alt), ?f_pattern, "i")) }) BIND(COALESCE(?f_hit, ?n) AS ?f_key)')
        bindings["f_pattern"] = Literal(accent_pattern(text))
    facets, merged = _facets(request, store, settings)
    for variable, predicate, terms in facets:
        fragments.append(values_block(variable, terms) + f" ?c {predicate} ?{variable} .")
    if request.active_on:
        if not DATE.match(request.active_on):
            raise InvalidInput("active_on takes a date: YYYY, YYYY-MM or YYYY-MM-DD")
        fragments.append("OPTIONAL { ?c schema:foundingDate ?f_fd } OPTIONAL { ?c schema:dissolutionDate ?f_dd }\n"
                         "  FILTER((!BOUND(?f_fd) || STR(?f_fd) <= ?f_active) && (!BOUND(?f_dd) || STR(?f_dd) > ?f_active))")
        bindings["f_active"] = Literal(request.active_on)
    for bound, op, variable in ((request.founded_from, ">=", "f_from"), (request.founded_to, "<=", "f_to")):
        if bound is None:
            continue
        if not 1000 <= bound <= 2999:
            raise InvalidInput("founding years are between 1000 and 2999")
        if "?f_fy" not in " ".join(fragments):
            fragments.append("?c schema:foundingDate ?f_founded . "
                             "BIND(xsd:integer(SUBSTR(STR(?f_founded), 1, 4)) AS ?f_fy)")
        fragments.append(f"FILTER(?f_fy {op} ?{variable})")
        bindings[variable] = Literal(bound, datatype=XSD.integer)
    return "\n  ".join(sorted(fragments, key=_selectivity)), bindings, merged


# Oxigraph joins the patterns in the order written: the narrowest filters go first
# (municipality + sector at 100k collectives: ~250 ms with sector first, a few ms so)
_NARROW_FIRST = ("?f_municipality", "?f_network", "?f_province", "?f_")


def _selectivity(fragment: str) -> int:
    if fragment.startswith(("FILTER", "OPTIONAL")) or "BIND(" in fragment:
        return len(_NARROW_FIRST)  # filters over bound variables, and optional parts, after every join
    return next(i for i, marker in enumerate(_NARROW_FIRST) if marker in fragment)


def search(store: Store, settings: Settings, request: SearchRequest,
           names: NameIndexes | None = None) -> SearchResult:
    """The page of matches. With ``names`` a name query (``q``) uses the in-process name index
    (same matches, same order as the REGEX query, which runs without it), and a listing whose
    filters all name property values (sector, type, municipality, province, network…) comes from
    the in-process sets of ``registry.facet_index`` (same page and total as the SPARQL listing)."""
    if not 1 <= request.limit <= MAX_LIMIT:
        raise InvalidInput(f"limit is between 1 and {MAX_LIMIT}")
    if not 0 <= request.offset <= MAX_OFFSET:
        raise InvalidInput(f"offset is between 0 and {MAX_OFFSET}")
    by_values = not (request.active_on or request.founded_from is not None or request.founded_to is not None)
    if names is not None:
        klass = settings.iris.CC.Network if request.kind == "network" else settings.iris.CC.CitizenCollective
        # until the indexes are built for the store as it is now (a build at 1M takes ~40 s), the
        # SPARQL queries answer: a request never waits for a build
        named = bool(_name_query(request))
        ready = names.current(klass) is not None if named else facet_index.ready(names, klass)
        if by_values and ready:
            return _search_by_facets(store, settings, request, names)
        facet_index.build_soon(names, klass)
        if named and ready:
            return _search_by_index(store, settings, request, names)
    filters, bindings, merged = _filters(request, store, settings)
    klass = "cc:Network" if request.kind == "network" else "cc:CitizenCollective"
    head = queries.prologue(settings.iris)
    page = (queries.SEARCH_PAGE.replace("CLASS", klass).replace("FILTERS", filters)
            .replace("ORDER_KEY", "?f_key" if "?f_key" in filters else "?n")
            .replace("LIMIT_OFFSET", f"LIMIT {int(request.limit)} OFFSET {int(request.offset)}"))
    rows = store.select(head + page, bindings)
    total = None
    if request.total:
        count = queries.SEARCH_COUNT.replace("CLASS", klass).replace("FILTERS", filters)
        total = int(store.select(head + count, bindings)[0]["total"])
    return SearchResult([row["c"] for row in rows], total, merged)


def _search_by_facets(store: Store, settings: Settings, request: SearchRequest, names: NameIndexes) -> SearchResult:
    """Name and property filters only: the in-process indexes give the page (``registry.facet_index``;
    the same things in the same order as the SPARQL listing)."""
    iris = settings.iris
    klass = iris.CC.Network if request.kind == "network" else iris.CC.CitizenCollective
    facets = facets_for(names, klass)
    chosen, merged = _facets(request, store, settings)
    sets = [facets.places(_property(predicate, iris), terms) for _, predicate, terms in chosen]
    text = _name_query(request)
    if text and not sets:
        page, total = names.index(klass).page(text, request.offset, request.limit)
    elif text:  # in the order of the matching names, as the name index gives them
        place = facets.order.place
        ordered = [i for i in names.index(klass).search(text) if all(place.get(i, -1) in s for s in sets)]
        page, total = ordered[request.offset:request.offset + request.limit], len(ordered)
    else:
        page, total = facets.order.page(sets, request.offset, request.limit)
    return SearchResult([URIRef(i) for i in page], total if request.total else None, merged)


def _property(prefixed: str, iris) -> URIRef:
    prefix, local = prefixed.split(":", 1)
    return URIRef(str(iris.CC if prefix == "cc" else STANDARD_PREFIXES[prefix]) + local)


def _search_by_index(store: Store, settings: Settings, request: SearchRequest, names: NameIndexes) -> SearchResult:
    iris = settings.iris
    klass_iri = iris.CC.Network if request.kind == "network" else iris.CC.CitizenCollective
    index = names.index(klass_iri)
    filters, bindings, merged = _filters(request, store, settings, with_name=False)
    text = _name_query(request)
    if not filters.strip():
        ordered = index.search(text)
    else:
        # the other filters narrow the name matches: bound VALUES when they are few, else the filtered set
        matched = index.search(text)
        if not matched:
            ordered = []
        else:
            block = values_block("c", [URIRef(i) for i in matched]) if len(matched) <= MAX_VALUES_BOUND else ""
            query = (queries.prologue(iris) + queries.SEARCH_SET.replace("VALUES_BLOCK", block)
                     .replace("CLASS", "cc:Network" if request.kind == "network" else "cc:CitizenCollective")
                     .replace("FILTERS", filters))
            kept = {str(row["c"]) for row in store.select(query, bindings)}
            ordered = [i for i in matched if i in kept]
    page = ordered[request.offset:request.offset + request.limit]
    return SearchResult([URIRef(i) for i in page], len(ordered) if request.total else None, merged)
