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
