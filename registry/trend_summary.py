"""Precomputed trend counts: per year and per value of one dimension, refreshed by the build.

The yearly trends of ``registry.trends`` count every collective of the consolidated graph on each
call (at 1M collectives: seconds to minutes). After each consolidation the build calls
:func:`refresh`, which runs one GROUP BY query per dimension (seven in all; ~18 s at 100k
collectives on the embedded store) and writes the counts into the summary graph
(``{base}graph/summary``), for the whole registry and for each value of each dimension
(``registry.trends.DIMENSIONS``; ``"unknown"`` for collectives without one), per year:

``foundings``    collectives with a founding event in the year (what the ``flows`` query counts)
``dissolutions`` collectives with a dissolution event in the year
``entered``      collectives whose earliest founding year is the year
``left``         founded collectives with a dissolution, counted in their latest dissolution year
                 (or their earliest founding year, when that is later)

so that the ``active`` count at the end of year Y, Σ entered(≤ Y) − Σ left(≤ Y), is what the
on-the-fly query counts (founded in or before Y, and no dissolution or one after Y), and per
municipality the number of collectives (the ``municipalities`` metric).

``registry.trends`` answers from the summary when a figure needs at most one dimension — none,
one ``by``, or one filter (several values of a filter only for a dimension in which no collective
has two values) — and the summary is current; other figures are computed on the fly. The query
shown with a figure (``--show-query``, the API's ``query``) is then the SELECT over the summary graph
that made it.

Current means made from the consolidated graph as it is: :func:`refresh` writes a random token
into both graphs (one triple about the graph itself in each), and consolidation replaces the
consolidated graph whole, which drops the token there. A summary whose token the consolidated graph does not hold is ignored.
"""
from __future__ import annotations

import re
import uuid
from datetime import date

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

from .namespaces import RegistryIRIs
from .sparql_text import values_block
from .store import Store

METRICS = ("active", "flows", "municipalities")


def namespace(iris: RegistryIRIs) -> Namespace:
    return Namespace(f"{iris.base}def/summary#")


def summary_graph(iris: RegistryIRIs) -> URIRef:
    return iris.graph("summary")


def _params(iris: RegistryIRIs) -> dict:
    return {"cc": iris.CC, "consolidated": iris.consolidated_graph, "summary": summary_graph(iris),
            "vocabulary": iris.vocabulary_graph, "sum": namespace(iris),
            "founding": iris.concept("event-type", "founding"),
            "dissolution": iris.concept("event-type", "dissolution")}


def _dimension_pattern(name: str, iris: RegistryIRIs) -> str:
    from .trends import DIMENSIONS
    if name == "all":
        return '  BIND("all" AS ?value)'
    return (f"  OPTIONAL {{ GRAPH <{iris.consolidated_graph}> {{ ?c {DIMENSIONS[name][0]} ?dimValue }} }}\n"
            '  BIND(COALESCE(?dimValue, "unknown") AS ?value)')


_PREFIXES = """PREFIX cc: <{cc}>
PREFIX rov: <http://www.w3.org/ns/regorg#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

# one query per dimension: per value, how many collectives have each set of founding and dissolution
# years ("f2010 d2015"; a "?" marks a year that is not a canonical xsd:integer)
_COUNTS = _PREFIXES + """SELECT ?value ?events (COUNT(?c) AS ?n) WHERE {{
  {{ SELECT ?c (GROUP_CONCAT(DISTINCT ?token; SEPARATOR=" ") AS ?events) WHERE {{
      GRAPH <{consolidated}> {{
        ?c a cc:CitizenCollective .
        OPTIONAL {{ ?c cc:lifecycleEvent ?event . ?event cc:eventType ?kind ; cc:eventYear ?year
                   FILTER(?kind IN (<{founding}>, <{dissolution}>))
                   BIND(CONCAT(IF(?kind = <{founding}>, "f", "d"), STR(?year),
                               IF(DATATYPE(?year) = xsd:integer && STR(xsd:integer(?year)) = STR(?year), "", "?"))
                        AS ?token) }}
      }}
    }} GROUP BY ?c }}
DIMENSION
}} GROUP BY ?value ?events"""

_CURRENT = """ASK {{ GRAPH <{consolidated}> {{ <{consolidated}> <{sum}token> ?token }}
       GRAPH <{summary}> {{ <{summary}> <{sum}token> ?token }} }}"""

_HEADER = """SELECT ?p ?o WHERE {{ GRAPH <{summary}> {{ <{summary}> ?p ?o }} }}"""


def _query(template: str, iris: RegistryIRIs, dimension: str) -> str:
    return template.format(**_params(iris)).replace("DIMENSION", _dimension_pattern(dimension, iris))


def _year(value: int) -> Literal:
    return Literal(value, datatype=XSD.integer)


def _cells(rows) -> tuple[dict, bool]:
    """(value, year or None) → counts, from the rows of the counts query; and whether every year
    was a canonical integer (else the active figures would compare differently from the query's)."""
    cells: dict[tuple, dict[str, int]] = {}
    integer_years = True

    def count(value, year, name, n):
        cell = cells.setdefault((value, year), {})
        cell[name] = cell.get(name, 0) + n

    for row in rows:
        value, n = row["value"], int(row["n"])
        count(value, None, "collectives", n)
        tokens = str(row.get("events", "")).split()
        if any(t.endswith("?") for t in tokens):
            integer_years = False
            continue
        founded = {int(t[1:]) for t in tokens if t[0] == "f"}
        dissolved = {int(t[1:]) for t in tokens if t[0] == "d"}
        for year in founded:
            count(value, _year(year), "foundings", n)
        for year in dissolved:
            count(value, _year(year), "dissolutions", n)
        if founded:
            count(value, _year(min(founded)), "entered", n)
            if dissolved:
                count(value, _year(max(min(founded), max(dissolved))), "left", n)
    return cells, integer_years


def refresh(store: Store, iris: RegistryIRIs) -> dict:
    """Count (one query per dimension) and replace the summary graph; returns the rows per dimension."""
    from .trends import DIMENSIONS, first_year
    S = namespace(iris)
    graph_iri = summary_graph(iris)
    graph = Graph()
    token = Literal(uuid.uuid4().hex)
    graph.add((graph_iri, S.token, token))
    counted: dict[str, int] = {}
    integer_years, collectives = True, None
    for dimension in ("all", *DIMENSIONS):
        cells, integers = _cells(store.select(_query(_COUNTS, iris, dimension)))
        integer_years = integer_years and integers
        pairs = sum(c.get("collectives", 0) for (_, year), c in cells.items() if year is None)
        if dimension == "all":
            collectives = pairs
        elif pairs == collectives:  # one value (or none) per collective: counts of several values add up
            graph.add((graph_iri, S.singleValued, Literal(dimension)))
        for number, ((value, year), counts) in enumerate(sorted(cells.items(), key=lambda c: str(c[0]))):
            if year is None and dimension != "municipality":
                continue  # totals serve the municipalities metric only
            node = URIRef(f"{graph_iri}#{dimension}-{number}")
            graph.add((node, S.dimension, Literal(dimension)))
            if dimension != "all":
                graph.add((node, S.value, value))
            if year is None:
                graph.add((node, S.collectives, Literal(counts["collectives"], datatype=XSD.integer)))
                continue
            graph.add((node, S.year, year))
            for name in ("foundings", "dissolutions", "entered", "left"):
                graph.add((node, S[name], Literal(counts.get(name, 0), datatype=XSD.integer)))
        counted[dimension] = len(cells)
    for metric in METRICS:
        if metric == "municipalities" or integer_years:
            graph.add((graph_iri, S.metric, Literal(metric)))
    first = first_year(store, iris)
    if first is not None:
        graph.add((graph_iri, S.firstYear, Literal(first, datatype=XSD.integer)))
    graph.add((graph_iri, RDF.type, S.Summary))
    store.replace_graph(graph_iri, graph)
    consolidated = f"<{iris.consolidated_graph}>"
    store.update(f"DELETE {{ GRAPH {consolidated} {{ {consolidated} <{S.token}> ?t }} }} "
                 f"WHERE {{ GRAPH {consolidated} {{ {consolidated} <{S.token}> ?t }} }}")
    store.add(iris.consolidated_graph, [(iris.consolidated_graph, S.token, token)])
    return counted


def header(store: Store, iris: RegistryIRIs) -> dict | None:
    """The current summary's metrics, single-valued dimensions and first year; None when there is
    no summary or it was made from another consolidated graph."""
    if not store.ask(_CURRENT.format(**_params(iris))):
        return None
    S = namespace(iris)
    found = {"metrics": set(), "single_valued": set(), "first_year": None}
    for row in store.select(_HEADER.format(**_params(iris))):
        if row["p"] == S.metric:
            found["metrics"].add(str(row["o"]))
        elif row["p"] == S.singleValued:
            found["single_valued"].add(str(row["o"]))
        elif row["p"] == S.firstYear:
            found["first_year"] = int(row["o"])
    return found


_SUMMARY_HEAD = """# from the counts precomputed after consolidation in <{summary}>
# (registry/trend_summary.py: the same figure as the query over the consolidated graph)
PREFIX sum: <{sum}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

_SUMMARY_BODY = {
    "active": """# collectives active at the end of each year: founded in or before it (earliest founding year),
# less those dissolved in or before it (latest dissolution year, or founding year when later)
SELECT ?year {dims} (SUM(?entered - ?left) AS ?active) WHERE {{
  {years}
  GRAPH <{summary}> {{ ?row sum:dimension "{dimension}" ;{value} sum:year ?y ; sum:entered ?entered ; sum:left ?left . }}
  {restrict}FILTER(?y <= ?year)
}} GROUP BY ?year {dims} HAVING (SUM(?entered - ?left) > 0) ORDER BY ?year {dims}""",

    "flows": """# foundings, dissolutions and net growth per year
SELECT ?year {dims} (SUM(?f) AS ?foundings) (SUM(?d) AS ?dissolutions) ((SUM(?f) - SUM(?d)) AS ?net) WHERE {{
  GRAPH <{summary}> {{ ?row sum:dimension "{dimension}" ;{value} sum:year ?year ; sum:foundings ?f ; sum:dissolutions ?d . }}
  {restrict}
}} GROUP BY ?year {dims} HAVING (SUM(?f) + SUM(?d) > 0) ORDER BY ?year {dims}""",

    "municipalities": """# collectives per municipality (current municipality, after municipal reorganisations)
SELECT ?municipality ?name ?collectives WHERE {{
  GRAPH <{summary}> {{ ?row sum:dimension "municipality" ; sum:value ?municipality ; sum:collectives ?collectives . }}
  OPTIONAL {{ GRAPH <{vocabulary}> {{ ?municipality skos:prefLabel ?name }} }}
}} ORDER BY DESC(?collectives) ?municipality""",
}


def summary_query(store: Store, iris: RegistryIRIs, spec) -> str | None:
    """The query over the summary graph for a ``registry.trends.TrendSpec``, or None when the
    summary cannot give that figure (or is not current). Fills ``spec.years`` for ``active``."""
    from .trends import _filter_terms
    if spec.metric not in METRICS:
        return None
    by, filters = tuple(spec.by), dict(spec.filters)
    if spec.metric == "municipalities" and (by or filters):
        return None
    if len(by) + len(filters) > 1:
        return None
    found = header(store, iris)
    if found is None or spec.metric not in found["metrics"]:
        return None
    dimension, restrict, value, dims = "all", "", "", ""
    if by:
        dimension = by[0]
        dims = "?" + dimension.replace("-", "_")
        value = f" sum:value {dims} ;"
    elif filters:
        (dimension, given), = filters.items()
        terms = _filter_terms(dimension, given, iris)
        if len(set(terms)) > 1 and dimension not in found["single_valued"]:
            return None  # a collective with two of the values would be counted twice
        value = " sum:value ?v ;"
        restrict = values_block("v", sorted(set(terms))) + "\n  "
    params = {**_params(iris), "dimension": dimension, "value": value, "restrict": restrict, "dims": dims,
              "years": ""}
    if spec.metric == "active":
        if spec.years is None:
            spec.years = (found["first_year"] or date.today().year, date.today().year)
        first, last = spec.years
        params["years"] = "VALUES ?year { " + " ".join(str(y) for y in range(int(first), int(last) + 1)) + " }"
    text = (_SUMMARY_HEAD + _SUMMARY_BODY[spec.metric]).format(**params)
    return re.sub(r"(?<=\S) {2,}(?=\S)", " ", re.sub(r"(?m)^\s*\n", "", text).replace(" \n", "\n"))
