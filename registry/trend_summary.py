"""Precomputed trend counts: per year, for the whole registry and per value of one or two dimensions.

The yearly trends of ``registry.trends`` count every collective of the consolidated graph on each
call (at 1M collectives: seconds to minutes). After each consolidation the build calls
:func:`refresh`: plain queries for the collectives, their founding and dissolution years and their
values of each dimension (``registry.trends.DIMENSIONS``; ``"unknown"`` when one has none), read as
text and counted in Python (collectives by number), then written to the summary graph
(``{base}graph/summary``).

A *group* is the whole registry (``sum:dimension "all"``), a value of one dimension
(``"sector" ; sum:sector <…>``) or a value of each of two (``"sector|province" ; sum:sector <…> ;
sum:province <…>``; not a municipality with a sector, type or legal form: see ``NOT_HELD``); a
collective with two sectors is in both sectors' groups. A group has a *cell*
per year (``sum:group``, ``sum:year``) from its first event year to the last event year of the
registry (``sum:lastYear``); a group with the same collectives as a group of one dimension less (a
province and one of its municipalities: the municipality's) has no cells of its own, those cells
name it too:

``sum:foundings``     collectives with a founding event in the year (what the ``flows`` query counts)
``sum:dissolutions``  collectives with a dissolution event in the year (both only in event years)
``sum:active``        collectives active at the end of the year (the on-the-fly ``active`` count:
                      founded in or before it, and no dissolution or one after it; only when > 0)

so that a figure reads as many cells as it has rows, however long the groups' history; a year after
``sum:lastYear`` has the active count of ``sum:lastYear``. Municipality groups hold ``sum:collectives``
(the ``municipalities`` metric).

``registry.trends`` answers from the summary (when it is current) a figure whose dimensions (``by``
and filters together, none twice) are those of groups it holds (``sum:groups``); a filter with
several values only for a dimension in which no collective has two values (``sum:singleValued``):
adding up the values' counts would count such a collective twice. Other figures are computed on
the fly. The query shown with a figure (``--show-query``, the API's ``query``) is then the SELECT
over the summary graph that made it; it names the filter values first, so that it reads only
their groups.

Current means made by this version (``sum:version``) from the consolidated graph as it is:
:func:`refresh` writes a random token into both graphs (one triple about the graph itself in
each), and consolidation replaces the consolidated graph whole, which drops the token there. A
summary whose token the consolidated graph does not hold is ignored.
"""
from __future__ import annotations

import hashlib
import io
import re
import uuid
from array import array
from collections import Counter
from datetime import date
from itertools import combinations

from rdflib import Literal, Namespace, URIRef

from .namespaces import RegistryIRIs
from .sparql_text import values_block
from .store import Store

METRICS = ("active", "flows", "municipalities")
VERSION = 3  # of the summary graph's shape; a summary of another version is ignored
UNKNOWN = Literal("unknown")
# groups not held: a municipality with a sector, collective type or legal form: a cell for nearly
# every group and year (at 100k 1.66M triples instead of ~0.2M, and 17 s more to write); a figure
# for one municipality is quick on the fly (its collectives are joined first)
NOT_HELD = ("sector|municipality", "collective-type|municipality", "legal-form|municipality")


def namespace(iris: RegistryIRIs) -> Namespace:
    return Namespace(f"{iris.base}def/summary#")


def summary_graph(iris: RegistryIRIs) -> URIRef:
    return iris.graph("summary")


def _params(iris: RegistryIRIs) -> dict:
    return {"cc": iris.CC, "consolidated": iris.consolidated_graph, "summary": summary_graph(iris),
            "vocabulary": iris.vocabulary_graph, "sum": namespace(iris),
            "founding": iris.concept("event-type", "founding"),
            "dissolution": iris.concept("event-type", "dissolution")}


def group_name(dimensions) -> str:
    """``sum:dimension`` of the groups of these dimensions, in ``DIMENSIONS`` order.

    >>> group_name(["province", "sector"]), group_name([])
    ('sector|province', 'all')
    """
    from .trends import DIMENSIONS
    return "|".join(d for d in DIMENSIONS if d in dimensions) or "all"


_PREFIXES = """PREFIX cc: <{cc}>
PREFIX rov: <http://www.w3.org/ns/regorg#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

_COLLECTIVES = _PREFIXES + """SELECT ?c WHERE {{ GRAPH <{consolidated}> {{ ?c a cc:CitizenCollective }} }}"""

# the founding and dissolution years of collectives and anything else, a row each ("f2010", "d2015";
# a "?" marks a year that is not a canonical xsd:integer); no GROUP BY ?c (1M groups held in memory)
_EVENTS = _PREFIXES + """SELECT ?c ?token WHERE {{
  GRAPH <{consolidated}> {{
    VALUES (?kind ?k) {{ (<{founding}> "f") (<{dissolution}> "d") }}
    ?event cc:eventType ?kind ; cc:eventYear ?year . ?c cc:lifecycleEvent ?event .
    BIND(CONCAT(?k, STR(?year), IF(DATATYPE(?year) = xsd:integer && STR(xsd:integer(?year)) = STR(?year), "", "?"))
         AS ?token)
  }}
}}"""

# one dimension's values, of collectives and anything else; ?other: not an IRI (read again as a term)
_VALUES = _PREFIXES + """SELECT ?c ?value ?other WHERE {{
  GRAPH <{consolidated}> {{ ?c {path} ?value BIND(IF(isIRI(?value), "", "1") AS ?other) {test} }}
}}"""

_CURRENT = """ASK {{ GRAPH <{consolidated}> {{ <{consolidated}> <{sum}token> ?token }}
       GRAPH <{summary}> {{ <{summary}> <{sum}token> ?token }} }}"""

_HEADER = """SELECT ?p ?o WHERE {{ GRAPH <{summary}> {{ <{summary}> ?p ?o }} }}"""


class _Profiles:
    """The collectives (IRI → number) and for each the number of its set of event tokens (its profile)."""

    def __init__(self, collectives):
        self.number: dict[str, int] = {}
        for c, in collectives:
            self.number.setdefault(c, len(self.number))
        self.profile = array("i", bytes(4 * len(self.number)))  # 0: no events
        self.integer_years, self.years = True, [[]]

    def read(self, events) -> None:
        """Take in the (collective, token) rows, once, in any order."""
        tokens: list[tuple] = [()]  # profile → its tokens
        ids: dict[tuple, int] = {(): 0}
        added: dict[tuple, int] = {}  # (profile, token) → profile
        for c, token in events:
            c = self.number.get(c)
            if c is None:  # not a collective
                continue
            profile = added.get((self.profile[c], token))
            if profile is None:
                more = tuple(sorted({*tokens[self.profile[c]], token}))
                profile = added[(self.profile[c], token)] = ids.setdefault(more, len(tokens))
                if profile == len(tokens):
                    tokens.append(more)
            self.profile[c] = profile
        self.integer_years = not any(t.endswith("?") for profile in tokens for t in profile)
        self.years = [self._years(profile) for profile in tokens]  # profile → [(year, f, d, change)]

    @staticmethod
    def _years(tokens) -> list[tuple[int, int, int, int]]:
        if any(t.endswith("?") for t in tokens):
            return []
        founded = {int(t[1:]) for t in tokens if t[0] == "f"}
        dissolved = {int(t[1:]) for t in tokens if t[0] == "d"}
        cells = {y: [0, 0, 0] for y in founded | dissolved}
        for year in founded:
            cells[year][0] = 1
        for year in dissolved:
            cells[year][1] = 1
        if founded:
            cells[min(founded)][2] += 1
            if dissolved:
                cells[max(min(founded), max(dissolved))][2] -= 1
        return [(year, *counts) for year, counts in sorted(cells.items())]


class _Values:
    """One dimension's values (numbers of ``terms``; 0: ``"unknown"``) per collective: the first in
    ``first``, any others in ``more``. From (collective, value, other) rows, and (collective, value)
    rows of terms for the values that are not IRIs (``other``)."""

    def __init__(self, rows, others, number: dict[str, int]):
        ids = {UNKNOWN: 0}
        texts: dict[str, int] = {}
        first = array("i", [-1]) * len(number)
        more: dict[int, list[int]] = {}

        def add(c: int, value: int) -> None:
            if first[c] < 0:
                first[c] = value
            elif value != first[c] and value not in more.get(c, ()):
                more.setdefault(c, []).append(value)

        for c, text, other in rows:
            c = number.get(c)
            if c is not None and not other:  # a collective, and an IRI
                value = texts.get(text)
                if value is None:
                    value = texts[text] = ids.setdefault(URIRef(text), len(ids))
                add(c, value)
        for row in others:
            c = number.get(str(row["c"]))
            if c is not None:
                add(c, ids.setdefault(row["value"], len(ids)))
        for c, value in enumerate(first):
            if value < 0:
                first[c] = 0
        self.terms, self.first, self.more = list(ids), first, more

    def of(self, c: int) -> list[int]:
        return [self.first[c], *self.more.get(c, ())]


def _groups(profiles: _Profiles, dimensions: list[_Values]) -> Counter:
    """(value number per dimension…, profile) → collectives."""
    profile = profiles.profile
    if not dimensions:
        return Counter((p,) for p in profile)
    counts = Counter(zip(*(d.first for d in dimensions), profile))
    several = set().union(*(d.more for d in dimensions))
    for c in several:
        firsts = tuple(d.first[c] for d in dimensions)
        combos = [(a,) for a in dimensions[0].of(c)]
        for d in dimensions[1:]:
            combos = [(*combo, b) for combo in combos for b in d.of(c)]
        for combo in combos:
            if combo != firsts:
                counts[(*combo, profile[c])] += 1
    return counts


def _cells(profiles: _Profiles, values: list[_Values]) -> tuple[dict, Counter]:
    """values → year → [foundings, dissolutions, activeChange], and values → collectives, for one
    set of dimensions."""
    cells: dict[tuple, dict[int, list[int]]] = {}
    totals: Counter = Counter()
    for key, n in _groups(profiles, values).items():
        group = key[:-1]
        totals[group] += n
        for year, f, d, change in profiles.years[key[-1]] if profiles.integer_years else ():
            cell = cells.setdefault(group, {}).get(year)
            if cell is None:
                cell = cells[group][year] = [0, 0, 0]
            cell[0] += f * n
            cell[1] += d * n
            cell[2] += change * n
    return cells, totals


def _read(store: Store, iris: RegistryIRIs) -> tuple[_Profiles, dict[str, _Values]]:
    """The collectives, their event years and their values of each dimension (one query each), as
    text: for a million rows rdflib terms cost more than the queries."""
    from .trends import DIMENSIONS
    params = _params(iris)
    profiles = _Profiles(store.select_values(_COLLECTIVES.format(**params), ("c",)))
    profiles.read(store.select_values(_EVENTS.format(**params), ("c", "token")))
    values = {}
    for dimension, (path, _) in DIMENSIONS.items():
        rows = store.select_values(_VALUES.format(**params, path=path, test=""), ("c", "value", "other"))
        others = store.select(_VALUES.format(**params, path=path, test="FILTER(!isIRI(?value))")) \
            if any(other for _, _, other in rows) else []
        values[dimension] = _Values(rows, others, profiles.number)
        del rows
    del profiles.number  # the largest part of the memory used
    return profiles, values


def refresh(store: Store, iris: RegistryIRIs) -> dict:
    """Count and replace the summary graph; returns the number of cells written per ``sum:dimension``."""
    from .trends import DIMENSIONS, first_year
    S = namespace(iris)
    graph_iri = summary_graph(iris)
    profiles, values = _read(store, iris)
    out = io.BytesIO()

    def write(line: str) -> None:
        out.write(line.encode("utf-8") + b"\n")

    token, head = Literal(uuid.uuid4().hex), f"<{graph_iri}>"
    write(f"@prefix sum: <{S}> .\n@prefix row: <{graph_iri}#> .")
    write(f"{head} a sum:Summary ; sum:version {VERSION} ; sum:token {token.n3()} .")
    for dimension, found in values.items():
        if not found.more:  # one value (or none) per collective: counts of several values add up
            write(f'{head} sum:singleValued "{dimension}" .')
    for metric in METRICS:
        if metric == "municipalities" or profiles.integer_years:
            write(f'{head} sum:metric "{metric}" .')
    first = first_year(store, iris)
    if first is not None:
        write(f"{head} sum:firstYear {int(first)} .")
    last = max((cell[0] for cells in profiles.years for cell in cells), default=None)
    if last is not None:
        write(f"{head} sum:lastYear {last} .")

    counted: dict[str, int] = {}  # cells written per sum:dimension
    owners: dict[tuple, tuple[int, str]] = {}  # (dimensions, values) → (collectives, node its cells are named after)
    years: dict[str, list[int]] = {}  # such a node → the years of its cells
    for size in (0, 1, 2):
        for names in combinations(DIMENSIONS, size):
            name = group_name(names)
            if name in NOT_HELD:
                continue
            write(f'{head} sum:groups "{name}" .')
            cells, totals = _cells(profiles, [values[d] for d in names])
            counted[name] = 0
            for group in sorted(totals if name == "municipality" else cells):
                terms = [values[d].terms[v] for d, v in zip(names, group)]
                node = _node(name, terms)
                write(f'{node} sum:dimension "{name}"' + "".join(f" ; sum:{d} {t.n3()}" for d, t in zip(names, terms))
                      + (f" ; sum:collectives {totals[group]} ." if name == "municipality" else " ."))
                owner = _same_collectives(names, group, totals[group], owners)
                owners[(names, group)] = (totals[group], owner or node)
                if owner is not None:  # the cells of the same collectives name this group too
                    for year in years[owner]:
                        write(f"{owner}-{year} sum:group {node} .")
                    continue
                years[node] = _write_cells(write, node, cells.get(group, {}), last)
                counted[name] += len(years[node])
    store.replace_graph(graph_iri, out.getvalue(), "ttl")
    out.close()
    consolidated = f"<{iris.consolidated_graph}>"
    store.update(f"DELETE {{ GRAPH {consolidated} {{ {consolidated} <{S.token}> ?t }} }} "
                 f"WHERE {{ GRAPH {consolidated} {{ {consolidated} <{S.token}> ?t }} }}")
    store.add(iris.consolidated_graph, [(iris.consolidated_graph, S.token, token)])
    return counted


def _write_cells(write, node: str, events: dict[int, list[int]], last: int | None) -> list[int]:
    """A group's cells from its event years (year → [foundings, dissolutions, activeChange]) up to
    ``last``; returns their years."""
    written, active = [], 0
    for year in range(min(events), last + 1) if events else ():
        cell = events.get(year)
        parts = []
        if cell is not None:
            active += cell[2]
            parts.append(f"sum:foundings {cell[0]} ; sum:dissolutions {cell[1]}")
        if active > 0:
            parts.append(f"sum:active {active}")
        if parts:
            write(f"{node}-{year} sum:group {node} ; sum:year {year} ; {' ; '.join(parts)} .")
            written.append(year)
    return written


def _node(name: str, terms) -> str:
    """A group's node, named from its dimensions and values: the same in the next summary, so that
    replacing the summary graph writes only the counts that changed."""
    key = hashlib.blake2b("|".join([name, *(t.n3() for t in terms)]).encode("utf-8"), digest_size=8)
    return f"row:g{key.hexdigest()}"


def _same_collectives(names: tuple, group: tuple, collectives: int, owners: dict) -> str | None:
    """The node the cells of a group of one dimension less with as many collectives are named after:
    the same collectives (one in a group is in each group of fewer of its values), so the same cells."""
    for i in range(len(names)):
        fewer = owners.get((names[:i] + names[i + 1:], group[:i] + group[i + 1:]))
        if fewer is not None and fewer[0] == collectives:
            return fewer[1]
    return None


def header(store: Store, iris: RegistryIRIs) -> dict | None:
    """The current summary's metrics, groups held, single-valued dimensions and first year; None when
    there is no summary, it was made from another consolidated graph or is of another version."""
    if not store.ask(_CURRENT.format(**_params(iris))):
        return None
    S = namespace(iris)
    found = {"metrics": set(), "single_valued": set(), "groups": set(), "first_year": None, "last_year": None,
             "version": None}
    for row in store.select(_HEADER.format(**_params(iris))):
        if row["p"] == S.metric:
            found["metrics"].add(str(row["o"]))
        elif row["p"] == S.singleValued:
            found["single_valued"].add(str(row["o"]))
        elif row["p"] == S.groups:
            found["groups"].add(str(row["o"]))
        elif row["p"] == S.firstYear:
            found["first_year"] = int(row["o"])
        elif row["p"] == S.lastYear:
            found["last_year"] = int(row["o"])
        elif row["p"] == S.version:
            found["version"] = int(row["o"])
    return found if found["version"] == VERSION else None


_SUMMARY_HEAD = """# from the counts precomputed after consolidation in <{summary}>
# (registry/trend_summary.py: the same figure as the query over the consolidated graph; the rows of
# a year in any order, as ordering by IRIs reads their text: seconds for 100k rows)
PREFIX sum: <{sum}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

_SUMMARY_BODY = {
    "active": """# collectives active at the end of each year (a year after the last event year: as in that year)
# (the cells are read in a subquery: joined with the years first, each year would read every cell of it)
SELECT ?year {dims} (SUM(?n) AS ?active) WHERE {{
  {{ SELECT ?y {dims} ?n WHERE {{
    GRAPH <{summary}> {{
{group}    ?cell sum:group ?group ; sum:year ?y ; sum:active ?n .
    }}
  }} }}
  {years}
}} GROUP BY ?year {dims} ORDER BY ?year""",

    "flows": """# foundings, dissolutions and net growth per year
SELECT ?year {dims} (SUM(?f) AS ?foundings) (SUM(?d) AS ?dissolutions) ((SUM(?f) - SUM(?d)) AS ?net) WHERE {{
  GRAPH <{summary}> {{
{group}    ?cell sum:group ?group ; sum:year ?year ; sum:foundings ?f ; sum:dissolutions ?d .
  }}
}} GROUP BY ?year {dims} HAVING (SUM(?f) + SUM(?d) > 0) ORDER BY ?year""",

    "municipalities": """# collectives per municipality (current municipality, after municipal reorganisations)
SELECT ?municipality ?name ?collectives WHERE {{
  GRAPH <{summary}> {{
    ?group sum:dimension "municipality" ; sum:municipality ?municipality ; sum:collectives ?collectives .
  }}
  OPTIONAL {{ GRAPH <{vocabulary}> {{ ?municipality skos:prefLabel ?name }} }}
}} ORDER BY DESC(?collectives) ?municipality""",
}


def summary_query(store: Store, iris: RegistryIRIs, spec) -> str | None:
    """The query over the summary graph for a ``registry.trends.TrendSpec``, or None when the
    summary cannot give that figure (or is not current). Fills ``spec.years`` for ``active``."""
    from .trends import _NARROW_FIRST, _filter_terms
    if spec.metric not in METRICS:
        return None
    by, filters = tuple(spec.by), dict(spec.filters)
    if spec.metric == "municipalities" and (by or filters):
        return None
    names = [*by, *filters]
    if len(names) > 2 or len(set(names)) < len(names):
        return None  # more than two dimensions, or one twice (a by of a filtered dimension)
    found = header(store, iris)
    if found is None or spec.metric not in found["metrics"] or group_name(names) not in found["groups"]:
        return None
    blocks, patterns = [], []
    for dimension in sorted(filters, key=_NARROW_FIRST.index):  # the filter values first: only their groups are read
        terms = sorted(set(_filter_terms(dimension, filters[dimension], iris)))
        if len(terms) > 1 and dimension not in found["single_valued"]:
            return None  # a collective with two of the values would be counted twice
        var = "f_" + dimension.replace("-", "_")
        blocks.append(f"    {values_block(var, terms)}\n")
        patterns.append(f"sum:{dimension} ?{var}")
    patterns.append(f'sum:dimension "{group_name(names)}"')
    dims = ["?" + d.replace("-", "_") for d in by]
    patterns += [f"sum:{d} {var}" for d, var in zip(by, dims)]
    params = {**_params(iris), "dims": " ".join(dims), "years": "",
              "group": "".join(blocks) + f"    ?group {' ; '.join(patterns)} .\n"}
    if spec.metric == "active":
        if spec.years is None:
            spec.years = (found["first_year"] or date.today().year, date.today().year)
        first, last = spec.years
        held = found["last_year"]
        params["years"] = "VALUES (?year ?y) { " + " ".join(
            f"({y} {min(y, held) if held is not None else y})" for y in range(int(first), int(last) + 1)) + " }"
    text = (_SUMMARY_HEAD + _SUMMARY_BODY[spec.metric]).format(**params)
    return re.sub(r"(?<=\S) {2,}(?=\S)", " ", re.sub(r"(?m)^\s*\n", "", text).replace(" \n", "\n")).rstrip()
