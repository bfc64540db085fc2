"""Networks (umbrella and support organisations): list, one network with members and coverage."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from rdflib import URIRef

from registry.settings import Settings
from registry.store import Store

from ..conneg import negotiate, preferred_language
from ..deps import get_settings, get_store
from ..services import collectives as service
from ..services import networks, search
from .collectives import list_response, resource_response

router = APIRouter(tags=["networks"])


@router.get("/networks", summary="All networks with their member counts",
            description="JSON, CSV or HTML.")
def list_networks(request: Request, format: str | None = Query(None, max_length=100),
                  settings: Settings = Depends(get_settings), store: Store = Depends(get_store)) -> Response:
    chosen = negotiate(request.headers.get("accept"), ["application/json", "text/csv", "text/html"], format)
    items = networks.all_networks(store, settings.iris)
    return networks.render_list(request, items, chosen)


@router.get("/networks/{ident}/members", summary="Members of a network (paged, like /collectives)")
def network_members(request: Request, ident: str = Path(..., max_length=200),
                    limit: int = Query(search.DEFAULT_LIMIT, ge=1, le=search.MAX_LIMIT),
                    offset: int = Query(0, ge=0, le=search.MAX_OFFSET), total: bool = Query(False),
                    format: str | None = Query(None, max_length=100),
                    settings: Settings = Depends(get_settings), store: Store = Depends(get_store)) -> Response:
    service.describe(store, settings.iris, "network", ident)  # 404 for unknown networks
    lang = preferred_language(request.headers.get("accept-language"))
    result = search.search(store, settings, search.SearchRequest(network=[ident], limit=limit, offset=offset,
                                                                 total=total))
    items = service.summaries(store, settings.iris, result.things, lang)
    return list_response(request, "collective", result, items, limit, offset, format, settings, store)


@router.get("/networks/{ident}", summary="One network: its description, members and coverage",
            description="JSON (summary with coverage by province), HTML, JSON-LD, Turtle, N-Triples, RDF/XML.")
def get_network(request: Request, ident: str = Path(..., max_length=200),
                format: str | None = Query(None, max_length=100),
                settings: Settings = Depends(get_settings), store: Store = Depends(get_store)) -> Response:
    offered = ["application/ld+json", "text/html", "application/json", "text/turtle", "application/n-triples",
               "application/rdf+xml"]
    chosen = negotiate(request.headers.get("accept"), offered, format)
    if chosen != "application/json":
        return resource_response(request, "network", ident, chosen, settings, store)
    service.describe(store, settings.iris, "network", ident)
    lang = preferred_language(request.headers.get("accept-language"))
    iri = service.thing_iri(settings.iris, "network", ident)
    return networks.summary_response(request, store, settings.iris, URIRef(iri), lang)
