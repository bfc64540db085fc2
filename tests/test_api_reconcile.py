"""The reconciliation API against the specification's JSON schemas (kept as fixtures) and its examples."""
from __future__ import annotations

import json
from pathlib import Path

import httpx
import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from api.app import create_app
from tests.fixtures.api.support import LiveServer, api_settings, fixture_store

SCHEMAS = Path(__file__).parent / "fixtures" / "api" / "reconciliation-0.2"


def schema_validator(name: str):
    documents = {p.name: json.loads(p.read_text()) for p in SCHEMAS.glob("*.json")}
    registry = Registry().with_resources(
        (doc["$id"], Resource.from_contents(doc, default_specification=DRAFT7)) for doc in documents.values())
    return jsonschema.Draft7Validator(documents[name], registry=registry)


@pytest.fixture(scope="module")
def client():
    app = create_app(api_settings(), fixture_store())
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=30) as c:
        yield c


QUERIES = {
    "q0": {"query": "Energiecooperatie Voorbeelddorp"},
    "q1": {"query": "Zorg Proefstad", "type": "https://example.org/cc/def#CitizenCollective", "limit": 3,
           "properties": [{"pid": "municipality", "v": "Proefstad"}]},
    "q2": {"query": "anything", "properties": [{"pid": "kvk", "v": "99000001"}]},
    "q3": {"query": "Nergens Bekend Collectief"},
    "q4": {"query": '") } DROP ALL #', "type_strict": "should"},
}


def test_manifest(client):
    manifest = client.get("/reconcile").json()
    schema_validator("manifest.json").validate(manifest)
    assert manifest["versions"] == ["0.2"]


def test_query_batch_examples_are_valid_queries():
    schema_validator("reconciliation-query-batch.json").validate(QUERIES)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_reconcile(client, method):
    payload = {"queries": json.dumps(QUERIES)}
    r = client.get("/reconcile", params=payload) if method == "GET" else client.post("/reconcile", data=payload)
    assert r.status_code == 200
    results = r.json()
    schema_validator("reconciliation-result-batch.json").validate(results)
    assert results["q0"]["result"][0]["id"] == "c-fixture00001"
    assert results["q1"]["result"][0]["id"] == "c-fixture00002"
    assert results["q2"]["result"][0] == {**results["q2"]["result"][0], "id": "c-fixture00001", "score": 100.0,
                                          "match": True}
    assert results["q3"]["result"] == [] or results["q3"]["result"][0]["match"] is False
    assert len(results["q1"]["result"]) <= 3


def test_suggest(client):
    r = client.get("/reconcile/suggest/entity", params={"prefix": "voedsel"})
    schema_validator("suggest-entities-response.json").validate(r.json())
    assert r.json()["result"][0]["id"] == "c-fixture00003"


def test_preview_and_view(client):
    r = client.get("/reconcile/preview", params={"id": "c-fixture00001"})
    assert r.status_code == 200 and "Energiecoöperatie Voorbeelddorp" in r.text
    assert client.get("/reconcile/preview", params={"id": "c-nope"}).status_code == 404
    view = client.get("/reconcile").json()["view"]["url"].replace("{{id}}", "c-fixture00001")
    assert httpx.get(view, headers={"accept": "text/turtle"}, follow_redirects=True).status_code == 200


def test_extend(client):
    extend = {"ids": ["c-fixture00001"], "properties": [{"id": "municipality_code"}, {"id": "kvk"}]}
    data = client.get("/reconcile", params={"extend": json.dumps(extend)}).json()
    assert data["rows"]["c-fixture00001"] == {"municipality_code": [{"str": "GM9901"}], "kvk": [{"str": "99000001"}]}
    assert client.get("/reconcile/properties").json()["properties"]


@pytest.mark.parametrize("queries", ["not json", "[]", "{}", json.dumps({"q": "text"}),
                                     json.dumps({f"q{i}": {"query": "x"} for i in range(60)}),
                                     json.dumps({"q": {"query": 5}}), json.dumps({"q": {"query": "x" * 1000}})])
def test_bad_batches(client, queries):
    r = client.get("/reconcile", params={"queries": queries})
    assert r.status_code == 400 and r.json()["code"] == "invalid_input"
