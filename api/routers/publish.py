"""For networks publishing linked data: validation, ontology, shapes, context; the dataset description."""
from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from registry import model
from registry.settings import Settings
from registry.store import Store

from ..conneg import negotiate, preferred_language, with_charset
from ..deps import base_path, get_settings, get_store, media_type, read_body
from ..services import dataset, publishing
from ..services.rdf_out import RDF_MEDIA_TYPES, serialize
from ..templates import esc, link, page

router = APIRouter(tags=["publishing"])
STATIC = {"Cache-Control": "public, max-age=3600", "Vary": "Accept"}


def _context_urls(request: Request, settings: Settings) -> set[str]:
    site = str(request.base_url).rstrip("/")
    return {f"{site}/context.jsonld", f"{settings.iris.base}context.jsonld", f"{settings.iris.base}context"}


@router.post("/validate", summary="Validate RDF against the registry's SHACL shapes",
             description="POST Turtle, JSON-LD, RDF/XML or N-Triples (with its Content-Type). The report comes "
                         "as JSON (default) or Turtle (`Accept: text/turtle`); messages in English or Dutch "
                         "by `Accept-Language`. Remote JSON-LD contexts are not fetched, except the registry's own.",
             responses={200: {"content": {"application/json": {"example": {
                 "conforms": False, "violations": 1, "warnings": 0, "results": [{"severity": "Violation"}]}}}}})
def validate(request: Request, body: bytes = Depends(read_body), format: str | None = Query(None, max_length=100),
             settings: Settings = Depends(get_settings)) -> Response:
    chosen = negotiate(request.headers.get("accept"), ["application/json", "text/turtle"], format)
    graph = publishing.parse(body, media_type(request), settings.iris, _context_urls(request, settings))
    report = publishing.validator(request).validate(graph)
    lang = preferred_language(request.headers.get("accept-language"))
    headers = {"Vary": "Accept, Accept-Language", "Content-Language": lang}
    if chosen == "text/turtle":
        return Response(report.graph.serialize(format="turtle", encoding="utf-8"),
                        media_type=with_charset("text/turtle"), headers=headers)
    return Response(json.dumps(report.to_dict(lang), ensure_ascii=False), media_type="application/json",
                    headers=headers)


def _cached(request: Request, key: str, make) -> bytes:
    cache = request.app.state.__dict__.setdefault("_static", {})
    if key not in cache:
        cache[key] = make()
    return cache[key]


def _model_graph(request: Request, which: str, format: str | None) -> Response:
    settings = request.app.state.settings
    chosen = negotiate(request.headers.get("accept"), ["text/turtle"] + [m for m in RDF_MEDIA_TYPES if m != "text/turtle"],
                       format)
    load = model.load_ontology if which == "ontology" else model.load_shapes
    body = _cached(request, f"{which}:{chosen}", lambda: serialize(load(settings.iris), chosen, settings.iris))
    return Response(body, media_type=with_charset(chosen), headers=STATIC)


@router.get("/ontology", summary="The collectives ontology and its code lists",
            description="Turtle (default), JSON-LD, N-Triples or RDF/XML.")
def ontology(request: Request, format: str | None = Query(None, max_length=100)) -> Response:
    return _model_graph(request, "ontology", format)


@router.get("/shapes", summary="The SHACL shapes (core = Violation, recommended = Warning)")
def shapes(request: Request, format: str | None = Query(None, max_length=100)) -> Response:
    return _model_graph(request, "shapes", format)


@router.get("/context.jsonld", summary="The JSON-LD context for publishing data")
def context(request: Request, settings: Settings = Depends(get_settings)) -> Response:
    negotiate(request.headers.get("accept"), ["application/ld+json", "application/json"])
    body = _cached(request, "context", lambda: json.dumps(model.load_context(settings.iris), ensure_ascii=False,
                                                           indent=2).encode("utf-8"))
    return Response(body, media_type="application/ld+json", headers={**STATIC, "Access-Control-Allow-Origin": "*"})


@router.get("/dataset", summary="The dataset description (DCAT + VoID) with live counts",
            description="Turtle, JSON-LD, N-Triples or RDF/XML.")
def dataset_description(request: Request, format: str | None = Query(None, max_length=100),
                        settings: Settings = Depends(get_settings), store: Store = Depends(get_store)) -> Response:
    chosen = negotiate(request.headers.get("accept"), ["text/turtle"] + [m for m in RDF_MEDIA_TYPES if m != "text/turtle"],
                       format)
    graph = dataset.describe(store, settings, str(request.base_url).rstrip("/"))
    return Response(serialize(graph, chosen, settings.iris), media_type=with_charset(chosen),
                    headers={"Vary": "Accept"})


EXAMPLE = """@prefix cc: <{cc}> .
@prefix schema: <http://schema.org/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

# One member of your network. Use your own stable IRIs for members.
<https://network.example.org/members/energie-voorbeelddorp>
    a cc:CitizenCollective , schema:Organization ;
    schema:name "Energiecoöperatie Voorbeelddorp" ;
    cc:sector <{base}def/sector/energy> ;
    cc:municipality <https://identifier.overheid.nl/tooi/id/gemeente/gm0363> ;
    cc:cbsMunicipalityCode "GM0363" ;
    cc:kvkNumber "99000001" ;
    schema:foundingDate "2012"^^xsd:gYear ;
    schema:url <https://voorbeelddorp-energie.example.org/> .
"""


@router.get("/publish/example.ttl", summary="A small example of member data, in Turtle")
def example(settings: Settings = Depends(get_settings)) -> Response:
    text = EXAMPLE.format(cc=settings.iris.CC, base=settings.iris.base)
    return Response(text, media_type=with_charset("text/turtle"),
                    headers={"Content-Disposition": 'attachment; filename="example.ttl"'})


@router.get("/publish", include_in_schema=False)
def publish_page(request: Request) -> Response:
    base = base_path(request)
    body = (f"<p>Networks can publish their members as linked data; the registry harvests it. Describe each "
            f"member with the {link(base + '/ontology', 'collectives ontology')} (or the "
            f"{link(base + '/context.jsonld', 'JSON-LD context')}), check it against the "
            f"{link(base + '/shapes', 'SHACL shapes')}, and publish it at a stable URL.</p>"
            f"<h2>Check your data</h2><p>POST it to <code>{esc(base)}/validate</code> with its Content-Type:</p>"
            f"<pre>curl -H 'Content-Type: text/turtle' -H 'Accept-Language: nl' --data-binary @members.ttl "
            f"{esc(str(request.base_url).rstrip('/'))}/validate</pre>"
            f"<p>The answer lists every problem with the rule it breaks, in English or Dutch.</p>"
            f"<h2>Example</h2><p>{link(base + '/publish/example.ttl', 'Download an example (Turtle)')}</p>")
    return Response(page("Publishing data for the registry", body, base=base), media_type="text/html; charset=utf-8")
