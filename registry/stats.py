"""Counts for researchers. Each figure comes from a SPARQL query that can be shown and re-run."""
from __future__ import annotations

from .namespaces import RegistryIRIs
from .store import Store

BY_SECTOR = """PREFIX cc: <{cc}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?sector ?label (COUNT(DISTINCT ?c) AS ?collectives) WHERE {{
  ?c a cc:CitizenCollective ; cc:sector ?sector .
  OPTIONAL {{ ?sector skos:prefLabel ?label FILTER(LANG(?label) = "en") }}
}} GROUP BY ?sector ?label ORDER BY DESC(?collectives) ?sector"""

BY_PROVINCE = """PREFIX cc: <{cc}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?province ?label (COUNT(DISTINCT ?c) AS ?collectives) WHERE {{
  ?c a cc:CitizenCollective .
  OPTIONAL {{ ?c cc:province ?p }}
  BIND(COALESCE(?p, <{base}def/unknown>) AS ?province)
  OPTIONAL {{ ?province skos:prefLabel ?label }}
}} GROUP BY ?province ?label ORDER BY DESC(?collectives) ?province"""


def _rows(store: Store, query: str) -> list[dict]:
    return [{k: (v.toPython() if hasattr(v, "toPython") else v) for k, v in row.items()}
            for row in store.select(query)]


def summary_queries(iris: RegistryIRIs) -> dict[str, str]:
    params = {"cc": str(iris.CC), "base": iris.base}
    return {"by_sector": BY_SECTOR.format(**params), "by_province": BY_PROVINCE.format(**params)}


def summary(store: Store, iris: RegistryIRIs) -> dict[str, list[dict]]:
    """Collectives by sector and by province."""
    result = {name: _rows(store, query) for name, query in summary_queries(iris).items()}
    for rows in result.values():
        for row in rows:
            for key, value in row.items():
                row[key] = str(value) if not isinstance(value, int) else value
    return result
