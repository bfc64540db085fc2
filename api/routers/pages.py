"""HTML pages: home with search, collective / network page, the SPARQL query page."""
from __future__ import annotations

import json
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from rdflib import Graph, URIRef

from ..deps import base_path
from ..services import collectives as service
from ..services import examples
from ..templates import bar_chart, esc, line_chart, link, page, point_map, table

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
                     f'<input type="hidden" name="format" value="html">'
                     f'<button type="submit">Run (table)</button> '
                     f'{link(f"{base}/sparql?" + urlencode({"query": query, "format": "json"}), "as JSON")}'
                     f"</form></details></li>")
    first = examples.queries(settings.iris)[0][1]
    body = (f'<p>The endpoint speaks the SPARQL 1.1 Protocol at <code>{esc(base)}/sparql</code> (GET or POST), '
            f"read-only. Queries time out after {settings.query_timeout:g} s and results are capped at "
            f"{settings.result_cap} rows: past either you get an error, never a cut result.</p>"
            f'<form action="{esc(base)}/sparql" method="post">'
            f'<label for="query">Query</label><textarea id="query" name="query" rows="12">{esc(first)}</textarea>'
            f'<label for="format">Result format</label> <select id="format" name="format">'
            f'<option value="html">Table (HTML)</option>'
            f'<option value="json">JSON</option><option value="xml">XML</option><option value="csv">CSV</option>'
            f'<option value="tsv">TSV</option><option value="ttl">Turtle (CONSTRUCT)</option></select> '
            f'<button type="submit">Run</button></form><h2>Examples</h2><ul>{"".join(items)}</ul>')
    return html(page("SPARQL query", body, base=base))


MAX_TABLE_ROWS = 1000


def _result_cell(term: dict) -> str:
    value = term.get("value", "")
    if term.get("type") == "uri":
        return link(value, value)
    if term.get("type") == "triple":
        return esc(json.dumps(value, ensure_ascii=False))
    suffix = f'@{term["xml:lang"]}' if "xml:lang" in term else ""
    return esc(value) + (f'<span class="muted">{esc(suffix)}</span>' if suffix else "")


def results_page(request: Request, query: str, body: bytes) -> HTMLResponse:
    """SELECT / ASK results (SPARQL JSON) as an HTML table, with the query above it to edit and rerun."""
    base = base_path(request)
    results = json.loads(body)
    form = (f'<form action="{esc(base)}/sparql" method="post">'
            f'<label for="query">Query</label><textarea id="query" name="query" rows="10">{esc(query)}</textarea>'
            f'<input type="hidden" name="format" value="html"><button type="submit">Run again</button> '
            f'{link(f"{base}/sparql?" + urlencode({"query": query, "format": "json"}), "as JSON")} · '
            f'{link(f"{base}/sparql?" + urlencode({"query": query, "format": "csv"}), "as CSV")}</form>')
    if "boolean" in results:
        answer = f'<p id="results">Answer: <strong>{"yes" if results["boolean"] else "no"}</strong></p>'
        return html(page("SPARQL results", form + answer, base=base))
    variables = results["head"]["vars"]
    bindings = results["results"]["bindings"]
    rows = [[_result_cell(b[v]) if v in b else "" for v in variables] for b in bindings[:MAX_TABLE_ROWS]]
    shown = "" if len(bindings) <= MAX_TABLE_ROWS else f" (the first {MAX_TABLE_ROWS} shown; download the rest)"
    answer = (f'<h2 id="results">{len(bindings)} results{esc(shown)}</h2>'
              + table(variables, rows, caption="Query results"))
    return html(page("SPARQL results", form + answer, base=base))


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
    if kind == "network":
        from ..services import search
        members = search.search(store, settings, search.SearchRequest(network=[ident], limit=100, total=True))
        names = service.summaries(store, iris, members.things, lang)
        parts.append(f"<h2>Members ({esc(members.total)})</h2><ul>" + "".join(
            f"<li>{link(base + '/collectives/' + m['id'], m['name'])}</li>" for m in names) + "</ul>")
    if kind == "collective":
        parts.append(_indicators_section(service.indicators(store, iris, iri, lang)))
        parts.append(_partnerships_section(base, service.partnerships(store, iris, iri, lang)))
    history = service.lifecycle(store, iris, iri)
    if history:
        parts.append("<h2>Life history</h2>" + table(["Event", "Date"], [
            [esc(e["type"] or "event"), esc(e["date"] or e["year"])] for e in history]))
    parts.append("<h2>Facts and their sources</h2>" + table(["Property", "Value", "Source"], rows))
    return html(page(summary["name"] or ident, "".join(parts), base=base, lang=lang))


def _indicators_section(series: list[dict]) -> str:
    if not series:
        return ""
    charts = []
    for one in series:
        values = table(["Date", "Value"], [[esc(d), esc(f"{v:g}")] for d, v in one["points"]])
        charts.append(f'<figure class="indicator" id="indicator-{esc(one["code"])}">{line_chart(one["points"], one["label"])}'
                      f'<figcaption>{esc(one["label"])}</figcaption>'
                      f"<details><summary>Values</summary>{values}</details></figure>")
    return f'<h2>Indicators over time</h2><div class="charts">{"".join(charts)}</div>'


def _partnerships_section(base: str, partnerships: list[dict]) -> str:
    if not partnerships:
        return ""
    rows = []
    for p in partnerships:
        name = p["other_name"] or p["other_id"] or p["other"] or ""
        if p["other_kind"] in ("collective", "network"):
            party = link(f"{base}/{p['other_kind']}s/{p['other_id']}", name)
        elif p["other_kind"] == "municipality":
            party = link(f"{base}/municipalities/{p['other_id']}", name)
        else:
            party = esc(name)
        rows.append([party, esc(p["type"] or ""), esc(p["start"] or ""), esc(p["end"] or "")])
    return "<h2>Partnerships</h2>" + table(["With", "Type", "From", "Until"], rows)


def list_page(request: Request, kind: str, items: list[dict], total: int | None, next_url: str | None) -> HTMLResponse:
    base = base_path(request)
    q = request.query_params.get("q", "")
    rows = []
    for item in items:
        municipality = item.get("municipality") or {}
        rows.append([
            link(f"{base}/{kind}s/{item['id']}", item["name"] or item["id"]),
            esc(", ".join(s["label"] or s["code"] for s in item.get("sectors", []))),
            link(f"{base}/municipalities/{municipality['code']}", municipality.get("name") or municipality["code"])
            if municipality else "",
            esc(item.get("founded") or ""),
        ])
    form = (f'<form role="search" action="{esc(base)}/{kind}s" method="get">'
            f'<label for="q">Name</label> <input type="search" id="q" name="q" value="{esc(q)}" maxlength="200">'
            f'<input type="hidden" name="format" value="html"> <button type="submit">Search</button></form>')
    count = f"<p>{esc(total)} found.</p>" if total is not None else ""
    more = f"<p>{link(next_url, 'Next page', rel='next')}</p>" if next_url else ""
    body = form + count + (table(["Name", "Sectors", "Municipality", "Founded"], rows) if rows
                           else "<p>Nothing found.</p>") + more
    return html(page("Collectives" if kind == "collective" else "Networks", body, base=base))


def municipality_page(request: Request, data: dict, lang: str) -> HTMLResponse:
    from ..services import search
    base = base_path(request)
    settings, store = request.app.state.settings, request.app.state.store
    result = search.search(store, settings, search.SearchRequest(municipality=[data["code"]], limit=100, total=True))
    items = service.summaries(store, settings.iris, result.things, lang)
    parts = []
    if data.get("merged_from"):
        parts.append(f"<p>{esc(data['merged_from'])} is now part of {esc(data['name'])}.</p>")
    province = data.get("province") or {}
    parts.append(f"<p>Code {esc(data['code'])} · province {esc(province.get('name') or province.get('code') or '?')} · "
                 f"{esc(result.total)} collectives · also as "
                 f"{link(base + '/municipalities/' + data['code'] + '?format=json', 'JSON')}, collectives as "
                 f"{link(base + '/municipalities/' + data['code'] + '/collectives?format=csv&limit=100', 'CSV')}</p>")
    if data["sectors"]:
        parts.append("<h2>Sectors</h2>" + bar_chart([(s["label"] or s["code"], s["collectives"]) for s in data["sectors"]],
                                                    "Collectives by sector"))
    points = [(i["point"][0], i["point"][1], i["name"]) for i in items if i.get("point")]
    if points:
        parts.append("<h2>Map</h2>" + point_map(points, f"Collectives in {data['name']}"))
    rows = [[link(f"{base}/collectives/{i['id']}", i["name"]),
             esc(", ".join(s["label"] or s["code"] for s in i["sectors"])), esc(i.get("founded") or "")] for i in items]
    parts.append("<h2>Collectives</h2>" + (table(["Name", "Sectors", "Founded"], rows) if rows else "<p>None known.</p>"))
    if data["networks"]:
        parts.append("<h2>Networks present</h2>" + table(["Network", "Members here"], [
            [link(f"{base}/networks/{n['id']}", n["name"] or n["id"]), esc(n["members_here"])] for n in data["networks"]]))
    if data["partnerships"]:
        parts.append("<h2>Partnerships</h2>" + table(["Collective", "Type", "Since"], [
            [link(f"{base}/collectives/{p['collective']}", p["collective"]), esc(p["type"] or ""), esc(p["start"] or "")]
            for p in data["partnerships"]]))
    return html(page(data["name"] or data["code"], "".join(parts), base=base, lang=lang))
