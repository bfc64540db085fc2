"""The jsonld-in-html kind: collectives' own websites, each served on its own loopback port."""
from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from harvesters.base import HarvestContext, RawRecord, RecordError, SourceConfig, SourceError
from harvesters.kinds.jsonld_html import JsonLdInHtmlHarvester, site_key
from harvesters.runner import run_source
from registry.namespaces import LOCN, SCHEMA, WD
from tests.fixtures.kinds.loopback import FixtureServer, Route, http_client

FIXTURES = Path(__file__).parent / "fixtures" / "kinds" / "jsonld_html"
HTML = "text/html; charset=utf-8"


def page(name: str) -> Route:
    return Route((FIXTURES / name).read_bytes(), content_type=HTML)


@pytest.fixture
def sites():
    """sites(route, route, ...) -> base URLs, one loopback server (so one site key) per page."""
    with ExitStack() as stack:
        def start(*routes):
            return [stack.enter_context(FixtureServer({"/": r})).url("/") for r in routes]
        yield start


@pytest.fixture
def make(settings, reference):
    clients = []

    def build(urls, name="collective-sites"):
        http = http_client(settings)
        clients.append(http)
        config = SourceConfig(name=name, kind="jsonld-in-html", urls=tuple(urls), rate=1000.0)
        return JsonLdInHtmlHarvester(config, HarvestContext(settings=settings, reference=reference, http=http))

    yield build
    for http in clients:
        http.close()


def graph_of(h, key):
    return h.transform(h.fetch(key))


def the_collective(graph, iris):
    return next(graph.subjects(RDF.type, iris.CC.CitizenCollective))


def test_the_organisation_of_a_yoast_graph(sites, make, settings):
    iris, cc = settings.iris, settings.iris.CC
    (url,) = sites(page("yoast-graph.html"))
    h = make([url])
    (key,) = list(h.gather())
    g = graph_of(h, key)
    it = the_collective(g, iris)
    assert (iris.record("collective-sites", key), None, it) in g
    assert g.value(it, SCHEMA.name) == Literal("Energiecoöperatie Voorbeelddorp")  # not the network's node
    assert g.value(it, SCHEMA.url) == URIRef("https://voorbeelddorp-energie.example.org/")
    assert g.value(it, SCHEMA.sameAs) == WD.Q4115189
    assert g.value(it, SCHEMA.foundingDate) == Literal("2012-03-01", datatype=XSD.date)
    assert g.value(it, cc.kvkNumber) == Literal("96354429")
    assert g.value(it, SCHEMA.description) == Literal("Samen wekken we duurzame energie op in Voorbeelddorp.")
    address = g.value(it, LOCN.address)
    assert g.value(address, LOCN.postCode) == Literal("1011AB")


def test_an_array_of_blocks_and_a_meta_tag_fallback(sites, make, settings):
    iris = settings.iris
    array_url, meta_url = sites(page("array.html"), page("meta-only.html"))
    h = make([array_url, meta_url])
    keys = list(h.gather())
    assert keys == [site_key(array_url), site_key(meta_url)]
    g = graph_of(h, keys[0])
    it = the_collective(g, iris)
    assert g.value(it, SCHEMA.name) == Literal("Buurtinitiatief Voorbeeldwijk")
    assert g.value(it, SCHEMA.foundingDate) == Literal("2016", datatype=XSD.gYear)
    g = graph_of(h, keys[1])
    it = the_collective(g, iris)
    assert g.value(it, SCHEMA.name) == Literal("Voedselcollectief Voorbeeldstad")  # og:site_name, not <title>
    assert g.value(it, SCHEMA.description) == Literal("Lokaal voedsel, samen ingekocht.")
    assert g.value(it, SCHEMA.url) == URIRef(meta_url)


def test_site_keys():
    assert site_key("https://www.Voorbeelddorp-Energie.example.org/over-ons") == "voorbeelddorp-energie.example.org"
    assert site_key("http://127.0.0.1:8080/") == "127.0.0.1:8080"


def test_bad_pages_are_their_sites_errors_and_the_good_site_is_kept(sites, make, settings, store, validator):
    latin1 = Route("<html><head><title>Coöperatie Voorbeelddorp</title></head></html>".encode("cp1252"),
                   content_type=HTML)
    urls = sites(page("yoast-graph.html"), page("broken-jsonld.html"), latin1, page("empty.html"),
                 Route(b"oops", status=500), Route(b"%PDF-1.4", content_type="application/pdf"))
    report = run_source(make(urls), store, validator)
    assert report.status == "completed"
    errors = dict(report.errors)
    keys = [site_key(u) for u in urls]
    assert keys[0] not in errors and report.valid == 1
    assert "JSON-LD block 1 is not valid JSON" in errors[keys[1]]
    assert "not valid utf-8" in errors[keys[2]]
    assert "names no organisation" in errors[keys[3]]
    assert "HTTP 500" in errors[keys[4]]
    assert "not an HTML page" in errors[keys[5]]


def test_a_remote_context_in_a_page_is_refused(make, settings):
    html = b"""<html><head><script type="application/ld+json">{"@context": "https://context.example.org/c.jsonld",
               "@type": "Organization", "name": "X"}</script></head></html>"""
    h = make(["https://voorbeelddorp-energie.example.org/"])
    with pytest.raises(RecordError, match="remote JSON-LD context"):
        h.transform(RawRecord("voorbeelddorp-energie.example.org", {"content": html, "content_type": HTML},
                              "https://voorbeelddorp-energie.example.org/"))


def test_a_site_that_fails_later_keeps_what_it_said_before(sites, make, settings, store, validator):
    """A failing site is that record's error; the runner keeps its earlier description (not deleted)."""
    with FixtureServer({"/": page("yoast-graph.html")}) as server:
        url = server.url("/")
        good = run_source(make([url], name="one-site"), store, validator)
        assert (good.status, good.valid, good.invalid, good.errors) == ("completed", 1, 0, [])
        server.routes["/"] = Route(b"oops", status=500)
        bad = run_source(make([url], name="one-site"), store, validator)
    assert bad.status == "completed" and "HTTP 500" in dict(bad.errors)[site_key(url)]
    kept = store.graph(settings.iris.source_graph("one-site"))
    assert Literal("Energiecoöperatie Voorbeelddorp") in set(kept.objects(None, SCHEMA.name))


def test_needs_urls(settings, reference):
    with pytest.raises(SourceError, match="needs urls"):
        JsonLdInHtmlHarvester(SourceConfig(name="x", kind="jsonld-in-html"),
                              HarvestContext(settings=settings, reference=reference))
