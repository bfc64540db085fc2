"""One collective over HTTP: content negotiation, not found, HTML with sources, hostile ids."""
from __future__ import annotations

import json

import httpx
import pytest
from rdflib import Graph, URIRef

from api.app import create_app
from tests.fixtures.api.support import LiveServer, api_settings, fixture_store

ONE = "/collectives/c-fixture00001"
IRI = URIRef("https://example.org/cc/id/collective/c-fixture00001")


@pytest.fixture(scope="module")
def client():
    app = create_app(api_settings(), fixture_store())
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=30) as c:
        yield c


@pytest.mark.parametrize("accept,fmt", [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/rdf+xml", "xml"),
    ("application/ld+json", "json-ld"),
])
def test_rdf_formats(client, accept, fmt):
    r = client.get(ONE, headers={"accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == accept
    assert "accept" in r.headers["vary"].lower()
    graph = Graph().parse(data=r.content, format=fmt)
    assert (IRI, URIRef("http://schema.org/name"), None) in graph
    # owned nodes and the source record come along
    assert (URIRef(str(IRI) + "#geometry"), None, None) in graph
    assert (None, URIRef("http://xmlns.com/foaf/0.1/primaryTopic"), IRI) in graph


@pytest.mark.parametrize("fmt,media", [("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                                       ("nt", "application/n-triples"), ("html", "text/html")])
def test_format_parameter(client, fmt, media):
    r = client.get(ONE, params={"format": fmt}, headers={"accept": "application/rdf+xml"})
    assert r.headers["content-type"].split(";")[0] == media


def test_json_ld_is_json(client):
    r = client.get(ONE, headers={"accept": "application/ld+json"})
    data = json.loads(r.text)
    assert data


def test_default_is_json_ld(client):
    assert client.get(ONE).headers["content-type"].startswith("application/ld+json")


def test_browser_gets_html(client):
    r = client.get(ONE, headers={"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                                 "accept-language": "nl-NL,nl;q=0.9"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "Energiecoöperatie Voorbeelddorp" in r.text
    assert "https://voorbeelddorp-energie.example.org/over-ons" in r.text  # the source of the facts
    assert 'lang="nl"' in r.text


def test_unknown_is_404_problem(client):
    r = client.get("/collectives/c-doesnotexist")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "not_found"


def test_network_is_not_a_collective(client):
    assert client.get("/collectives/n-fixture00001").status_code == 404


@pytest.mark.parametrize("ident", [
    "c-fixture00001> } DROP ALL #", "%3Cscript%3E", "x" * 500, "..%2F..%2Fetc", "c fixture", "'\"",
])
def test_hostile_ids(client, ident):
    r = client.get(f"/collectives/{ident}")
    assert 400 <= r.status_code < 500


def test_unacceptable(client):
    r = client.get(ONE, headers={"accept": "image/png"})
    assert r.status_code == 406 and r.json()["code"] == "not_acceptable"


def test_etag_and_304(client):
    r = client.get(ONE, headers={"accept": "text/turtle"})
    etag = r.headers["etag"]
    assert "max-age" in r.headers["cache-control"]
    again = client.get(ONE, headers={"accept": "text/turtle", "if-none-match": etag})
    assert again.status_code == 304 and again.content == b""


def test_gzip(client):
    r = client.get(ONE, headers={"accept": "text/turtle", "accept-encoding": "gzip"})
    assert r.headers.get("content-encoding") == "gzip"
    assert "Voorbeelddorp" in r.text


def test_health(client):
    assert client.get("/health").json() == {"status": "ok"}


# superseded ids: consolidation merged c-fixture00009 into c-fixture00001 (dct:isReplacedBy)
@pytest.mark.parametrize("accept,format", [("text/html", None), ("application/ld+json", None), ("text/turtle", None),
                                           ("application/n-triples", None), ("image/png", None), (None, "ttl")])
def test_superseded_id_redirects_permanently_to_the_survivor(client, accept, format):
    params = {"format": format} if format else {}
    r = client.get("/collectives/c-fixture00009", params=params, headers={"accept": accept} if accept else {},
                   follow_redirects=False)
    assert r.status_code == 301
    assert r.headers["location"] == ONE + (f"?format={format}" if format else "")


def test_superseded_chain_ends_at_the_last_survivor():
    store = fixture_store()
    store.load(b"<https://example.org/cc/id/collective/c-fixture00010> <http://purl.org/dc/terms/isReplacedBy> "
               b"<https://example.org/cc/id/collective/c-fixture00009> .", "nt",
               URIRef("https://example.org/cc/graph/identity"))
    client = create_test_client(store)
    r = client.get("/collectives/c-fixture00010", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == ONE
    assert client.get("/collectives/c-fixture00010", headers={"accept": "text/turtle"}).status_code == 200


def test_survivors_and_unknown_ids_do_not_redirect(client):
    assert client.get(ONE, follow_redirects=False).status_code == 200
    assert client.get("/collectives/c-fixture00404", follow_redirects=False).status_code == 404


def create_test_client(store):
    from fastapi.testclient import TestClient
    return TestClient(create_app(api_settings(), store))


def test_collective_page_charts_indicators_and_lists_partnerships(client):
    html = client.get(ONE, headers={"accept": "text/html"}).text
    assert html.count('<figure class="indicator"') == 2
    assert 'aria-label="Members: 2019-12-31 120, 2021-12-31 185, 2023-12-31 260"' in html
    assert "Installed solar power (kWp)" in html
    assert "<h2>Partnerships</h2>" in html
    assert '<a href="/collectives/c-fixture00002">Zorgcoöperatie Proefstad</a>' in html
    assert '<a href="/municipalities/GM9901">Voorbeelddorp</a>' in html
    other = client.get("/collectives/c-fixture00003", headers={"accept": "text/html"}).text
    assert "Indicators over time" not in other and "<h2>Partnerships</h2>" not in other


def test_indicator_series_and_partnerships_service():
    from api.services import collectives as service
    store, iris = fixture_store(), api_settings().iris
    series = service.indicators(store, iris, IRI)
    assert [(s["code"], [v for _, v in s["points"]]) for s in series] == [("members", [120, 185, 260]),
                                                                          ("solar-kwp", [310.5, 845])]
    partners = service.partnerships(store, iris, IRI)
    assert [(p["other_kind"], p["other_id"], p["start"], p["end"]) for p in partners] == [
        ("municipality", "GM9901", "2019", None), ("collective", "c-fixture00002", "2020-05-01", "2023-12-31")]
