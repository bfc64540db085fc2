"""Pages of summaries as JSON, CSV and GeoJSON."""
from __future__ import annotations

import csv
import io
import json

CSV_COLUMNS = ["id", "iri", "name", "kind", "sectors", "type", "legal_form", "stage", "roles",
               "municipality_code", "municipality", "province", "place", "founded", "dissolved",
               "url", "kvk", "networks", "longitude", "latitude"]


def _codes(values) -> str:
    return ";".join(v["code"] for v in values or [])


def csv_row(item: dict) -> dict:
    point = item.get("point") or [None, None]
    municipality = item.get("municipality") or {}
    province = item.get("province") or {}
    return {
        "id": item["id"], "iri": item["iri"], "name": item["name"], "kind": item["kind"],
        "sectors": _codes(item.get("sectors")), "type": (item.get("type") or {}).get("code"),
        "legal_form": (item.get("legal_form") or {}).get("code"), "stage": (item.get("stage") or {}).get("code"),
        "roles": _codes(item.get("roles")), "municipality_code": municipality.get("code"),
        "municipality": municipality.get("name"), "province": province.get("name") or province.get("code"),
        "place": item.get("place"), "founded": item.get("founded"), "dissolved": item.get("dissolved"),
        "url": item.get("url"), "kvk": item.get("kvk"),
        "networks": ";".join(n["id"] for n in item.get("networks", [])),
        "longitude": point[0], "latitude": point[1],
    }


def _safe_cell(value):
    # spreadsheet programs run cells starting with these as formulas (CSV injection)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(items: list[dict], columns: list[str] | None = None, rows: list[dict] | None = None) -> bytes:
    columns = columns or CSV_COLUMNS
    rows = rows if rows is not None else [csv_row(i) for i in items]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _safe_cell("" if row.get(k) is None else row.get(k)) for k in columns})
    return out.getvalue().encode("utf-8")


def to_geojson(items: list[dict], extra: dict | None = None) -> bytes:
    features = []
    for item in items:
        properties = {k: v for k, v in item.items() if k != "point"}
        geometry = {"type": "Point", "coordinates": item["point"]} if item.get("point") else None
        features.append({"type": "Feature", "id": item["iri"], "geometry": geometry, "properties": properties})
    body = {"type": "FeatureCollection", "features": features, **(extra or {})}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")
