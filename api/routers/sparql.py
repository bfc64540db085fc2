"""The SPARQL 1.1 Protocol endpoint: read-only unless the admin token is presented."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from registry.errors import InvalidInput
from registry.settings import Settings
from registry.sparql_text import query_form

from ..auth import Access, admin_access
from ..conneg import negotiate, with_charset
from ..deps import get_settings, media_type, parse_form, read_body
from ..problems import Problem, ReadOnly
from ..services import service_description
from ..services.sparql import GRAPH_MEDIA_TYPES, offered_media_types

router = APIRouter(tags=["SPARQL"])

MAX_QUERY = 100_000  # characters
MAX_GRAPHS = 50
RESULT_ALIASES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml"}
EXAMPLE = "SELECT ?c ?name WHERE { ?c a <https://w3id.org/collectives-nl/def#CitizenCollective> ; <http://schema.org/name> ?name } LIMIT 10"


def _graph_list(values: list[str]) -> list[str] | None:
    if len(values) > MAX_GRAPHS:
        raise InvalidInput(f"at most {MAX_GRAPHS} graph IRIs per request")
    for value in values:
        if not value.startswith(("http://", "https://", "urn:")) or any(c in value for c in '<>" {}|\\^`'):
            raise InvalidInput(f"not a graph IRI: {value[:100]!r}")
    return values or None


def _answer(request: Request, query: str, default_graphs: list[str], named_graphs: list[str],
            format: str | None) -> Response:
    if len(query) > MAX_QUERY:
        raise Problem(413, "query_too_large", f"queries are limited to {MAX_QUERY} characters")
    form = query_form(query)
    if form == "update":
        return _update(request, query)
    if (format or "").strip().lower() == "html" and form in ("select", "ask"):
        # the query page's own rendering: a table of the JSON results, for people in a browser
        result = request.app.state.queries.run(query, "application/sparql-results+json",
                                               default_graphs=_graph_list(default_graphs),
                                               named_graphs=_graph_list(named_graphs))
        from .pages import results_page
        return results_page(request, query, result.body)
    aliases = RESULT_ALIASES if form in ("select", "ask", None) else None
    chosen = negotiate(request.headers.get("accept"), offered_media_types(form), format, aliases)
    result = request.app.state.queries.run(query, chosen, default_graphs=_graph_list(default_graphs),
                                           named_graphs=_graph_list(named_graphs))
    return Response(result.body, media_type=with_charset(result.media_type),
                    headers={"Vary": "Accept", "Cache-Control": "no-cache"})


def _description(request: Request, format: str | None) -> Response:
    offered = GRAPH_MEDIA_TYPES + ["text/html"]
    chosen = negotiate(request.headers.get("accept"), offered, format)
    if chosen == "text/html":
        from .pages import query_page
        return query_page(request)
    endpoint = str(request.url).split("?", 1)[0]
    graph = service_description.build(request.app.state.settings, endpoint)
    return Response(graph.serialize(format=chosen), media_type=with_charset(chosen), headers={"Vary": "Accept"})


@router.get("/sparql", summary="SPARQL 1.1 query (GET)",
            description="Without `query`, answers the service description (or the query page for browsers).")
def sparql_get(request: Request,
               query: str | None = Query(None, description="a SPARQL 1.1 query", examples=[EXAMPLE]),
               default_graph_uri: list[str] = Query([], alias="default-graph-uri"),
               named_graph_uri: list[str] = Query([], alias="named-graph-uri"),
               format: str | None = Query(None, description="overrides Accept: json, xml, csv, tsv, ttl, nt, jsonld, rdf; "
                                                             "html shows SELECT / ASK results as a table"),
               settings: Settings = Depends(get_settings)) -> Response:
    if query is None:
        return _description(request, format)
    return _answer(request, query, default_graph_uri, named_graph_uri, format)


@router.post("/sparql", summary="SPARQL 1.1 query or update (POST)",
             description="Form-encoded `query` / `update`, or a body of type `application/sparql-query` "
                         "or `application/sparql-update`. Updates need the admin bearer token.")
def sparql_post(request: Request, body: bytes = Depends(read_body),
                default_graph_uri: list[str] = Query([], alias="default-graph-uri"),
                named_graph_uri: list[str] = Query([], alias="named-graph-uri"),
                format: str | None = Query(None)) -> Response:
    kind = media_type(request)
    if kind == "application/x-www-form-urlencoded":
        fields = parse_form(body)
        values = lambda name: [v for k, v in fields if k == name]  # noqa: E731
        queries, updates = values("query"), values("update")
        default_graph_uri = default_graph_uri + values("default-graph-uri")
        named_graph_uri = named_graph_uri + values("named-graph-uri")
        format = format or next(iter(values("format")), None)
        if len(queries) + len(updates) != 1:
            raise InvalidInput("give exactly one of the form fields 'query' or 'update'")
        if updates:
            return _update(request, updates[0])
        return _answer(request, queries[0], default_graph_uri, named_graph_uri, format)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the request body is not UTF-8") from None
    if kind == "application/sparql-query":
        return _answer(request, text, default_graph_uri, named_graph_uri, format)
    if kind == "application/sparql-update":
        return _update(request, text)
    raise Problem(415, "unsupported_media_type",
                  "POST a form (application/x-www-form-urlencoded), application/sparql-query "
                  "or application/sparql-update")


def _update(request: Request, update: str) -> Response:
    # the admin endpoints' check; SPARQL clients get one answer for every refusal (403 read_only)
    if admin_access(request, request.app.state.settings) is not Access.GRANTED:
        raise ReadOnly("this endpoint is read-only: updates need the administrator's token")
    if len(update) > MAX_QUERY:
        raise Problem(413, "query_too_large", f"updates are limited to {MAX_QUERY} characters")
    request.app.state.queries.run_update(update)
    request.app.state.generation += 1
    return Response(status_code=204)
