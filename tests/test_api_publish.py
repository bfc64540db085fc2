"""Publishing tools: /validate (formats, languages, hostile input), ontology, shapes, context, dataset."""
from __future__ import annotations

import json

import httpx
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, RDF, VOID

from api.app import create_app
from tests.fixtures.api.support import LiveServer, api_settings, fixture_store

GOOD = """@prefix cc: <https://example.org/cc/def#> .
@prefix schema: <http://schema.org/> .
<https://network.example.org/members/1> a cc:CitizenCollective , schema:Organization ;
    schema:name "Energiecoöperatie Voorbeelddorp" ;
    cc:municipality <https://identifier.overheid.nl/tooi/id/gemeente/gm0363> ;
    cc:kvkNumber "99000001" .
"""
BAD = GOOD.replace('"99000001"', '"123"')


@pytest.fixture(scope="module")
def client():
    app = create_app(api_settings(), fixture_store())
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=60) as c:
        yield c


def validate(client, body, media="text/turtle", **headers):
    return client.post("/validate", content=body.encode() if isinstance(body, str) else body,
                       headers={"content-type": media, **headers})


def test_conforming_turtle(client):
    r = validate(client, GOOD)
    assert r.status_code == 200 and r.json()["conforms"] is True


def test_violation_in_english_and_dutch(client):
    en = validate(client, BAD, **{"accept-language": "en"}).json()
    nl = validate(client, BAD, **{"accept-language": "nl-NL,nl;q=0.9"}).json()
    assert en["conforms"] is False and en["violations"] >= 1
    kvk = lambda report: [r for r in report["results"] if r["path"] and "kvkNumber" in r["path"]][0]  # noqa: E731
    assert kvk(en)["source_shape"].endswith("KvkNumberShape")
    assert kvk(en)["message"] != kvk(nl)["message"]


def test_report_as_turtle(client):
    r = validate(client, BAD, accept="text/turtle")
    assert r.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=r.text, format="turtle")
    assert (None, RDF.type, URIRef("http://www.w3.org/ns/shacl#ValidationReport")) in graph


@pytest.mark.parametrize("fmt,media", [("nt", "application/n-triples"), ("xml", "application/rdf+xml"),
                                       ("json-ld", "application/ld+json")])
def test_other_formats(client, fmt, media):
    body = Graph().parse(data=BAD, format="turtle").serialize(format=fmt)
    r = validate(client, body, media)
    assert r.status_code == 200 and r.json()["conforms"] is False


def test_json_ld_with_the_registry_context(client):
    document = {"@context": f"{client.base_url}/context.jsonld".replace("//context", "/context"),
                "id": "https://network.example.org/members/2", "type": "CitizenCollective"}
    r = validate(client, json.dumps(document), "application/ld+json")
    assert r.status_code == 200, r.text
    assert r.json()["conforms"] is False  # no name


@pytest.mark.parametrize("body,media,status", [
    ("this is not turtle", "text/turtle", 400),
    ("{not json", "application/ld+json", 400),
    ('{"@context": "http://127.0.0.1:1/remote-context", "@id": "http://x.example.org/"}', "application/ld+json", 400),
    ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a SYSTEM "file:///etc/hostname">]><r>&a;</r>', "application/rdf+xml", 400),
    ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aa"><!ENTITY b "&a;&a;">]><r>&b;</r>', "application/rdf+xml", 400),
    (GOOD, "image/png", 415),
    (b"\xff\xfe\x00", "text/turtle", 400),
])
def test_bad_input(client, body, media, status):
    r = validate(client, body, media)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"


def test_rdf_xml_with_namespace_entities_as_protege_writes_it(client):
    body = ('<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n  <!ENTITY ex "https://network.example.org/members/" >\n'
            '  <!ENTITY schema "http://schema.org/" >\n]>\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:schema="&schema;">'
            '<rdf:Description rdf:about="&ex;7"><schema:description>Fictieve buurtcoöperatie</schema:description>'
            '<rdf:type rdf:resource="https://example.org/cc/def#CitizenCollective"/></rdf:Description>'
            '</rdf:RDF>')
    r = validate(client, body, "application/rdf+xml")
    assert r.status_code == 200, r.text
    assert r.json()["conforms"] is False  # no name: reported on the node whose IRI the entity spelled
    assert "https://network.example.org/members/7" in r.text


def test_too_large(client):
    r = validate(client, "#" * 3_000_000)
    assert r.status_code == 413


@pytest.mark.parametrize("path", ["/ontology", "/shapes"])
@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                        ("application/rdf+xml", "xml"), ("application/n-triples", "nt")])
def test_model_files(client, path, accept, fmt):
    r = client.get(path, headers={"accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == accept
    assert len(Graph().parse(data=r.content, format=fmt)) > 10


def test_context(client):
    r = client.get("/context.jsonld")
    assert r.headers["content-type"] == "application/ld+json"
    assert r.json()["@context"]["cc"] == "https://example.org/cc/def#"


def test_dataset_description(client):
    r = client.get("/dataset", headers={"accept": "text/turtle"})
    graph = Graph().parse(data=r.text, format="turtle")
    dataset = URIRef("https://example.org/cc/dataset")
    assert (dataset, RDF.type, DCAT.Dataset) in graph
    assert (dataset, VOID.sparqlEndpoint, None) in graph
    triples = int(graph.value(dataset, VOID.triples))
    assert triples > 100
    assert len(list(graph.objects(dataset, VOID.subset))) == 3  # vocabulary, the fixture source, identity


def test_publish_page_and_example(client):
    assert client.get("/publish").status_code == 200
    example = client.get("/publish/example.ttl")
    assert validate(client, example.text).json()["conforms"] is True
