"""Looking up one collective or network, and summarising a page of them (batched, no N+1)."""
from __future__ import annotations

import re

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from registry.errors import NotFound
from registry.namespaces import ORG, ROV, SCHEMA, RegistryIRIs
from registry.sparql_text import values_block
from registry.store import Store

from . import queries

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
WKT_POINT = re.compile(r"^\s*POINT\s*\(\s*(-?[0-9.]+)\s+(-?[0-9.]+)\s*\)\s*$", re.IGNORECASE)


def thing_iri(iris: RegistryIRIs, kind: str, ident: str) -> URIRef:
    """The IRI of a collective or network id; ids that cannot exist are simply not found."""
    if not ID_PATTERN.match(ident):
        raise NotFound(f"no {kind} with id {ident[:100]!r}")
    return iris.network(ident) if kind == "network" else iris.collective(ident)


def local_id(iri: str) -> str:
    return str(iri).rstrip("/").rsplit("/", 1)[-1]


def survivor(store: Store, iris: RegistryIRIs, kind: str, ident: str) -> str | None:
    """The id of the collective that replaced ``ident`` in a merge, or None when it was not replaced."""
    rows = store.select(queries.prologue(iris) + queries.REPLACED_BY, {"c": thing_iri(iris, kind, ident)})
    if not rows:
        return None
    found = local_id(rows[0]["survivor"])
    return found if ID_PATTERN.match(found) and found != ident else None


def describe(store: Store, iris: RegistryIRIs, kind: str, ident: str) -> Graph:
    """Everything the registry holds about one collective (or network), with its source records."""
    iri = thing_iri(iris, kind, ident)
    graph = store.construct(queries.prologue(iris) + queries.DESCRIBE, {"c": iri})
    wanted = iris.CC.Network if kind == "network" else iris.CC.CitizenCollective
    if (iri, RDF.type, wanted) not in graph:
        raise NotFound(f"no {kind} with id {ident!r}")
    return iris.bind(graph)


def labels(store: Store, iris: RegistryIRIs, things, lang: str = "en") -> dict[str, str]:
    """``skos:prefLabel`` of many things in one query, in ``lang`` when there is one."""
    things = sorted({URIRef(t) for t in things if isinstance(t, URIRef) or str(t).startswith("http")})
    if not things:
        return {}
    query = queries.prologue(iris) + queries.LABELS.replace("VALUES_BLOCK", values_block("thing", things))
    found: dict[str, tuple[int, str]] = {}
    for row in store.select(query):
        label = row["label"]
        rank = 0 if getattr(label, "language", None) == lang else (1 if not getattr(label, "language", None) else 2)
        key = str(row["thing"])
        if key not in found or rank < found[key][0]:
            found[key] = (rank, str(label))
    return {k: v[1] for k, v in found.items()}


_CONCEPT_FIELDS = {
    "sector": ("sectors", True), "collectiveType": ("type", False), "societalRole": ("roles", True),
    "lifecycleStage": ("stage", False),
}


def summaries(store: Store, iris: RegistryIRIs, things: list[URIRef], lang: str = "en") -> list[dict]:
    """Summary records for a list of collectives, in the order given; two queries in all."""
    if not things:
        return []
    cc = iris.CC
    block = values_block("c", things)
    rows = store.select(queries.prologue(iris) + queries.SUMMARIES.replace("VALUES_BLOCK", block))
    geo_rows = store.select(queries.prologue(iris) + queries.GEOMETRIES.replace("VALUES_BLOCK", block))
    by_thing: dict[str, dict] = {str(t): {"p": {}} for t in things}
    for row in rows:
        by_thing[str(row["c"])]["p"].setdefault(row["p"], []).append(row["o"])
    label_of = labels(store, iris, [o for r in rows for o in [r["o"]] if isinstance(o, URIRef)
                                    and r["p"] != RDF.type], lang)

    def concept(value) -> dict:
        return {"code": local_id(value), "iri": str(value), "label": label_of.get(str(value))}

    out = []
    for thing in things:
        props = by_thing[str(thing)]["p"]
        first = lambda p: sorted(props.get(p, []))[0] if props.get(p) else None  # noqa: E731
        item = {"id": local_id(thing), "iri": str(thing), "name": str(first(SCHEMA.name) or "")}
        item["kind"] = "network" if cc.Network in props.get(RDF.type, []) else "collective"
        for local, (field, many) in _CONCEPT_FIELDS.items():
            values = sorted(props.get(cc[local], []))
            item[field] = [concept(v) for v in values] if many else (concept(values[0]) if values else None)
        legal = first(ROV.orgType)
        item["legal_form"] = concept(legal) if legal else None
        municipality = first(cc.municipality)
        item["municipality"] = ({"code": str(first(cc.cbsMunicipalityCode) or local_id(municipality).upper()),
                                 "iri": str(municipality), "name": label_of.get(str(municipality))}
                                if municipality else None)
        province = first(cc.province)
        item["province"] = ({"code": local_id(province), "iri": str(province), "name": label_of.get(str(province))}
                            if province else None)
        for field, prop in (("founded", SCHEMA.foundingDate), ("dissolved", SCHEMA.dissolutionDate),
                            ("url", SCHEMA.url), ("kvk", cc.kvkNumber)):
            value = first(prop)
            item[field] = str(value) if value is not None else None
        item["networks"] = [{"id": local_id(n), "iri": str(n)} for n in sorted(props.get(ORG.memberOf, []))]
        item["place"], item["point"] = None, None
        out.append(item)
    index = {item["iri"]: item for item in out}
    for row in geo_rows:
        item = index.get(str(row["c"]))
        if item is None:
            continue
        if "place" in row and not item["place"]:
            item["place"] = str(row["place"])
        match = WKT_POINT.match(str(row.get("wkt", "")))
        if match and not item["point"]:
            item["point"] = [float(match.group(1)), float(match.group(2))]
    return out


def summary_graph(store: Store, iris: RegistryIRIs, things: list[URIRef]) -> Graph:
    """The triples behind :func:`summaries`, for JSON-LD lists."""
    graph = iris.bind(Graph())
    if not things:
        return graph
    block = values_block("c", things)
    for row in store.select(queries.prologue(iris) + queries.SUMMARIES.replace("VALUES_BLOCK", block)):
        graph.add((row["c"], row["p"], row["o"]))
    return graph


def lifecycle(store: Store, iris: RegistryIRIs, iri: URIRef) -> list[dict]:
    rows = store.select(queries.prologue(iris) + queries.LIFECYCLE, {"c": iri})
    return [{"event": str(r["event"]), "type": local_id(r["type"]) if "type" in r else None,
             "date": str(r["date"]) if "date" in r else None,
             "year": int(r["year"]) if "year" in r and str(r["year"]).lstrip("-").isdigit() else None}
            for r in rows]


def facts_with_sources(store: Store, iris: RegistryIRIs, iri: URIRef) -> list[dict]:
    """Each fact about a collective with the graph and source record it was read from."""
    rows = store.select(queries.prologue(iris) + queries.FACTS_WITH_SOURCES, {"c": iri})
    facts = []
    for row in rows[:2000]:
        facts.append({"property": str(row["p"]), "value": str(row["o"]),
                      "value_is_iri": isinstance(row["o"], URIRef),
                      "graph": str(row["g"]), "source": str(row.get("source", "")) or None,
                      "page": str(row["page"]) if "page" in row else None})
    return facts




def indicators(store: Store, iris: RegistryIRIs, iri: URIRef, lang: str = "en") -> list[dict]:
    """The collective's observed indicators, one series per indicator in date order:
    ``[{"indicator": IRI, "code": "members", "label": "Members", "points": [("2019-12-31", 120.0), ...]}]``.
    """
    rows = store.select(queries.prologue(iris) + queries.OBSERVATIONS, {"c": iri})
    series: dict[str, list[tuple[str, float]]] = {}
    for row in rows:
        try:
            value = float(row["value"])
        except (TypeError, ValueError):  # a non-numeric result cannot be charted
            continue
        series.setdefault(str(row["indicator"]), []).append((str(row["date"]), value))
    label_of = labels(store, iris, [URIRef(i) for i in series], lang)
    return [{"indicator": ind, "code": local_id(ind), "label": label_of.get(ind) or local_id(ind),
             "points": sorted(points)} for ind, points in sorted(series.items())]


def partnerships(store: Store, iris: RegistryIRIs, iri: URIRef, lang: str = "en") -> list[dict]:
    """Partnerships the collective takes part in, with the other party of each (one row per party)."""
    rows = store.select(queries.prologue(iris) + queries.PARTNERSHIPS, {"c": iri})
    label_of = labels(store, iris, [r[k] for r in rows for k in ("type", "other") if k in r], lang)
    out = []
    for row in rows:
        other = str(row["other"]) if "other" in row else None
        kind = None
        if other and other.startswith(f"{iris.base}id/collective/"):
            kind = "collective"
        elif other and other.startswith(f"{iris.base}id/network/"):
            kind = "network"
        elif "cbs" in row:
            kind = "municipality"
        out.append({"iri": str(row["partnership"]), "other": other, "other_kind": kind,
                    "other_id": (str(row["cbs"]) if kind == "municipality" else local_id(other)) if other else None,
                    "other_name": str(row["name"]) if "name" in row else label_of.get(other or ""),
                    "type": label_of.get(str(row["type"])) if "type" in row else None,
                    "start": str(row["start"]) if "start" in row else None,
                    "end": str(row["end"]) if "end" in row else None})
    return out
