"""Statistics: the figures of ``registry.stats`` (each with the query that makes it) plus trends.

Trends live here until ``registry.stats`` has them; a figure of the same name there wins.
"""
from __future__ import annotations

from registry import stats as registry_stats
from registry.namespaces import RegistryIRIs
from registry.store import Store

from . import queries

TRENDS = {
    "foundings_by_year": """SELECT ?year (COUNT(DISTINCT ?c) AS ?collectives) WHERE {
  ?c a cc:CitizenCollective ; cc:lifecycleEvent ?e .
  ?e cc:eventType ?founding ; cc:eventYear ?year .
  FILTER(STRENDS(STR(?founding), "/event-type/founding"))
} GROUP BY ?year ORDER BY ?year""",
    "dissolutions_by_year": """SELECT ?year (COUNT(DISTINCT ?c) AS ?collectives) WHERE {
  ?c a cc:CitizenCollective ; cc:lifecycleEvent ?e .
  ?e cc:eventType ?dissolution ; cc:eventYear ?year .
  FILTER(STRENDS(STR(?dissolution), "/event-type/dissolution"))
} GROUP BY ?year ORDER BY ?year""",
}


def figure_queries(iris: RegistryIRIs) -> dict[str, str]:
    found = {name: queries.prologue(iris) + text for name, text in TRENDS.items()}
    found.update(registry_stats.summary_queries(iris))
    return found


def _plain(value):
    if hasattr(value, "toPython"):
        value = value.toPython()
    return value if isinstance(value, (int, float)) else str(value)


def figure(store: Store, iris: RegistryIRIs, name: str) -> tuple[list[dict], str] | None:
    """The rows of one figure and its query, or None when there is no such figure."""
    query = figure_queries(iris).get(name)
    if query is None:
        return None
    rows = [{k: _plain(v) for k, v in row.items()} for row in store.select(query)]
    return rows, query
