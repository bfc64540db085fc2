"""Each configured source with its last run, read from the metadata graph."""
from __future__ import annotations

from registry.namespaces import RegistryIRIs
from registry.store import Store

from .base import SourceConfig

LAST_RUNS = """PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX cc: <{cc}>
SELECT ?name ?run ?started ?ended ?status ?fetched ?valid ?invalid ?unchanged ?vanished ?errors WHERE {{
  GRAPH <{meta}> {{
    ?run a prov:Activity ; prov:used ?source ; prov:startedAtTime ?started ; prov:endedAtTime ?ended ;
         cc:runStatus ?status ; cc:fetchedCount ?fetched ; cc:validCount ?valid ; cc:invalidCount ?invalid ;
         cc:unchangedCount ?unchanged ; cc:vanishedCount ?vanished ; cc:errorCount ?errors .
    ?source dct:identifier ?name .
    FILTER NOT EXISTS {{ ?later prov:used ?source ; prov:startedAtTime ?t . FILTER(?t > ?started) }}
  }}
}}"""


def source_status(store: Store, iris: RegistryIRIs, sources: list[SourceConfig]) -> list[dict]:
    runs = {str(r["name"]): r for r in store.select(LAST_RUNS.format(cc=iris.CC, meta=iris.metadata_graph))}
    rows = []
    for s in sources:
        run = runs.get(s.name, {})
        value = lambda k: run[k].toPython() if k in run else None  # noqa: E731
        rows.append({
            "name": s.name, "kind": s.kind, "enabled": s.enabled,
            "last_run": str(value("started")) if run else None, "status": value("status"),
            "fetched": value("fetched"), "valid": value("valid"), "invalid": value("invalid"),
            "unchanged": value("unchanged"), "vanished": value("vanished"), "errors": value("errors"),
        })
    return rows
