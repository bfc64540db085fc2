"""W3C Entity Reconciliation API 0.2: match names (+ municipality, KvK) to registry ids.

Candidates come from one query per name (any of its words, accent-insensitive); scoring is done
here: name similarity, plus agreement on the municipality; an exact KvK number is a certain match.
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher

from rdflib import Literal, URIRef

from registry.errors import InvalidInput
from registry.identifiers import normalise_kvk
from registry.reference import fold
from registry.settings import Settings
from registry.store import Store

from . import municipalities, queries
from .collectives import local_id, summaries
from .text import accent_pattern

MAX_QUERIES = 50
MAX_LIMIT = 25
STOPWORDS = {"de", "het", "een", "van", "en", "in", "op", "voor", "the", "of", "and", "stichting",
             "vereniging", "cooperatie", "ua", "u.a."}
PROPERTIES = [
    {"id": "municipality", "name": "Municipality (name, GM code or TOOI IRI)"},
    {"id": "kvk", "name": "KvK number"},
]


def types(settings: Settings) -> list[dict]:
    cc = settings.iris.CC
    return [{"id": str(cc.CitizenCollective), "name": "Citizen collective"},
            {"id": str(cc.Network), "name": "Network"}]


def manifest(settings: Settings, site: str) -> dict:
    return {
        "versions": ["0.2"],
        "name": "Registry of Dutch citizen collectives",
        "identifierSpace": f"{settings.iris.base}id/",
        "schemaSpace": str(settings.iris.CC),
        "documentation": f"{site}/docs",
        "serviceVersion": "0.1.0",
        "defaultTypes": types(settings),
        "view": {"url": f"{site}/entity/{{{{id}}}}"},
        "preview": {"url": f"{site}/reconcile/preview?id={{{{id}}}}", "width": 400, "height": 120},
        "suggest": {"entity": {"service_url": site, "service_path": "/reconcile/suggest/entity"}},
        "extend": {"propose_properties": {"service_url": site, "service_path": "/reconcile/properties"}},
    }


def _words(text: str) -> list[str]:
    words = [w for w in re.split(r"[^0-9a-z]+", fold(text)) if len(w) >= 3 and w not in STOPWORDS]
    return sorted(set(words), key=len, reverse=True)[:5]


def _candidates(store: Store, settings: Settings, text: str) -> list[dict]:
    words = _words(text)
    if not words:
        return []
    pattern = "|".join(accent_pattern(w) for w in words)
    query = queries.prologue(settings.iris) + queries.RECONCILE_CANDIDATES.replace("FILTERS", "")
    return store.select(query, {"pattern": Literal(pattern)})


def _values(prop: dict) -> list[str]:
    value = prop.get("v")
    values = value if isinstance(value, list) else [value]
    out = []
    for v in values[:5]:
        if isinstance(v, dict):
            v = v.get("id") or v.get("name")
        if isinstance(v, (str, int, float)) and not isinstance(v, bool):
            out.append(str(v)[:200])
    return out


def reconcile_one(store: Store, settings: Settings, query: dict) -> dict:
    if not isinstance(query, dict):
        raise InvalidInput("each reconciliation query is an object")
    text = query.get("query") or ""
    if not isinstance(text, str) or len(text) > 300:
        raise InvalidInput("query is a string of at most 300 characters")
    limit = query.get("limit", 5)
    limit = max(1, min(int(limit), MAX_LIMIT)) if isinstance(limit, (int, float)) and not isinstance(limit, bool) else 5
    wanted_types = query.get("type")
    wanted_types = {wanted_types} if isinstance(wanted_types, str) else set(wanted_types or [])
    props = query.get("properties") or []
    if not isinstance(props, list):
        raise InvalidInput("properties is a list of {pid, v}")
    kvks, places = [], []
    for prop in props[:10]:
        if not isinstance(prop, dict):
            continue
        if prop.get("pid") == "kvk":
            kvks += [k for k in (normalise_kvk(v) for v in _values(prop)) if k]
        elif prop.get("pid") == "municipality":
            for value in _values(prop):
                try:
                    places.append(municipalities.resolve(store, settings, value).iri)
                except Exception:  # an unknown municipality just does not help the score
                    pass
    rows = []
    for kvk in kvks:
        rows += [dict(r, kvk=True) for r in store.select(queries.prologue(settings.iris) + queries.RECONCILE_BY_KVK,
                                                          {"kvk": Literal(kvk)})]
    rows += _candidates(store, settings, text) if text else []
    seen, candidates = set(), []
    for row in rows:
        if str(row["c"]) not in seen and (not wanted_types or str(row["type"]) in wanted_types):
            seen.add(str(row["c"]))
            candidates.append(row)
    details = {s["iri"]: s for s in summaries(store, settings.iris, [URIRef(r["c"]) for r in candidates[:200]])}
    type_names = {t["id"]: t["name"] for t in types(settings)}
    results = []
    for row in candidates[:200]:
        item = details[str(row["c"])]
        name_score = SequenceMatcher(None, fold(text), fold(item["name"])).ratio() if text else 0.0
        place_match = bool(places) and (item.get("municipality") or {}).get("iri") in places
        score = 100.0 if row.get("kvk") else round(100 * name_score * (1.0 if not places else (1.0 if place_match else 0.8)), 1)
        if place_match and not row.get("kvk"):
            score = min(100.0, score + 10)
        municipality = (item.get("municipality") or {}).get("name")
        results.append({
            "id": item["id"], "name": item["name"], "score": score,
            "match": bool(row.get("kvk")) or (name_score > 0.95 and (place_match or not places)),
            "type": [{"id": str(row["type"]), "name": type_names.get(str(row["type"]), local_id(row["type"]))}],
            "description": ", ".join(x for x in [municipality, item.get("founded")] if x) or None,
            "features": [{"id": "name_similarity", "value": round(name_score, 3)},
                         {"id": "municipality_match", "value": place_match}],
        })
    results.sort(key=lambda r: (-r["score"], r["name"], r["id"]))
    for result in results:
        if result["description"] is None:
            del result["description"]
    return {"result": results[:limit]}


def reconcile_batch(store: Store, settings: Settings, batch) -> dict:
    if not isinstance(batch, dict) or not batch:
        raise InvalidInput("queries is a JSON object of named queries")
    if len(batch) > MAX_QUERIES:
        raise InvalidInput(f"at most {MAX_QUERIES} queries per request")
    return {str(key)[:100]: reconcile_one(store, settings, query) for key, query in batch.items()}


def suggest(store: Store, settings: Settings, prefix: str, limit: int = 10) -> dict:
    results = reconcile_one(store, settings, {"query": prefix, "limit": limit})["result"]
    return {"result": [{"id": r["id"], "name": r["name"], **({"description": r["description"]} if "description" in r else {}),
                        "notable": r["type"]} for r in results]}


EXTEND_PROPERTIES = [
    {"id": "municipality", "name": "Municipality"}, {"id": "municipality_code", "name": "CBS municipality code"},
    {"id": "province", "name": "Province"}, {"id": "sector", "name": "Sector"}, {"id": "kvk", "name": "KvK number"},
    {"id": "founded", "name": "Founding date"}, {"id": "dissolved", "name": "Dissolution date"},
    {"id": "url", "name": "Website"},
]


def _extend_values(item: dict, prop: str) -> list[dict]:
    municipality = item.get("municipality") or {}
    province = item.get("province") or {}
    values = {
        "municipality": [municipality.get("name")], "municipality_code": [municipality.get("code")],
        "province": [province.get("name") or province.get("code")],
        "sector": [s["label"] or s["code"] for s in item.get("sectors", [])],
        "kvk": [item.get("kvk")], "founded": [item.get("founded")], "dissolved": [item.get("dissolved")],
        "url": [item.get("url")],
    }.get(prop, [])
    return [{"str": v} for v in values if v]


def extend(store: Store, settings: Settings, request) -> dict:
    """Data extension: property values for reconciled ids."""
    if not isinstance(request, dict) or not isinstance(request.get("ids"), list) or not isinstance(request.get("properties"), list):
        raise InvalidInput("extend is {\"ids\": [...], \"properties\": [{\"id\": ...}]}")
    ids = [i for i in request["ids"][:200] if isinstance(i, str)]
    known = {p["id"]: p for p in EXTEND_PROPERTIES}
    props = [p.get("id") for p in request["properties"][:20] if isinstance(p, dict) and p.get("id") in known]
    iris = settings.iris
    from .collectives import ID_PATTERN
    things = [iris.network(i) if i.startswith("n-") else iris.collective(i) for i in ids if ID_PATTERN.match(i)]
    items = {s["id"]: s for s in summaries(store, iris, things)}
    rows = {i: {p: _extend_values(items[i], p) if i in items else [] for p in props} for i in ids}
    return {"meta": [known[p] for p in props], "rows": rows}
