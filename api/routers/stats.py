"""Statistics for researchers, as JSON or CSV; each figure carries the SPARQL query behind it."""
from __future__ import annotations

import json
from datetime import date

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from registry import trends
from registry.errors import NotFound
from registry.settings import Settings
from registry.store import Store

from ..conneg import negotiate, with_charset
from ..deps import base_path, get_settings, get_store
from ..services import listing, stats
from ..templates import bar_chart, esc, link, page

router = APIRouter(tags=["statistics"])
MAX_CACHED = 64


def _cached(request: Request, name: str, compute):
    """Computed once per store version: trends scan the whole registry (~0.5 s at 100k)."""
    cache = request.app.state.__dict__.setdefault("_figures", {})
    key = (name, request.app.state.names.version())
    if key not in cache:
        if len(cache) >= MAX_CACHED:
            cache.clear()
        cache[key] = compute()
    return cache[key]


def _figure(request: Request, store: Store, settings: Settings, name: str):
    return _cached(request, name, lambda: stats.figure(store, settings.iris, name))


@router.get("/stats", summary="The statistics on offer")
def stats_index(request: Request, settings: Settings = Depends(get_settings)) -> dict:
    base = base_path(request)
    return {"figures": [{"name": name, "url": f"{base}/stats/{name}"} for name in stats.figure_queries(settings.iris)],
            "summary": f"{base}/stats/summary",
            "trends": [{"metric": m, "url": f"{base}/stats/trends/{m}"} for m in trends.METRICS if m != "active-at"]}


@router.get("/stats/summary", summary="All figures at once (JSON) or as charts (HTML)")
def stats_summary(request: Request, format: str | None = Query(None, max_length=100),
                  settings: Settings = Depends(get_settings), store: Store = Depends(get_store)) -> Response:
    chosen = negotiate(request.headers.get("accept"), ["application/json", "text/html"], format)
    figures = {name: _figure(request, store, settings, name)[0] for name in stats.figure_queries(settings.iris)}
    if chosen == "text/html":
        base = base_path(request)
        parts = []
        for name, rows in figures.items():
            if not rows:
                continue
            label_key = next((k for k in ("label", "year", "sector", "province") if k in rows[0]), None)
            value_key = next((k for k, v in rows[0].items() if isinstance(v, int) and k != "year"), None)
            if label_key is None or value_key is None:
                continue
            title = name.replace("_", " ").capitalize()
            chart = bar_chart([(str(r.get(label_key, "?")), r.get(value_key, 0)) for r in rows[:40]], title)
            parts.append(f"<h2>{esc(title)}</h2>{chart}<p>{link(f'{base}/stats/{name}?format=csv', 'CSV')} · "
                         f"{link(f'{base}/stats/{name}', 'JSON with its query')}</p>")
        active = _cached(request, "active-by-sector",
                         lambda: trends.svg_chart(trends.trends(store, settings.iris, "active", by=("sector",)),
                                                  "Active collectives at the end of each year, by sector"))
        parts.insert(0, f"<h2>Active collectives per year</h2>{active}<p>"
                        f"{link(f'{base}/stats/trends/active?by=sector&format=csv', 'CSV')} · "
                        f"{link(f'{base}/stats/trends/active?by=sector', 'JSON with its query')}</p>")
        return Response(page("Statistics and trends", "".join(parts) or "<p>No data yet.</p>", base=base),
                        media_type="text/html; charset=utf-8", headers={"Vary": "Accept"})
    return Response(json.dumps(figures, ensure_ascii=False), media_type="application/json", headers={"Vary": "Accept"})


@router.get("/stats/trends/{metric}", summary="Trend statistics by year and dimension: JSON (with the query), CSV or an SVG chart")
def stats_trend(request: Request,
                metric: str = Path(..., max_length=20, examples=["active", "flows", "survival"]),
                by: str = Query("", max_length=200, description="comma-separated: sector, collective-type, "
                                "legal-form, province, municipality, network"),
                sector: str | None = Query(None, max_length=500), collective_type: str | None = Query(
                    None, alias="collective-type", max_length=500),
                legal_form: str | None = Query(None, alias="legal-form", max_length=500),
                province: str | None = Query(None, max_length=500), municipality: str | None = Query(None, max_length=500),
                network: str | None = Query(None, max_length=500),
                first: int | None = Query(None, ge=1800, le=2200), last: int | None = Query(None, ge=1800, le=2200),
                at: date | None = Query(None), after: int = Query(5, ge=1, le=100),
                format: str | None = Query(None, max_length=100),
                settings: Settings = Depends(get_settings), store: Store = Depends(get_store)) -> Response:
    chosen = negotiate(request.headers.get("accept"), ["application/json", "text/csv", "image/svg+xml"], format)
    given = {"sector": sector, "collective-type": collective_type, "legal-form": legal_form,
             "province": province, "municipality": municipality, "network": network}
    filters = {name: [v for v in value.split(",") if v.strip()] for name, value in given.items() if value}
    years = (first or 1900, last or date.today().year) if (first or last) else None
    if metric == "active" and at:
        metric = "active-at"
    spec = dict(by=tuple(d for d in by.split(",") if d.strip()), filters=filters, years=years, at=at, after=after)
    result = trends.trends(store, settings.iris, metric, **spec)
    if chosen == "text/csv":
        return Response(result.to_csv(), media_type="text/csv; charset=utf-8", headers={"Vary": "Accept"})
    if chosen == "image/svg+xml":
        return Response(trends.svg_chart(result), media_type="image/svg+xml", headers={"Vary": "Accept"})
    body = {"metric": result.metric, "columns": result.columns, "rows": result.rows,
            "query": result.query}  # the query that made the figure (over the summary graph when it did)
    return Response(json.dumps(body, ensure_ascii=False, default=str), media_type="application/json",
                    headers={"Vary": "Accept"})


@router.get("/stats/{name}", summary="One figure: rows and the query that made them (JSON) or rows (CSV)")
def stats_figure(request: Request, name: str = Path(..., max_length=100, examples=["by_sector"]),
                 format: str | None = Query(None, max_length=100),
                 settings: Settings = Depends(get_settings), store: Store = Depends(get_store)) -> Response:
    chosen = negotiate(request.headers.get("accept"), ["application/json", "text/csv"], format)
    found = _figure(request, store, settings, name)
    if found is None:
        raise NotFound(f"no figure named {name[:100]!r}; see /stats")
    rows, query = found
    if chosen == "text/csv":
        columns = list(dict.fromkeys(key for row in rows for key in row))
        return Response(listing.to_csv([], columns, rows), media_type=with_charset("text/csv"),
                        headers={"Vary": "Accept", "Content-Disposition": f'attachment; filename="{name}.csv"'})
    body = {"name": name, "rows": rows, "query": query}
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/json", headers={"Vary": "Accept"})
