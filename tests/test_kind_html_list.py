"""The html-list kind: a member list read with CSS selectors, over HTTP from a server on loopback."""
import io
from datetime import date

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import PROV, XSD

from harvesters.base import HarvestContext, SourceConfig, SourceError
from harvesters.kinds.html_list import HtmlListHarvester, parse_spec
from harvesters.progress import Progress
from harvesters.runner import run_source
from registry.namespaces import SCHEMA, municipality_iri
from tests.conftest import FIXTURES
from tests.fixtures.kinds.loopback import FixtureServer, Route, http_client
from tests.fixtures.kinds.loopback import by_name

PAGES = FIXTURES / "kinds" / "html_list"
OPTIONS = {
    "item": "article.lid",
    "next": "a[rel=next]",
    "fields": {"name": "h3", "link": "h3 a", "place": ".plaats", "municipality": ".gemeente",
               "sectors": ".tags li", "status": "@data-status", "founded": ".sinds", "website": "a.site"},
    "patterns": {"founded": r"(\d{4})"},
    "values": {"status": {"Actief": "running", "In ontwikkeling": "in development"}},
}


def page(name: str) -> Route:
    return Route((PAGES / name).read_bytes(), content_type="text/html; charset=utf-8")


@pytest.fixture
def server():
    routes = {"/leden/": page("leden_pagina_1.html"), "/leden/?pagina=2": page("leden_pagina_2.html")}
    with FixtureServer(routes) as running:
        yield running


@pytest.fixture
def http(settings):
    with http_client(settings) as client:
        yield client


def harvester(settings, reference, http, url, options=None, name="ledenlijst"):
    config = SourceConfig(name=name, kind="html-list", url=url, options=options or OPTIONS, rate=1000.0)
    return HtmlListHarvester(config, HarvestContext(settings, reference, http=http))


def run(h, store, validator, today=None):
    return run_source(h, store, validator, today=today, progress=Progress("t", stream=io.StringIO()))


def listing_requests(server):
    return [path for method, path, _, _ in server.requests if path.startswith("/leden")]


def test_members_across_pages_become_collectives(settings, reference, store, validator, server, http):
    report = run(harvester(settings, reference, http, server.url("/leden/")), store, validator)
    assert report.status == "completed", report.message
    assert (report.fetched, report.valid) == (4, 3)
    iris, cc = settings.iris, settings.iris.CC
    graph = store.graph(iris.source_graph("ledenlijst"))

    dorp = by_name(graph, "Energiecoöperatie Voorbeelddorp")
    assert set(graph.objects(dorp, cc.sector)) == {iris.concept("sector", "energy"), iris.concept("sector", "housing")}
    assert graph.value(dorp, cc.municipality) == municipality_iri("gm0344")
    assert graph.value(dorp, SCHEMA.foundingDate) == Literal("2014", datatype=XSD.gYear)
    assert graph.value(dorp, SCHEMA.url) == URIRef("https://voorbeelddorp.example.org/")
    record = iris.record("ledenlijst", "leden-energiecooperatie-voorbeelddorp")
    assert graph.value(record, PROV.wasDerivedFrom) == URIRef(server.url("/leden/energiecooperatie-voorbeelddorp/"))

    farm = by_name(graph, "Herenboerderij Proefpolder")  # whitespace inside the name collapsed
    assert graph.value(farm, cc.sector) == iris.concept("sector", "food")
    assert graph.value(farm, cc.municipality) == municipality_iri("gm0193")

    wijk = by_name(graph, "Zorgcoöperatie Proefwijk")  # from page 2
    assert graph.value(wijk, cc.sector) == iris.concept("sector", "care")  # "Zorg & welzijn"
    assert graph.value(wijk, SCHEMA.foundingDate) == Literal("2018", datatype=XSD.gYear)


def test_the_item_without_a_name_is_its_own_error(settings, reference, store, validator, server, http):
    report = run(harvester(settings, reference, http, server.url("/leden/")), store, validator)
    assert report.errors == [("page-1-item-3", "RecordError: the record has no name")]


def test_a_next_link_that_repeats_stops_the_paging(settings, reference, server, http):
    records = list(harvester(settings, reference, http, server.url("/leden/")).gather())
    assert len(records) == 4
    assert listing_requests(server) == ["/leden/", "/leden/?pagina=2"]  # page 2 links back to page 1


def test_statuses_are_mapped(settings, reference, server, http):
    h = harvester(settings, reference, http, server.url("/leden/"))
    statuses = {h.mapping.facts(r.data["fields"]).status for r in h.gather() if r.data["fields"].get("name")}
    assert statuses == {"running", "in development"}


def test_a_layout_change_with_zero_items_fails_and_keeps_the_previous_graph(
        settings, reference, store, validator, server, http):
    first = run(harvester(settings, reference, http, server.url("/leden/")), store, validator)
    assert first.status == "completed"
    before = store.triple_count(settings.iris.source_graph("ledenlijst"))

    server.routes["/leden/"] = page("leden_nieuw_ontwerp.html")
    second = run(harvester(settings, reference, http, server.url("/leden/")), store, validator)
    assert second.status == "failed"
    assert "0 item(s) match 'article.lid'" in second.message and "layout" in second.message
    assert second.vanished == 0
    assert store.triple_count(settings.iris.source_graph("ledenlijst")) == before


def test_an_error_on_a_later_page_fails_the_whole_run(settings, reference, store, validator, server, http):
    first = run(harvester(settings, reference, http, server.url("/leden/")), store, validator)
    before = store.triple_count(settings.iris.source_graph("ledenlijst"))
    server.routes["/leden/?pagina=2"] = Route(b"Internal Server Error", status=500)
    second = run(harvester(settings, reference, http, server.url("/leden/")), store, validator)
    assert first.status == "completed" and second.status == "failed"
    assert "500" in second.message
    assert store.triple_count(settings.iris.source_graph("ledenlijst")) == before  # nothing marked vanished


def test_a_member_that_left_the_list_stays_withdrawn(settings, reference, store, validator, server, http):
    url = server.url("/leden/")
    run(harvester(settings, reference, http, url), store, validator, today=date(2025, 1, 1))
    without_page_2 = (PAGES / "leden_pagina_1.html").read_text(encoding="utf-8").replace('rel="next"', "")
    server.routes["/leden/"] = Route(without_page_2.encode(), content_type="text/html")
    report = run(harvester(settings, reference, http, url), store, validator, today=date(2025, 2, 1))
    assert report.status == "completed" and report.vanished == 1
    iris, cc = settings.iris, settings.iris.CC
    graph = store.graph(iris.source_graph("ledenlijst"))
    gone = iris.record("ledenlijst", "leden-zorgcooperatie-proefwijk")
    assert graph.value(gone, cc.recordStatus) == iris.concept("record-status", "withdrawn")
    assert graph.value(gone, cc.lastSeen) == Literal("2025-01-01", datatype=XSD.date)
    assert by_name(graph, "Zorgcoöperatie Proefwijk")


def test_broken_markup_is_read_leniently(settings, reference, server, http):
    broken = b"<html><body><<article class='lid'<h3>>\x00</tab><article class=lid><h3>Coop\xc3\xa9ratie X"
    server.routes["/kapot/"] = Route(broken, content_type="text/html")
    records = list(harvester(settings, reference, http, server.url("/kapot/"), {**OPTIONS, "next": None}).gather())
    # the unclosed first article swallows the second; what can be read is read, without an exception
    assert {n for r in records for n in r.data["fields"].get("name", [])} == {"Coopératie X"}


def test_a_page_that_is_not_a_member_list_fails_the_run(settings, reference, store, validator, server, http):
    server.routes["/kapot/"] = Route(b"\x00\x01<<<>>> geen lijst </div></div>", content_type="text/html")
    report = run(harvester(settings, reference, http, server.url("/kapot/")), store, validator)
    assert report.status == "failed" and "fewer than min_items" in report.message


def test_paging_is_bounded_and_a_page_served_twice_stops_it(settings, reference, server, http):
    for n in range(1, 6):
        body = f'<article class="lid"><h3>Coöperatie {n}</h3></article><a rel="next" href="/p/{n + 1}">»</a>'
        server.routes[f"/p/{n}"] = Route(body.encode(), content_type="text/html")
        same = '<article class="lid"><h3>Coöperatie Voorbeelddorp</h3></article><a rel="next" href="/q/%d">»</a>'
        server.routes[f"/q/{n}"] = Route((same % (n + 1)).encode(), content_type="text/html")
    bounded = harvester(settings, reference, http, server.url("/p/1"), {**OPTIONS, "max_pages": 3})
    with pytest.raises(SourceError, match="more than max_pages = 3"):
        list(bounded.gather())
    # every /q/ page is the same page under a new URL: read once
    assert len(list(harvester(settings, reference, http, server.url("/q/1")).gather())) == 1


def test_options_are_checked(settings, reference):
    problems = HtmlListHarvester.check_options({"fields": {"name": "h3", "plaats": ".x"}, "next": "a[rel=",
                                                "max_pages": 0})
    assert any("options.item is required" in p for p in problems)
    assert any("unknown field 'plaats'" in p for p in problems)
    assert any("options.next: not a CSS selector" in p for p in problems)
    assert any("max_pages" in p for p in problems)
    h = harvester(settings, reference, None, "https://example.org/leden/", {"item": "li"})
    with pytest.raises(SourceError, match="needs at least name"):
        list(h.gather())


def test_selector_specs():
    assert parse_spec("h3 a@href") == [("h3 a", "href")]
    assert parse_spec("@data-status") == [("", "data-status")]
    assert parse_spec('a[href^="mailto:info@example.org"]') == [('a[href^="mailto:info@example.org"]', None)]
    assert parse_spec(["h3", {"selector": "img", "attr": "alt"}]) == [("h3", None), ("img", "alt")]


def test_a_link_with_spaces_and_a_website_written_as_text(settings, reference, store, validator, server, http):
    body = ('<article class="lid"><h3><a href="/leden/coop spatie/">Coöperatie Spatie Voorbeeldstad</a></h3>'
            '<span class="site">www.spatie.example.org</span></article>')
    server.routes["/spatie/"] = Route(body.encode(), content_type="text/html; charset=utf-8")
    options = {"item": "article.lid", "fields": {"name": "h3", "link": "h3 a", "website": ".site"}}
    report = run(harvester(settings, reference, http, server.url("/spatie/"), options), store, validator)
    assert report.status == "completed" and report.valid == 1, (report.message, report.errors)
    graph = store.graph(settings.iris.source_graph("ledenlijst"))
    coop = by_name(graph, "Coöperatie Spatie Voorbeeldstad")
    assert graph.value(coop, SCHEMA.url) == URIRef("http://www.spatie.example.org")
    record = settings.iris.record("ledenlijst", "leden-coop-spatie")
    assert graph.value(record, PROV.wasDerivedFrom) == URIRef(server.url("/leden/coop%20spatie/"))
