"""The W3C Entity Reconciliation API (0.2), for OpenRefine users matching spreadsheets to registry ids."""
from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from registry.errors import InvalidInput, NotFound
from registry.settings import Settings
from registry.store import Store

from ..deps import get_settings, get_store, media_type, parse_form, read_body
from ..services import collectives as collective_service
from ..services import reconcile
from ..templates import esc

router = APIRouter(tags=["reconciliation"])
CORS_OPEN = {"Access-Control-Allow-Origin": "*"}  # OpenRefine and browser tools call from anywhere


def _json(data) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), media_type="application/json", headers=CORS_OPEN)


def _parse(text: str, what: str):
    try:
        return json.loads(text)
    except ValueError:
        raise InvalidInput(f"{what} is not valid JSON") from None


def _site(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _dispatch(request: Request, queries: str | None, extend: str | None, settings: Settings, store: Store) -> Response:
    if queries is not None:
        return _json(reconcile.reconcile_batch(store, settings, _parse(queries, "queries")))
    if extend is not None:
        return _json(reconcile.extend(store, settings, _parse(extend, "extend")))
    return _json(reconcile.manifest(settings, _site(request)))


@router.get("/reconcile", summary="Reconciliation: manifest, or a batch of queries (`queries=`) or extension (`extend=`)")
def reconcile_get(request: Request, queries: str | None = Query(None, max_length=100_000),
                  extend: str | None = Query(None, max_length=100_000),
                  settings: Settings = Depends(get_settings), store: Store = Depends(get_store)) -> Response:
    return _dispatch(request, queries, extend, settings, store)


@router.post("/reconcile", summary="Reconciliation queries as a form (`queries=` JSON), as OpenRefine sends them")
def reconcile_post(request: Request, body: bytes = Depends(read_body),
                   settings: Settings = Depends(get_settings), store: Store = Depends(get_store)) -> Response:
    if media_type(request) != "application/x-www-form-urlencoded":
        raise InvalidInput("POST a form with a 'queries' or 'extend' field", code="unsupported_media_type")
    fields = dict(parse_form(body))
    return _dispatch(request, fields.get("queries"), fields.get("extend"), settings, store)


@router.get("/reconcile/suggest/entity", summary="Suggest collectives by name prefix")
def suggest(prefix: str = Query(..., min_length=1, max_length=200), limit: int = Query(10, ge=1, le=25),
            settings: Settings = Depends(get_settings), store: Store = Depends(get_store)) -> Response:
    return _json(reconcile.suggest(store, settings, prefix, limit))


@router.get("/reconcile/properties", summary="Properties offered for data extension")
def propose_properties(type: str | None = Query(None, max_length=300), limit: int = Query(20, ge=1, le=50),
                       settings: Settings = Depends(get_settings)) -> Response:
    return _json({"type": type or str(settings.iris.CC.CitizenCollective),
                  "properties": reconcile.EXTEND_PROPERTIES[:limit]})


@router.get("/reconcile/preview", summary="A small HTML preview of one collective", response_class=HTMLResponse)
def preview(id: str = Query(..., max_length=200), settings: Settings = Depends(get_settings),
            store: Store = Depends(get_store)) -> HTMLResponse:
    kind = "network" if id.startswith("n-") else "collective"
    iri = collective_service.thing_iri(settings.iris, kind, id)
    found = collective_service.summaries(store, settings.iris, [iri])
    if not found or not found[0]["name"]:
        raise NotFound(f"no collective with id {id[:100]!r}")
    item = found[0]
    municipality = (item.get("municipality") or {}).get("name") or ""
    sectors = ", ".join(s["label"] or s["code"] for s in item["sectors"])
    text = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(item["name"])}</title></head>'
            f'<body style="font-family:sans-serif;margin:4px"><strong>{esc(item["name"])}</strong><br>'
            f'{esc(municipality)} · {esc(sectors)} · {esc(item.get("founded") or "")}<br>'
            f'<small>{esc(item["id"])}</small></body></html>')
    return HTMLResponse(text, headers=CORS_OPEN)
