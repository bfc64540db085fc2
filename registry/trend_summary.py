"""Precomputed trend counts: per year and per value of one dimension, refreshed by the build.

The yearly trends of ``registry.trends`` count every collective of the consolidated graph on each
call (at 1M collectives: seconds to minutes). After each consolidation the build calls
:func:`refresh`, which runs a few GROUP BY queries once and writes their counts into the summary
graph (``{base}graph/summary``), for the whole registry and for each value of each dimension
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
into both graphs, and consolidation replaces the consolidated graph whole, which drops the token
there. A summary whose token the consolidated graph does not hold is ignored.
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
"""

# per collective: its earliest founding year and latest dissolution year (as the active query sees them)
_ACTIVE = _PREFIXES + """SELECT ?value ?first ?last (COUNT(?c) AS ?n) WHERE {{
  {{ SELECT ?c (MIN(?foundedYear) AS ?first) (MAX(?dissolvedYear) AS ?last) WHERE {{
      GRAPH <{consolidated}> {{
        ?c a cc:CitizenCollective ; cc:lifecycleEvent ?founding .
        ?founding cc:eventType <{founding}> ; cc:eventYear ?foundedYear .
        OPTIONAL {{ ?c cc:lifecycleEvent ?dissolution .
                   ?dissolution cc:eventType <{dissolution}> ; cc:eventYear ?dissolvedYear }}
      }} }} GROUP BY ?c }}
DIMENSION
}} GROUP BY ?value ?first ?last"""

# as the flows query counts: distinct collectives per kind of event and year
_FLOWS = _PREFIXES + """SELECT ?value ?kind ?year (COUNT(DISTINCT ?c) AS ?n) WHERE {{
  GRAPH <{consolidated}> {{
    ?c a cc:CitizenCollective ; cc:lifecycleEvent ?event .
    ?event cc:eventType ?kind ; cc:eventYear ?year .
    VALUES ?kind {{ <{founding}> <{dissolution}> }}
  }}
DIMENSION
}} GROUP BY ?value ?kind ?year"""

_TOTALS = _PREFIXES + """SELECT ?value (COUNT(DISTINCT ?c) AS ?n) WHERE {{
  {{ SELECT DISTINCT ?c WHERE {{ GRAPH <{consolidated}> {{ ?c a cc:CitizenCollective }} }} }}
DIMENSION
}} GROUP BY ?value"""

_SEVERAL_VALUES = _PREFIXES + """ASK {{ GRAPH <{consolidated}> {{
  ?c a cc:CitizenCollective ; PATH ?a , ?b . FILTER(?a != ?b) }} }}"""

_CURRENT = """ASK {{ GRAPH <{consolidated}> {{ <{consolidated}> <{sum}token> ?token }}
       GRAPH <{summary}> {{ <{summary}> <{sum}token> ?token }} }}"""

_HEADER = """SELECT ?p ?o WHERE {{ GRAPH <{summary}> {{ <{summary}> ?p ?o }} }}"""


def _query(template: str, iris: RegistryIRIs, dimension: str) -> str:
    return template.format(**_params(iris)).replace("DIMENSION", _dimension_pattern(dimension, iris))


def refresh(store: Store, iris: RegistryIRIs) -> dict:
    """Count, and replace the summary graph; returns the number of rows per dimension."""
    from .trends import DIMENSIONS, first_year
    S = namespace(iris)
    graph_iri = summary_graph(iris)
    graph = Graph()
    token = Literal(uuid.uuid4().hex)
    graph.add((graph_iri, S.token, token))
    counted: dict[str, int] = {}
    integer_years = True
    for dimension in ("all", *DIMENSIONS):
        cells: dict[tuple, dict[str, int]] = {}
        for row in store.select(_query(_FLOWS, iris, dimension)):
            kind = "foundings" if str(row["kind"]).endswith("/founding") else "dissolutions"
            cells.setdefault((row["value"], row["year"]), {})[kind] = int(row["n"])
        for row in store.select(_query(_ACTIVE, iris, dimension)):
            first, last = row.get("first"), row.get("last")
            if not all(isinstance(y.toPython(), int) for y in (first, last) if y is not None):
                integer_years = False  # comparisons would differ from the query's: no active figures
                continue
            entered = cells.setdefault((row["value"], first), {})
            entered["entered"] = entered.get("entered", 0) + int(row["n"])
            if last is not None:
                year = Literal(max(int(first), int(last)), datatype=XSD.integer)
                left = cells.setdefault((row["value"], year), {})
                left["left"] = left.get("left", 0) + int(row["n"])
        if dimension == "municipality":
            for row in store.select(_query(_TOTALS, iris, dimension)):
                cells.setdefault((row["value"], None), {})["collectives"] = int(row["n"])
        for number, ((value, year), counts) in enumerate(sorted(cells.items(), key=lambda c: str(c[0]))):
            node = URIRef(f"{graph_iri}#{dimension}-{number}")
            graph.add((node, S.dimension, Literal(dimension)))
            if dimension != "all":
                graph.add((node, S.value, value))
            if year is not None:
                graph.add((node, S.year, year))
            for name in ("foundings", "dissolutions", "entered", "left", "collectives"):
                if name in counts or (year is not None and name != "collectives"):
                    graph.add((node, S[name], Literal(counts.get(name, 0), datatype=XSD.integer)))
        counted[dimension] = len(cells)
        if dimension != "all" and not store.ask(_query(_SEVERAL_VALUES, iris, dimension)
                                                .replace("PATH", DIMENSIONS[dimension][0])):
            graph.add((graph_iri, S.singleValued, Literal(dimension)))
    for metric in METRICS:
        if metric != "active" or integer_years:
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
