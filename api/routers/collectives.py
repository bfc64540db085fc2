"""Collectives: search and one collective, content-negotiated."""
from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from registry.settings import Settings
from registry.store import Store

from ..conneg import negotiate, preferred_language, with_charset
from ..deps import base_path, get_settings, get_store
from ..services import collectives as service
from ..services import listing, search
from ..services.rdf_out import RDF_MEDIA_TYPES, serialize

router = APIRouter(tags=["collectives"])

ONE_OFFERED = RDF_MEDIA_TYPES[:1] + ["text/html"] + RDF_MEDIA_TYPES[1:]


def resource_response(request: Request, kind: str, ident: str, format: str | None,
                      settings: Settings, store: Store) -> Response:
    replaced_by = service.survivor(store, settings.iris, kind, ident)
    if replaced_by is not None:  # merged into another collective: its id lives on as a permanent redirect
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"{base_path(request)}/{kind}s/{replaced_by}{query}", status_code=301,
                                headers={"Vary": "Accept"})
    chosen = negotiate(request.headers.get("accept"), ONE_OFFERED, format)
    graph = service.describe(store, settings.iris, kind, ident)
    if chosen == "text/html":
        from .pages import thing_page
        lang = preferred_language(request.headers.get("accept-language"))
        return thing_page(request, kind, ident, graph, lang)
    return Response(serialize(graph, chosen, settings.iris), media_type=with_charset(chosen),
                    headers={"Vary": "Accept"})


@router.get("/collectives/{ident}", summary="One collective",
            description="HTML, JSON-LD (with the project's context), Turtle, N-Triples or RDF/XML, "
                        "chosen by Accept or `?format=`; facts come with their source records.")
def get_collective(request: Request, ident: str = Path(..., max_length=200, examples=["c-0123456789ab"]),
                   format: str | None = Query(None, max_length=100),
                   settings: Settings = Depends(get_settings), store: Store = Depends(get_store)) -> Response:
    return resource_response(request, "collective", ident, format, settings, store)


LIST_OFFERED = ["application/json", "application/ld+json", "text/csv", "application/geo+json", "text/html"]


def list_response(request: Request, kind: str, result, items: list[dict], limit: int, offset: int,
                  format: str | None, settings: Settings, store: Store) -> Response:
    chosen = negotiate(request.headers.get("accept"), LIST_OFFERED, format)
    headers = {"Vary": "Accept"}
    next_url = None
    if len(items) == limit:
        next_url = str(request.url.include_query_params(offset=offset + limit))
        headers["Link"] = f'<{next_url}>; rel="next"'
    if chosen == "text/html":
        from .pages import list_page
        return list_page(request, kind, items, result.total, next_url)
    if chosen == "text/csv":
        return Response(listing.to_csv(items), media_type=with_charset("text/csv"), headers=headers)
    paging = {"limit": limit, "offset": offset, "next": next_url}
    if result.total is not None:
        paging["total"] = result.total
    if result.merged:
        paging["merged_municipalities"] = result.merged
    if chosen == "application/geo+json":
        return Response(listing.to_geojson(items, paging), media_type="application/geo+json", headers=headers)
    if chosen == "application/ld+json":
        graph = service.summary_graph(store, settings.iris, result.things)
        return Response(serialize(graph, chosen, settings.iris), media_type=chosen, headers=headers)
    body = {"items": items, **paging}
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/json", headers=headers)


@router.get("/collectives", summary="Search collectives",
            description="Name search (`q`, accent- and case-insensitive) and filters; paged in a stable "
                        "order (name, then id); `total=true` adds the number of matches. "
                        "JSON, JSON-LD, CSV, GeoJSON or HTML.")
def list_collectives(
        request: Request,
        q: str | None = Query(None, max_length=200, description="part of the name", examples=["energie"]),
        sector: list[str] = Query([], description="sector code (energy, care, housing, food...)"),
        type: list[str] = Query([], description="collective type code (energy-cooperative...)"),
        legal_form: list[str] = Query([], description="legal form code (cooperative-ua, foundation...)"),
        role: list[str] = Query([], description="societal role code (identifier, educator, enabler, go-between)"),
        stage: list[str] = Query([], description="lifecycle stage code"),
        municipality: list[str] = Query([], description="GM0363, 0363, TOOI IRI or name"),
        province: list[str] = Query([], description="pv27 or Noord-Holland"),
        network: list[str] = Query([], description="network id"),
        active_on: str | None = Query(None, max_length=10, description="YYYY, YYYY-MM or YYYY-MM-DD"),
        founded_from: int | None = Query(None, ge=1000, le=2999),
        founded_to: int | None = Query(None, ge=1000, le=2999),
        limit: int = Query(search.DEFAULT_LIMIT, ge=1, le=search.MAX_LIMIT),
        offset: int = Query(0, ge=0, le=search.MAX_OFFSET),
        total: bool = Query(False, description="count all matches"),
        format: str | None = Query(None, max_length=100, description="json, jsonld, csv, geojson, html"),
        settings: Settings = Depends(get_settings), store: Store = Depends(get_store)) -> Response:
    lang = preferred_language(request.headers.get("accept-language"))
    wanted = search.SearchRequest(
        q=q, concepts={"sector": sector, "type": type, "legal_form": legal_form, "role": role, "stage": stage},
        municipality=municipality, province=province, network=network, active_on=active_on,
        founded_from=founded_from, founded_to=founded_to, limit=limit, offset=offset, total=total)
    result = search.search(store, settings, wanted, request.app.state.names)
    items = service.summaries(store, settings.iris, result.things, lang)
    return list_response(request, "collective", result, items, limit, offset, format, settings, store)


@router.get("/id/{kind}/{ident}", include_in_schema=False)
def dereference(request: Request, kind: str, ident: str) -> Response:
    """The registry's IRIs (``{base}id/collective/...``) answer with a 303 to their description."""
    from fastapi.responses import RedirectResponse
    from registry.errors import NotFound
    from ..deps import base_path
    targets = {"collective": "collectives", "network": "networks"}
    if kind not in targets or not service.ID_PATTERN.match(ident):
        raise NotFound("no such resource")
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"{base_path(request)}/{targets[kind]}/{ident}{query}", status_code=303,
                            headers={"Vary": "Accept"})


@router.get("/entity/{ident}", include_in_schema=False)
def entity(request: Request, ident: str) -> Response:
    """Reconciliation's view URL: a collective (``c-``) or network (``n-``) id to its page."""
    return dereference(request, "network" if ident.startswith("n-") else "collective", ident)
