"""HTML pages: home with search, collective / network page, the SPARQL query page."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from rdflib import Graph, URIRef

from ..deps import base_path
from ..services import collectives as service
from ..services import examples
from ..templates import esc, link, page, table

router = APIRouter(tags=["pages"], include_in_schema=False)


def html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers={"Vary": "Accept"})


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    base = base_path(request)
    body = (f'<p>Citizen collectives in the Netherlands — energy and care cooperatives, food collectives, '
            f'resident businesses — gathered from public sources into one linked-data registry.</p>'
            f'<form role="search" action="{esc(base)}/collectives" method="get">'
            f'<label for="q">Search collectives by name</label><br>'
            f'<input type="search" id="q" name="q" maxlength="200"> '
            f'<input type="hidden" name="format" value="html"><button type="submit">Search</button></form>'
            f'<form action="{esc(base)}/municipalities/lookup" method="get"><p>'
            f'<label for="m">Municipality (name or code)</label><br>'
            f'<input type="search" id="m" name="q" maxlength="200"> <button type="submit">Look up</button></p></form>'
            f"<h2>For researchers, networks and governments</h2><ul>"
            f"<li>{link(base + '/sparql', 'SPARQL query page and endpoint')}</li>"
            f"<li>{link(base + '/stats/summary', 'Statistics')}</li>"
            f"<li>{link(base + '/networks', 'Networks')}</li>"
            f"<li>{link(base + '/dataset', 'Dataset description (DCAT, VoID)')}</li>"
            f"<li>{link(base + '/ontology', 'Ontology')} · {link(base + '/shapes', 'SHACL shapes')} · "
            f"{link(base + '/context.jsonld', 'JSON-LD context')}</li>"
            f"<li>{link(base + '/publish', 'Publishing data the registry harvests')}</li>"
            f"<li>{link(base + '/docs', 'API documentation (OpenAPI)')}</li></ul>")
    return html(page("Citizen collectives registry", body, base=base))


def query_page(request: Request) -> HTMLResponse:
    base = base_path(request)
    settings = request.app.state.settings
    items = []
    for title, query in examples.queries(settings.iris):
        items.append(f"<li><details><summary>{esc(title)}</summary><pre>{esc(query)}</pre>"
                     f'<form action="{esc(base)}/sparql" method="get">'
                     f'<input type="hidden" name="query" value="{esc(query)}">'
                     f'<input type="hidden" name="format" value="json">'
                     f"<button type=\"submit\">Run (JSON)</button></form></details></li>")
    first = examples.queries(settings.iris)[0][1]
    body = (f'<p>The endpoint speaks the SPARQL 1.1 Protocol at <code>{esc(base)}/sparql</code> (GET or POST), '
            f"read-only. Queries time out after {settings.query_timeout:g} s and results are capped at "
            f"{settings.result_cap} rows: past either you get an error, never a cut result.</p>"
            f'<form action="{esc(base)}/sparql" method="post">'
            f'<label for="query">Query</label><textarea id="query" name="query" rows="12">{esc(first)}</textarea>'
            f'<label for="format">Result format</label> <select id="format" name="format">'
            f'<option value="json">JSON</option><option value="xml">XML</option><option value="csv">CSV</option>'
            f'<option value="tsv">TSV</option><option value="ttl">Turtle (CONSTRUCT)</option></select> '
            f'<button type="submit">Run</button></form><h2>Examples</h2><ul>{"".join(items)}</ul>')
    return html(page("SPARQL query", body, base=base))


def _value(base: str, value: str, is_iri: bool, label: str | None = None) -> str:
    if not is_iri:
        return esc(value)
    return link(value, label or value)


def thing_page(request: Request, kind: str, ident: str, graph: Graph, lang: str) -> HTMLResponse:
    base = base_path(request)
    settings = request.app.state.settings
    store = request.app.state.store
    iris = settings.iris
    iri = service.thing_iri(iris, kind, ident)
    summary = service.summaries(store, iris, [iri], lang)[0]
    facts = service.facts_with_sources(store, iris, iri)
    label_of = service.labels(store, iris, [URIRef(f["value"]) for f in facts if f["value_is_iri"]]
                              + [URIRef(f["property"]) for f in facts], lang)
    rows = []
    for fact in facts:
        prop = fact["property"]
        source = fact["source"] or fact["graph"].rsplit("/", 1)[-1]
        src = link(fact["page"], source) if fact["page"] else esc(source)
        rows.append([esc(label_of.get(prop) or prop.rsplit("#", 1)[-1].rsplit("/", 1)[-1]),
                     _value(base, fact["value"], fact["value_is_iri"], label_of.get(fact["value"])), src])
    parts = [f'<p class="muted">Identifier: <code>{esc(str(iri))}</code> · also as '
             f'{link(f"{base}/{kind}s/{ident}?format=jsonld", "JSON-LD")}, '
             f'{link(f"{base}/{kind}s/{ident}?format=ttl", "Turtle")}, '
             f'{link(f"{base}/{kind}s/{ident}?format=nt", "N-Triples")}</p>']
    if summary["municipality"]:
        m = summary["municipality"]
        parts.append(f"<p>Municipality: {link(base + '/municipalities/' + m['code'], m['name'] or m['code'])}</p>")
    if summary["networks"]:
        parts.append("<p>Networks: " + ", ".join(
            link(f"{base}/networks/{n['id']}", n["id"]) for n in summary["networks"]) + "</p>")
    history = service.lifecycle(store, iris, iri)
    if history:
        parts.append("<h2>Life history</h2>" + table(["Event", "Date"], [
            [esc(e["type"] or "event"), esc(e["date"] or e["year"])] for e in history]))
    parts.append("<h2>Facts and their sources</h2>" + table(["Property", "Value", "Source"], rows))
    return html(page(summary["name"] or ident, "".join(parts), base=base, lang=lang))
