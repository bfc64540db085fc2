"""Municipalities, for governments: overview and the collectives in a municipality."""
from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from registry.errors import NotFound
from registry.settings import Settings
from registry.store import Store

from ..conneg import negotiate, preferred_language
from ..deps import base_path, get_settings, get_store
from ..services import collectives as service
from ..services import municipalities, search
from .collectives import list_response

router = APIRouter(tags=["municipalities"])
CODE_HELP = "GM0363, gm0363, 0363, the TOOI IRI or the name; an ended municipality answers with its successor"


def _canonical(request: Request, found, suffix: str = "") -> str:
    return f'<{base_path(request)}/municipalities/{found.code}{suffix}>; rel="canonical"'


@router.get("/municipalities/lookup", include_in_schema=False)
def lookup(request: Request, q: str = Query(..., max_length=200),
           settings: Settings = Depends(get_settings), store: Store = Depends(get_store)) -> Response:
    found = municipalities.resolve(store, settings, q)
    return RedirectResponse(f"{base_path(request)}/municipalities/{found.code}", status_code=303)


@router.get("/municipalities/{code:path}/collectives", summary="Collectives in a municipality",
            description=CODE_HELP + ". Same filters, paging and formats as `/collectives`.")
def municipality_collectives(
        request: Request, code: str = Path(..., max_length=200, examples=["GM0363"]),
        sector: list[str] = Query([]), type: list[str] = Query([]), stage: list[str] = Query([]),
        q: str | None = Query(None, max_length=200),
        limit: int = Query(search.DEFAULT_LIMIT, ge=1, le=search.MAX_LIMIT),
        offset: int = Query(0, ge=0, le=search.MAX_OFFSET), total: bool = Query(False),
        format: str | None = Query(None, max_length=100),
        settings: Settings = Depends(get_settings), store: Store = Depends(get_store)) -> Response:
    found = municipalities.resolve(store, settings, code)
    lang = preferred_language(request.headers.get("accept-language"))
    wanted = search.SearchRequest(q=q, concepts={"sector": sector, "type": type, "stage": stage},
                                  municipality=[found.code], limit=limit, offset=offset, total=total)
    result = search.search(store, settings, wanted, request.app.state.names)
    items = service.summaries(store, settings.iris, result.things, lang)
    if found.merged_from:
        result.merged.append(found.to_dict())
    response = list_response(request, "collective", result, items, limit, offset, format, settings, store)
    response.headers.append("Link", _canonical(request, found, "/collectives"))
    return response


@router.get("/municipalities/{code:path}", summary="A municipality: sectors, networks, partnerships",
            description=CODE_HELP + ".")
def municipality(request: Request, code: str = Path(..., max_length=200, examples=["GM0363"]),
                 format: str | None = Query(None, max_length=100),
                 settings: Settings = Depends(get_settings), store: Store = Depends(get_store)) -> Response:
    if not code:
        raise NotFound("no municipality given")
    chosen = negotiate(request.headers.get("accept"), ["application/json", "text/html"], format)
    found = municipalities.resolve(store, settings, code)
    lang = preferred_language(request.headers.get("accept-language"))
    data = municipalities.overview(store, settings, found, lang)
    data["collectives"] = f"{base_path(request)}/municipalities/{found.code}/collectives"
    if chosen == "text/html":
        from .pages import municipality_page
        return municipality_page(request, data, lang)
    return Response(json.dumps(data, ensure_ascii=False), media_type="application/json",
                    headers={"Vary": "Accept", "Link": _canonical(request, found)})
