"""SPARQL 1.1 Protocol over real HTTP: methods, formats, graphs, errors, limits, the admin token."""
from __future__ import annotations

import csv
import io

import httpx
import pytest
from rdflib import Graph

from api.app import create_app
from tests.fixtures.api.support import ADMIN_TOKEN, LiveServer, api_settings, fixture_store

CC = "https://example.org/cc/def#"
COUNT = f"SELECT (COUNT(?c) AS ?n) WHERE {{ ?c a <{CC}CitizenCollective> }}"
NAMES = f"SELECT ?c ?name WHERE {{ ?c a <{CC}CitizenCollective> ; <http://schema.org/name> ?name }} ORDER BY ?name"
CONSTRUCT = f"CONSTRUCT {{ ?c <http://schema.org/name> ?name }} WHERE {{ ?c a <{CC}CitizenCollective> ; <http://schema.org/name> ?name }}"
SOURCE_GRAPH = "https://example.org/cc/graph/source/fixture"
VOCAB_GRAPH = "https://example.org/cc/graph/vocabulary"


@pytest.fixture(scope="module")
def server():
    app = create_app(api_settings(), fixture_store())
    with LiveServer(app) as live:
        yield live


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


def count(response) -> int:
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_get_query_json(client):
    r = client.get("/sparql", params={"query": COUNT})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    assert "accept" in r.headers["vary"].lower()
    assert count(r) == 4


def test_post_form(client):
    r = client.post("/sparql", data={"query": COUNT})
    assert r.status_code == 200 and count(r) == 4


def test_post_direct(client):
    r = client.post("/sparql", content=COUNT.encode(), headers={"content-type": "application/sparql-query"})
    assert r.status_code == 200 and count(r) == 4


@pytest.mark.parametrize("accept,expected", [
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/sparql-results+json;q=0.5, text/csv;q=0.9", "text/csv"),
    ("*/*", "application/sparql-results+json"),
    ("", "application/sparql-results+json"),
])
def test_select_formats(client, accept, expected):
    r = client.get("/sparql", params={"query": NAMES}, headers={"accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == expected


def test_csv_rows(client):
    r = client.get("/sparql", params={"query": NAMES, "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["name"] for row in rows][0] == "Buurtstroom Voorbeelddorp-Oost"
    assert len(rows) == 4


def test_ask(client):
    r = client.get("/sparql", params={"query": f"ASK {{ ?c a <{CC}Network> }}"})
    assert r.json()["boolean"] is True
    r = client.get("/sparql", params={"query": "ASK { ?c a <http://example.org/Nothing> }", "format": "xml"})
    assert "false" in r.text


@pytest.mark.parametrize("accept,rdflib_format", [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"),
])
def test_construct_formats(client, accept, rdflib_format):
    r = client.get("/sparql", params={"query": CONSTRUCT}, headers={"accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == accept
    graph = Graph().parse(data=r.content, format=rdflib_format)
    assert len(graph) == 4


def test_construct_defaults_to_turtle(client):
    r = client.get("/sparql", params={"query": CONSTRUCT}, headers={"accept": "*/*"})
    assert r.headers["content-type"].startswith("text/turtle")


def test_describe(client):
    r = client.get("/sparql", params={"query": "DESCRIBE <https://example.org/cc/id/collective/c-fixture00001>",
                                      "format": "nt"})
    assert r.status_code == 200 and "Voorbeelddorp" in r.text


def test_select_with_construct_media_type_is_406(client):
    r = client.get("/sparql", params={"query": NAMES}, headers={"accept": "text/turtle"})
    assert r.status_code == 406
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "not_acceptable"


def test_default_graph_uri(client):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://identifier.overheid.nl/tooi/def/ont/Gemeente> }"
    assert count(client.get("/sparql", params={"query": query})) == 3
    only_source = client.get("/sparql", params={"query": query, "default-graph-uri": SOURCE_GRAPH})
    assert count(only_source) == 0
    only_vocab = client.post("/sparql", data={"query": query, "default-graph-uri": VOCAB_GRAPH})
    assert count(only_vocab) == 3


def test_named_graph_uri(client):
    query = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert count(client.get("/sparql", params={"query": query})) == 3  # vocabulary, the fixture source, identity
    r = client.get("/sparql", params={"query": query, "named-graph-uri": SOURCE_GRAPH})
    assert count(r) == 1


def test_bad_graph_uri(client):
    r = client.get("/sparql", params={"query": COUNT, "default-graph-uri": "not an iri> { }"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_input"


def test_malformed_query(client):
    r = client.get("/sparql", params={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "malformed_query"
    assert body["detail"]  # the parser's message
    assert r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("update", [
    "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }",
    "PREFIX ex: <http://example.org/>\n# comment\nDELETE WHERE { ?s ?p ?o }",
    "DROP ALL",
    "CLEAR DEFAULT",
    "LOAD <http://example.org/data.ttl>",
])
def test_updates_are_forbidden(client, update):
    for response in (
        client.post("/sparql", data={"update": update}),
        client.post("/sparql", content=update, headers={"content-type": "application/sparql-update"}),
        client.get("/sparql", params={"query": update}),
        client.post("/sparql", data={"query": update}),
        client.post("/sparql", data={"update": update}, headers={"authorization": "Bearer wrong-token"}),
    ):
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "read_only"
    assert count(client.get("/sparql", params={"query": COUNT})) == 4


def test_admin_token_enables_updates():
    store = fixture_store()
    app = create_app(api_settings(), store)
    with LiveServer(app) as live, httpx.Client(base_url=live.url) as client:
        insert = f"INSERT DATA {{ GRAPH <{SOURCE_GRAPH}> {{ <https://example.org/cc/id/collective/c-x> a <{CC}CitizenCollective> }} }}"
        r = client.post("/sparql", data={"update": insert}, headers={"authorization": f"Bearer {ADMIN_TOKEN}"})
        assert r.status_code == 204
        assert count(client.get("/sparql", params={"query": COUNT})) == 5


def test_no_admin_token_configured_means_no_updates():
    app = create_app(api_settings(admin_token=None), fixture_store())
    with LiveServer(app) as live:
        r = httpx.post(f"{live.url}/sparql", data={"update": "DROP ALL"}, headers={"authorization": "Bearer anything"})
        assert r.status_code == 403


def test_unsupported_content_type(client):
    r = client.post("/sparql", content=b"query", headers={"content-type": "text/plain"})
    assert r.status_code == 415 and r.json()["code"] == "unsupported_media_type"


def test_form_needs_one_query(client):
    r = client.post("/sparql", data={"query": [COUNT, COUNT]})
    assert r.status_code == 400


def test_result_cap():
    app = create_app(api_settings(result_cap=3), fixture_store())
    with LiveServer(app) as live:
        r = httpx.get(f"{live.url}/sparql", params={"query": NAMES})
        assert r.status_code == 413 and r.json()["code"] == "result_too_large"
        r = httpx.get(f"{live.url}/sparql", params={"query": CONSTRUCT})
        assert r.json()["code"] == "result_too_large"
        r = httpx.get(f"{live.url}/sparql", params={"query": NAMES + " LIMIT 3"})
        assert r.status_code == 200


def test_query_timeout():
    app = create_app(api_settings(query_timeout=0.3, result_cap=10**9), fixture_store())
    slow = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    with LiveServer(app) as live:
        r = httpx.get(f"{live.url}/sparql", params={"query": slow}, timeout=30)
        assert r.status_code == 503
        assert r.json()["code"] == "query_timeout"
        assert httpx.get(f"{live.url}/health").status_code == 200


def test_service_description(client):
    r = client.get("/sparql", headers={"accept": "text/turtle"})
    assert r.status_code == 200
    graph = Graph().parse(data=r.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert any(str(o) == sd + "SPARQL11Query" for o in graph.objects(None, None))


def test_query_page_for_browsers(client):
    r = client.get("/sparql", headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<textarea" in r.text and "http" not in r.text.split("<style>")[1].split("</style>")[0]


def test_huge_query_rejected(client):
    r = client.post("/sparql", content=("#" * 200_000 + "\n" + COUNT).encode(),
                    headers={"content-type": "application/sparql-query"})
    assert r.status_code == 413


def test_problem_has_no_internals(client):
    r = client.get("/sparql", params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"})
    assert r.status_code in (400, 503)
    assert "Traceback" not in r.text


def test_saturated_endpoint_answers_503_with_retry_after_and_recovers():
    import concurrent.futures
    app = create_app(api_settings(query_timeout=2.0, result_cap=10**9), fixture_store())
    slow = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o }"
    with LiveServer(app) as live:
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: httpx.get(f"{live.url}/sparql", params={"query": slow}, timeout=30),
                                    range(8)))
        codes = sorted(r.json()["code"] for r in answers)
        assert set(codes) == {"query_timeout", "too_many_queries"}, codes  # never a 5xx without a code
        busy = next(r for r in answers if r.json()["code"] == "too_many_queries")
        assert busy.status_code == 503 and int(busy.headers["retry-after"]) > 0
        # the pathological queries are stopped by the time limit and do not starve later clients
        import time
        time.sleep(1.0)
        r = httpx.get(f"{live.url}/sparql", params={"query": COUNT}, timeout=30)
        assert r.status_code == 200


def test_tokens_never_reach_the_logs(caplog):
    import logging
    caplog.set_level(logging.DEBUG)
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error", "api"):
        logging.getLogger(name).propagate = True
    app = create_app(api_settings(), fixture_store())
    wrong = "wrong-token-that-must-not-be-logged"
    with LiveServer(app) as live:
        insert = 'INSERT DATA { GRAPH <https://example.org/cc/graph/scratch> { <https://example.org/a> <https://example.org/b> "c" } }'
        assert httpx.post(f"{live.url}/sparql", data={"update": insert},
                          headers={"authorization": f"Bearer {ADMIN_TOKEN}"}).status_code in (200, 204)
        assert httpx.post(f"{live.url}/sparql", data={"update": insert},
                          headers={"authorization": f"Bearer {wrong}"}).status_code in (401, 403)
    assert caplog.records, "the server logged nothing at all: the check would be empty"
    assert ADMIN_TOKEN not in caplog.text and wrong not in caplog.text
