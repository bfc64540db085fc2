"""Trend statistics over the consolidated graph, each figure from a SPARQL query one can read and re-run.

Metrics (``trend_query(metric, …)`` gives the query, ``trends(store, iris, metric, …)`` runs it):

``active``        collectives active at the end of each year: founded in or before the year,
                  not dissolved in or before it (counted by the integer ``cc:eventYear``,
                  never ``YEAR()`` on an ``xsd:gYear``)
``active-at``     collectives active on one date; a founding known to the year or month counts
                  from its first day, a dissolution from its last day
``flows``         foundings, dissolutions and net growth per year
``survival``      per founding cohort: how many were founded, how many are still active at the
                  end of year ``cohort + N``, and the share (only cohorts observed N years)
``indicators``    indicator observations (members, solar kWp, …) summed per year, taking each
                  collective's latest observation in the year
``municipalities`` collectives per municipality (and per 10,000 inhabitants when populations are given)
``sources``       collectives each source contributes, and how many only that source knows

Collectives are the canonical ``cc:CitizenCollective`` nodes of the consolidated graph; those
without a founding date are not placed in time (they count in the coverage metrics only).
Filters (any combination; several values of one filter mean *any of*): ``sector``,
``collective-type``, ``legal-form``, ``province``, ``municipality``, ``network``; the same
names work as dimensions in ``by`` (a collective with two sectors counts once in each).

>>> from registry.namespaces import RegistryIRIs
>>> print(trend_query("flows", RegistryIRIs(), filters={"sector": ["energy"]}).splitlines()[-1])
} GROUP BY ?year ORDER BY ?year
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import product
from pathlib import Path

from rdflib import Literal, URIRef

from .errors import InvalidInput
from .identifiers import normalise_gm_code
from .namespaces import RegistryIRIs, municipality_iri, province_iri
from .reference import Reference
from .sparql_text import bind, values_block
from .store import Store

METRICS = ("active", "active-at", "flows", "survival", "indicators", "municipalities", "sources")
DIMENSIONS = {  # name → (property path on the collective, concept scheme for short codes)
    "sector": ("cc:sector", "sector"),
    "collective-type": ("cc:collectiveType", "collective-type"),
    "legal-form": ("rov:orgType", "legal-form"),
    "province": ("cc:province", None),
    "municipality": ("cc:municipality", None),
    "network": ("org:memberOf", None),
}

PREFIXES = """PREFIX cc: <{cc}>
PREFIX rov: <http://www.w3.org/ns/regorg#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX sosa: <http://www.w3.org/ns/sosa/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

_BODY = {
    "active": """# collectives active at the end of each year (founded in or before it, not dissolved in or before it)
SELECT ?year {dims} (COUNT(DISTINCT ?c) AS ?active) WHERE {{
  {years}
  GRAPH <{consolidated}> {{
    ?c a cc:CitizenCollective ; cc:lifecycleEvent ?founding .
    ?founding cc:eventType <{founding}> ; cc:eventYear ?foundedYear .
    OPTIONAL {{ ?c cc:lifecycleEvent ?dissolution .
               ?dissolution cc:eventType <{dissolution}> ; cc:eventYear ?dissolvedYear }}
{patterns}  }}
  FILTER(?foundedYear <= ?year && (!BOUND(?dissolvedYear) || ?dissolvedYear > ?year))
}} GROUP BY ?year {dims} ORDER BY ?year {dims}""",

    "active-at": """# collectives active on {at}: a year- or month-precise founding counts from its first day,
# a dissolution from its last day
SELECT {dims} (COUNT(DISTINCT ?c) AS ?active) WHERE {{
  GRAPH <{consolidated}> {{
    ?c a cc:CitizenCollective ; cc:lifecycleEvent ?founding .
    ?founding cc:eventType <{founding}> ; cc:eventDate ?foundedOn .
    OPTIONAL {{ ?c cc:lifecycleEvent ?dissolution .
               ?dissolution cc:eventType <{dissolution}> ; cc:eventDate ?dissolvedOn }}
{patterns}  }}
  BIND(IF(DATATYPE(?foundedOn) = xsd:gYear, CONCAT(STR(?foundedOn), "-01-01"),
       IF(DATATYPE(?foundedOn) = xsd:gYearMonth, CONCAT(STR(?foundedOn), "-01"), STR(?foundedOn))) AS ?from)
  BIND(IF(DATATYPE(?dissolvedOn) = xsd:gYear, CONCAT(STR(?dissolvedOn), "-12-31"),
       IF(DATATYPE(?dissolvedOn) = xsd:gYearMonth, CONCAT(STR(?dissolvedOn), "-31"), STR(?dissolvedOn))) AS ?until)
  FILTER(?from <= ?at && (!BOUND(?dissolvedOn) || ?until > ?at))
}}{group}""",

    "flows": """# foundings, dissolutions and net growth per year
SELECT ?year {dims} (COUNT(DISTINCT ?founded) AS ?foundings) (COUNT(DISTINCT ?dissolved) AS ?dissolutions)
       ((COUNT(DISTINCT ?founded) - COUNT(DISTINCT ?dissolved)) AS ?net) WHERE {{
  GRAPH <{consolidated}> {{
    ?c a cc:CitizenCollective ; cc:lifecycleEvent ?event .
    ?event cc:eventType ?kind ; cc:eventYear ?year .
    VALUES ?kind {{ <{founding}> <{dissolution}> }}
{patterns}  }}
  BIND(IF(?kind = <{founding}>, ?c, ?none) AS ?founded)
  BIND(IF(?kind = <{dissolution}>, ?c, ?none) AS ?dissolved)
}} GROUP BY ?year {dims} ORDER BY ?year {dims}""",

    "survival": """# founding cohorts: how many are still active at the end of year cohort + {after}
SELECT ?cohort {dims} (COUNT(DISTINCT ?c) AS ?founded) (COUNT(DISTINCT ?survivor) AS ?surviving)
       ((COUNT(DISTINCT ?survivor) / COUNT(DISTINCT ?c)) AS ?share) WHERE {{
  GRAPH <{consolidated}> {{
    ?c a cc:CitizenCollective ; cc:lifecycleEvent ?founding .
    ?founding cc:eventType <{founding}> ; cc:eventYear ?cohort .
    OPTIONAL {{ ?c cc:lifecycleEvent ?dissolution .
               ?dissolution cc:eventType <{dissolution}> ; cc:eventYear ?dissolvedYear }}
{patterns}  }}
  FILTER(?cohort + {after} <= {until})
  BIND(IF(!BOUND(?dissolvedYear) || ?dissolvedYear > ?cohort + {after}, ?c, ?none) AS ?survivor)
}} GROUP BY ?cohort {dims} ORDER BY ?cohort {dims}""",

    "indicators": """# indicators summed per year, from each collective's latest observation in that year
SELECT ?year ?indicator {dims} (SUM(?value) AS ?total) (COUNT(DISTINCT ?c) AS ?collectives) WHERE {{
  {{ SELECT ?c ?indicator ?year (MAX(STR(?date)) AS ?latest) WHERE {{
      GRAPH <{consolidated}> {{ ?observation sosa:hasFeatureOfInterest ?c ;
          sosa:observedProperty ?indicator ; cc:referenceDate ?date . }}
      BIND(xsd:integer(SUBSTR(STR(?date), 1, 4)) AS ?year)
    }} GROUP BY ?c ?indicator ?year }}
  GRAPH <{consolidated}> {{
    ?c a cc:CitizenCollective .
    ?observation sosa:hasFeatureOfInterest ?c ; sosa:observedProperty ?indicator ;
        cc:referenceDate ?date ; sosa:hasSimpleResult ?value .
{patterns}  }}
  FILTER(STR(?date) = ?latest)
}} GROUP BY ?year ?indicator {dims} ORDER BY ?indicator ?year {dims}""",

    # the label is joined inside the OPTIONAL: joined on the COALESCEd ?municipality after it,
    # Virtuoso 7.2 gave "unknown" as every municipality
    "municipalities": """# collectives per municipality (current municipality, after municipal reorganisations)
SELECT ?municipality ?name {dims} (COUNT(DISTINCT ?c) AS ?collectives) WHERE {{
  GRAPH <{consolidated}> {{
    ?c a cc:CitizenCollective .
    OPTIONAL {{ ?c cc:municipality ?knownMunicipality
               OPTIONAL {{ GRAPH <{vocabulary}> {{ ?knownMunicipality skos:prefLabel ?name }} }} }}
{patterns}  }}
  BIND(COALESCE(?knownMunicipality, "unknown") AS ?municipality)
}} GROUP BY ?municipality ?name {dims} ORDER BY DESC(?collectives) ?municipality""",

    "sources": """# collectives each source contributes, and how many no other source knows
SELECT ?source (COUNT(DISTINCT ?c) AS ?collectives) (COUNT(DISTINCT ?only) AS ?only_this_source) WHERE {{
  {{ SELECT DISTINCT ?c ?source WHERE {{
      GRAPH <{identity}> {{ ?record foaf:primaryTopic ?c }}
      GRAPH ?g {{ ?record cc:source ?source }} FILTER(STRSTARTS(STR(?g), "{sources}"))
      GRAPH <{consolidated}> {{ ?c a cc:CitizenCollective .
{patterns}      }} }} }}
  {{ SELECT ?c (COUNT(DISTINCT ?anySource) AS ?sourceCount) WHERE {{
      GRAPH <{identity}> {{ ?anyRecord foaf:primaryTopic ?c }}
      GRAPH ?h {{ ?anyRecord cc:source ?anySource }} FILTER(STRSTARTS(STR(?h), "{sources}"))
    }} GROUP BY ?c }}
  BIND(IF(?sourceCount = 1, ?c, ?none) AS ?only)
}} GROUP BY ?source ORDER BY DESC(?collectives) ?source""",
}


def _filter_terms(name: str, values: list[str], iris: RegistryIRIs) -> list[URIRef]:
    terms = []
    for value in values:
        value = value.strip()
        if "://" in value:
            terms.append(URIRef(value))
        elif name in ("sector", "collective-type", "legal-form"):
            terms.append(iris.concept(name, value))
        elif name == "province":
            code = Reference().province_code(value)
            if not code:
                raise InvalidInput(f"unknown province {value!r}")
            terms.append(province_iri(code))
        elif name == "municipality":
            code = normalise_gm_code(value)
            if not code:
                raise InvalidInput(f"not a municipality code: {value!r} (use e.g. GM0363)")
            terms.append(municipality_iri(code))
        elif name == "network":
            terms.append(iris.network(value))
    return terms


@dataclass
class TrendSpec:
    metric: str
    by: tuple[str, ...] = ()
    filters: dict[str, list[str]] = field(default_factory=dict)
    years: tuple[int, int] | None = None  # for "active": first and last year
    at: date | None = None  # for "active-at"
    after: int = 5  # for "survival"
    until: int | None = None  # for "survival": last complete year (default: this year)

    def __post_init__(self):
        if self.metric not in METRICS:
            raise InvalidInput(f"unknown metric {self.metric!r}; one of {', '.join(METRICS)}")
        by = tuple(d for d in self.by if d not in ("year", "cohort"))
        unknown = [d for d in list(by) + list(self.filters) if d not in DIMENSIONS]
        if unknown:
            raise InvalidInput(f"unknown dimension(s) {unknown}; use {', '.join(DIMENSIONS)}")
        self.by = by
        if by and self.metric == "sources":
            raise InvalidInput("the sources metric has no dimensions; use filters")


def trend_query(metric: str, iris: RegistryIRIs, *, by=(), filters=None, years=None, at=None,
                after: int = 5, until: int | None = None) -> str:
    """The complete SPARQL text for a figure, with every value already in place (re-runnable)."""
    spec = TrendSpec(metric, tuple(by), dict(filters or {}), years, at, after, until)
    return _query(spec, iris)


# Filters of metrics that count distinct collectives are joins written first, narrowest first:
# Oxigraph joins in the order written, and a FILTER EXISTS is tested on every collective
# (flows for one sector in one province at 100k collectives: 1.9 s so, 0.25 s as joins first).
# The indicators and sources metrics keep FILTER EXISTS (a join could repeat a value they sum).
_NARROW_FIRST = ("municipality", "network", "province", "legal-form", "collective-type", "sector")


def _query(spec: TrendSpec, iris: RegistryIRIs) -> str:
    patterns, joins = [], []
    for name, values in sorted(spec.filters.items(), key=lambda item: _NARROW_FIRST.index(item[0])):
        path = DIMENSIONS[name][0]
        var = "f_" + name.replace("-", "_")
        block = values_block(var, _filter_terms(name, values, iris))
        if spec.metric in ("indicators", "sources"):
            patterns.append(f"    FILTER EXISTS {{ ?c {path} ?{var} . {block} }}")
        else:
            joins.append(f"    {block} ?c {path} ?{var} .\n")
    dims = []
    for name in spec.by:
        var = name.replace("-", "_")
        patterns.append(f"    OPTIONAL {{ ?c {DIMENSIONS[name][0]} ?{var}Value }}")
        dims.append(var)
    binds = "".join(f'    BIND(COALESCE(?{d}Value, "unknown") AS ?{d})\n' for d in dims)
    text = "\n".join(patterns) + ("\n" if patterns else "")
    params = {
        "cc": iris.CC, "consolidated": iris.consolidated_graph, "vocabulary": iris.vocabulary_graph,
        "identity": iris.graph("identity"), "sources": iris.graph("source/"),
        "founding": iris.concept("event-type", "founding"), "dissolution": iris.concept("event-type", "dissolution"),
        "dims": " ".join(f"?{d}" for d in dims), "patterns": text, "after": int(spec.after),
        "until": int(spec.until or date.today().year), "at": (spec.at or date.today()).isoformat(),
        "years": "", "group": f" GROUP BY {' '.join('?' + d for d in dims)} ORDER BY {' '.join('?' + d for d in dims)}" if dims else "",
    }
    if spec.metric == "active":
        first, last = spec.years or (1900, date.today().year)
        params["years"] = "VALUES ?year { " + " ".join(str(y) for y in range(int(first), int(last) + 1)) + " }"
    query = PREFIXES.format(cc=iris.CC) + _BODY[spec.metric].format(**params)
    query = query.replace("  ORDER BY", " ORDER BY").replace(" \n", "\n").rstrip()
    if dims:  # the COALESCE binds go right after the graph pattern
        query = query.replace(f"{text}  }}\n", f"{text}  }}\n{binds}", 1)
    if joins:  # the filters open the graph pattern
        opening = f"GRAPH <{iris.consolidated_graph}> {{\n"
        query = query.replace(opening, opening + "".join(joins), 1)
    if spec.metric == "active-at":
        query = bind(query, {"at": Literal((spec.at or date.today()).isoformat())})
    return query


@dataclass
class TrendResult:
    metric: str
    columns: list[str]
    rows: list[dict]
    query: str

    def to_json(self) -> str:
        return json.dumps({"metric": self.metric, "columns": self.columns, "rows": self.rows},
                          indent=2, ensure_ascii=False)

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=self.columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return out.getvalue()


def _short(value, iris: RegistryIRIs):
    if isinstance(value, URIRef):
        text = str(value)
        if text.startswith(iris.base + "def/") or text.startswith("https://identifier.overheid.nl/tooi/id/"):
            return text.rsplit("/", 1)[-1]
        return text
    if isinstance(value, Literal):
        python = value.toPython()
        if isinstance(python, Decimal):
            return int(python) if python == int(python) else float(python)
        return python if isinstance(python, (int, float, str)) else str(value)
    return value


def _short_text(text: str | None, iris: RegistryIRIs):
    """:func:`_short` of a value read as text from the summary graph (an integer, an IRI or a plain literal)."""
    if text is None:
        return None
    if text.lstrip("-").isdigit():
        return int(text)
    if text.startswith(iris.base + "def/") or text.startswith("https://identifier.overheid.nl/tooi/id/"):
        return text.rsplit("/", 1)[-1]
    return text


def first_year(store: Store, iris: RegistryIRIs) -> int | None:
    rows = store.select(
        "SELECT (MIN(?y) AS ?first) WHERE { GRAPH ?g { ?e ?typeP ?kind ; ?yearP ?y } }",
        {"g": iris.consolidated_graph, "typeP": iris.CC.eventType, "kind": iris.concept("event-type", "founding"),
         "yearP": iris.CC.eventYear})
    return int(rows[0]["first"]) if rows and "first" in rows[0] else None


def _planned(store: Store, iris: RegistryIRIs, spec: TrendSpec, use_summary: bool) -> tuple[str, bool]:
    """The query for ``spec``, and whether it reads the summary graph."""
    if use_summary:
        from .trend_summary import summary_query
        query = summary_query(store, iris, spec)
        if query is not None:
            return query, True
    if spec.metric == "active" and spec.years is None:
        first = first_year(store, iris)
        spec.years = (first or date.today().year, date.today().year)
    return _query(spec, iris), False


def planned_query(store: Store, iris: RegistryIRIs, metric: str, *, by=(), filters=None, years=None, at=None,
                  after: int = 5, until: int | None = None, use_summary: bool = True) -> str:
    """The query :func:`trends` runs for a figure: over the precomputed counts of the summary graph
    when they give it (``registry.trend_summary``), else over the consolidated graph."""
    spec = TrendSpec(metric, tuple(by), dict(filters or {}), years, at, after, until)
    return _planned(store, iris, spec, use_summary)[0]


def trends(store: Store, iris: RegistryIRIs, metric: str, *, by=(), filters=None, years=None, at=None,
           after: int = 5, until: int | None = None, populations: dict[str, int] | None = None,
           fill_zeros: bool = True, use_summary: bool = True) -> TrendResult:
    """Run a trend query; rows hold plain values (codes for concepts and regions).

    ``populations`` maps municipality codes (``gm0363``) to inhabitants, for
    collectives per 10,000 inhabitants in the ``municipalities`` metric. The figure comes from the
    summary graph's precomputed counts when they give it (``use_summary``; same rows), else from
    a query over the consolidated graph; ``TrendResult.query`` is the query that ran.
    """
    spec = TrendSpec(metric, tuple(by), dict(filters or {}), years, at, after, until)
    query, from_summary = _planned(store, iris, spec, use_summary)
    dims = [d.replace("-", "_") for d in spec.by]
    value_columns = {
        "active": ["active"], "active-at": ["active"], "flows": ["foundings", "dissolutions", "net"],
        "survival": ["founded", "surviving", "share"], "indicators": ["total", "collectives"],
        "municipalities": ["collectives"], "sources": ["collectives", "only_this_source"],
    }[metric]
    lead = {"active": ["year"], "flows": ["year"], "survival": ["cohort"], "indicators": ["year", "indicator"],
            "municipalities": ["municipality", "name"], "sources": ["source"], "active-at": []}[metric]
    columns = lead + dims + value_columns
    if from_summary:  # numbers, and IRIs or plain literals: read as text (100k rows: no rdflib terms)
        rows = [dict(zip(columns, (_short_text(v, iris) for v in values)))
                for values in store.select_values(query, tuple(columns))]
        if metric in ("active", "flows") and dims and not fill_zeros:  # by year, then by value (as text)
            rows.sort(key=lambda row: (row["year"], *(str(row[d]) for d in dims)))
    else:
        rows = [{c: _short(r.get(c), iris) for c in columns} for r in store.select(query)]
    for row in rows:
        if "share" in row and row["share"] is not None:
            row["share"] = round(float(row["share"]), 4)
    if metric == "municipalities" and populations:
        columns.append("per_10000")
        for row in rows:
            people = populations.get(str(row["municipality"]).lower())
            row["per_10000"] = round(row["collectives"] * 10000 / people, 3) if people else None
    if fill_zeros and metric in ("active", "flows") and rows:
        rows = _fill(rows, columns, dims, value_columns, spec)
    return TrendResult(metric, columns, rows, query)


def _fill(rows, columns, dims, value_columns, spec) -> list[dict]:
    """Years without foundings or dissolutions are zero, not missing."""
    if spec.metric == "active":
        first, last = spec.years
    else:
        first, last = min(r["year"] for r in rows), max(r["year"] for r in rows)
    combos = sorted({tuple(r[d] for d in dims) for r in rows}, key=str)
    have = {(r["year"], *(r[d] for d in dims)): r for r in rows}
    filled = []
    for year, combo in product(range(first, last + 1), combos):
        row = have.get((year, *combo))
        if row is None:
            row = {"year": year, **dict(zip(dims, combo)), **{v: 0 for v in value_columns}}
        filled.append({c: row.get(c) for c in columns})
    return filled


# -- charts -------------------------------------------------------------------------------

def svg_chart(result: TrendResult, title: str | None = None) -> str:
    """The chart as SVG text, drawn without matplotlib (for the web API)."""
    series, xs, ylabel = chart_series(result)
    return _svg_chart(series, xs, title or result.metric.replace("-", " "), ylabel)


def plot(result: TrendResult, path: str | Path, *, title: str | None = None) -> Path:
    """A line chart (yearly metrics) or bar chart (others) as PNG or SVG, chosen by the file name.

    Uses matplotlib when it is installed; without it, SVG charts are written by hand.
    """
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        raise InvalidInput("charts are written as .png or .svg")
    series, xs, ylabel = chart_series(result)
    title = title or result.metric.replace("-", " ")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        if path.suffix.lower() == ".png":
            raise InvalidInput("PNG charts need matplotlib (pip install matplotlib); SVG works without it")
        path.write_text(_svg_chart(series, xs, title, ylabel), encoding="utf-8")
        return path
    fig, ax = plt.subplots(figsize=(9, 5))
    numeric_x = all(isinstance(x, int) for x in xs)
    if numeric_x:
        for label, points in series.items():
            ax.plot(xs, [points.get(x, 0) for x in xs], marker="o", markersize=3, label=label)
    else:
        width = 0.8 / max(len(series), 1)
        for i, (label, points) in enumerate(series.items()):
            ax.bar([k + i * width for k in range(len(xs))], [points.get(x, 0) for x in xs], width, label=label)
        ax.set_xticks([k + 0.4 - width / 2 for k in range(len(xs))], [str(x) for x in xs], rotation=45, ha="right")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if len(series) > 1 or next(iter(series), "") != ylabel:
        ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def chart_series(result: TrendResult) -> tuple[dict[str, dict], list, str]:
    """(series label → {x: y}, x values, y label) for a result."""
    x = next((c for c in ("year", "cohort", "municipality", "source") if c in result.columns), None)
    value = {"flows": "net", "survival": "share", "indicators": "total"}.get(result.metric)
    value = value or next(c for c in ("active", "collectives") if c in result.columns)
    group_cols = [c for c in result.columns if c not in (x, value, "name", "per_10000", "foundings", "dissolutions",
                                                         "founded", "surviving", "collectives", "total", "only_this_source")
                  and c != "active" and c != "net" and c != "share"]
    series: dict[str, dict] = {}
    for row in result.rows:
        label = " / ".join(str(row[c]) for c in group_cols) or value
        series.setdefault(label, {})[row[x] if x else ""] = row[value] or 0
    xs = sorted({k for points in series.values() for k in points}, key=lambda v: (isinstance(v, str), v))
    return series, xs, value


def _svg_chart(series: dict[str, dict], xs: list, title: str, ylabel: str) -> str:
    width, height, margin = 800, 420, 50
    top = max([v for points in series.values() for v in points.values()] + [1])
    step = (width - 2 * margin) / max(len(xs) - 1, 1)
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
             f'font-size="11" role="img" aria-label="{_esc(title)}"><title>{_esc(title)}</title>',
             f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14">{_esc(title)}</text>',
             f'<line x1="{margin}" y1="{height - margin}" x2="{width - margin}" y2="{height - margin}" stroke="black"/>',
             f'<line x1="{margin}" y1="{margin}" x2="{margin}" y2="{height - margin}" stroke="black"/>',
             f'<text x="10" y="{margin - 10}">{_esc(ylabel)} (max {top})</text>']
    for i, x in enumerate(xs):
        parts.append(f'<text x="{margin + i * step:.1f}" y="{height - margin + 15}" text-anchor="middle">{_esc(str(x))}</text>')
    for k, (label, points) in enumerate(series.items()):
        coords = " ".join(f"{margin + i * step:.1f},{height - margin - (points.get(x, 0) or 0) / top * (height - 2 * margin):.1f}"
                          for i, x in enumerate(xs))
        colour = colours[k % len(colours)]
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{coords}"/>')
        parts.append(f'<text x="{width - margin + 5}" y="{margin + 15 * k}" fill="{colour}">{_esc(label)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

