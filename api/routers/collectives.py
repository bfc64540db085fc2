"""Collectives: search and one collective, content-negotiated."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from registry.settings import Settings
from registry.store import Store

from ..conneg import negotiate, preferred_language, with_charset
from ..deps import get_settings, get_store
from ..services import collectives as service
from ..services.rdf_out import RDF_MEDIA_TYPES, serialize

router = APIRouter(tags=["collectives"])

ONE_OFFERED = RDF_MEDIA_TYPES[:1] + ["text/html"] + RDF_MEDIA_TYPES[1:]


def resource_response(request: Request, kind: str, ident: str, format: str | None,
                      settings: Settings, store: Store) -> Response:
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
