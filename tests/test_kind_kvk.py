"""The kvk kind against a loopback server answering like the KvK Basisprofiel API (fictitious companies)."""
from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import FOAF, SKOS, XSD

from harvesters.base import HarvestContext, SourceConfig, SourceError
from harvesters.kinds.kvk import KvkHarvester, kvk_date
from harvesters.runner import run_source
from registry.namespaces import LOCN, ROV, SCHEMA
from tests.fixtures.kinds.loopback import FixtureServer, Route, http_client

FIXTURES = Path(__file__).parent / "fixtures" / "kinds" / "kvk"
JSON = "application/json"
API_KEY = "fictitious-test-key"


def profile(number: str) -> Route:
    return Route((FIXTURES / f"basisprofiel-{number}.json").read_bytes(), content_type=JSON)


def api_routes(**extra) -> dict:
    routes = {f"/api/v1/basisprofielen/{n}": profile(n) for n in ("96354429", "96354430")}
    routes.update({f"/api/v1/basisprofielen/{n}": r for n, r in extra.items()})
    return routes


@pytest.fixture
def make(settings, reference, monkeypatch):
    monkeypatch.setenv("COLLECTIVES_TEST_KVK_KEY", API_KEY)
    clients = []

    def build(server, numbers, name="kvk", context_store=None, **options):
        http = http_client(settings)
        clients.append(http)
        config = SourceConfig(name=name, kind="kvk", url=server.url("/api"), rate=1000.0, options={
            "api_key_env": "COLLECTIVES_TEST_KVK_KEY", "kvk_numbers": numbers, **options})
        context = HarvestContext(settings=settings, reference=reference, http=http)
        if context_store is not None:
            context.store = context_store
        return KvkHarvester(config, context)

    yield build
    for http in clients:
        http.close()


def collective_of(graph, h, key):
    return graph.value(h.iris.record(h.config.name, key), FOAF.primaryTopic)


def test_basisprofiel_enriches_a_collective(make, settings):
    iris, cc = settings.iris, settings.iris.CC
    with FixtureServer(api_routes()) as server:
        h = make(server, ["96354429", "96354430"])
        records = {r.key: r for r in h.gather()}
        sent = [r for r in server.requests if r[1].startswith("/api/")]
    assert sorted(records) == ["96354429", "96354430"]
    assert all(r[2].get("apikey") == API_KEY for r in sent)

    g = h.transform(records["96354429"])
    it = collective_of(g, h, "96354429")
    assert g.value(it, SCHEMA.name) == Literal("Energiecoöperatie Voorbeelddorp U.A.")
    assert g.value(it, SCHEMA.alternateName) == Literal("EC Voorbeelddorp")
    assert g.value(it, cc.kvkNumber) == Literal("96354429")
    assert g.value(it, ROV.orgType) == iris.concept("legal-form", "cooperative-ua")
    assert g.value(it, cc.legalFormStated) == Literal("Coöperatie met uitsluiting van aansprakelijkheid")
    assert set(g.objects(it, ROV.orgActivity)) == {iris.concept("sbi", "3511"), iris.concept("sbi", "7022")}
    assert g.value(iris.concept("sbi", "3511"), SKOS.prefLabel) == Literal("Productie van elektriciteit", lang="nl")
    address = g.value(it, LOCN.address)
    assert g.value(address, LOCN.postCode) == Literal("1011AB")
    assert g.value(address, LOCN.thoroughfare) == Literal("Dorpsstraat 1")
    assert g.value(it, SCHEMA.url) == URIRef("https://voorbeelddorp-energie.example.org")
    events = {g.value(e, cc.eventType): g.value(e, cc.eventDate) for e in g.objects(it, cc.lifecycleEvent)}
    assert events == {iris.concept("event-type", "registration"): Literal("2012-03-01", datatype=XSD.date)}

    g = h.transform(records["96354430"])
    it = collective_of(g, h, "96354430")
    assert g.value(it, ROV.orgType) == iris.concept("legal-form", "foundation")
    events = {g.value(e, cc.eventType): g.value(e, cc.eventDate) for e in g.objects(it, cc.lifecycleEvent)}
    assert events == {iris.concept("event-type", "registration"): Literal("2015-06", datatype=XSD.gYearMonth),
                      iris.concept("event-type", "deregistration"): Literal("2021-03-15", datatype=XSD.date)}


def test_unknown_numbers_and_broken_profiles_are_their_own_errors(make, store, validator):
    extra = {"96354431": Route(b'{"fout": [{"code": "IPD0004"}]}', status=404, content_type=JSON),
             "96354432": Route(b'{"kvkNummer": "96354432", "naam": ', content_type=JSON),
             "96354433": Route(b'{"kvkNummer": "12345678", "naam": "Verkeerd"}', content_type=JSON)}
    with FixtureServer(api_routes(**extra)) as server:
        report = run_source(make(server, ["96354429", "96354430", *extra], name="kvk-errors"), store, validator)
    assert report.status == "completed"
    errors = dict(report.errors)
    assert "has no 96354431" in errors["96354431"]
    assert "not JSON" in errors["96354432"]
    assert "answered for" in errors["96354433"]
    assert "96354429" not in errors and "96354430" not in errors


@pytest.mark.parametrize("status", [500, 401, 429])
def test_a_refusing_api_fails_the_run_and_keeps_the_previous_graph(make, settings, store, validator, status):
    graph_iri = settings.iris.source_graph("kvk")
    with FixtureServer(api_routes()) as server:
        good = run_source(make(server, ["96354429", "96354430"]), store, validator)
        assert (good.status, good.valid, good.invalid, good.errors) == ("completed", 2, 0, [])
        before = store.graph(graph_iri)
        server.routes = api_routes(**{"96354430": Route(b"{}", status=status, content_type=JSON)})
        bad = run_source(make(server, ["96354429", "96354430"]), store, validator)
    assert bad.status == "failed"
    assert f"HTTP {status}" in bad.message
    assert isomorphic(store.graph(graph_iri), before)


def test_without_an_api_key_no_request_is_sent(make, monkeypatch, store, validator):
    monkeypatch.delenv("COLLECTIVES_TEST_KVK_KEY")
    with FixtureServer(api_routes()) as server:
        report = run_source(make(server, ["96354429"], name="kvk-nokey"), store, validator)
        assert [r for r in server.requests if r[1].startswith("/api/")] == []
    assert report.status == "failed" and "COLLECTIVES_TEST_KVK_KEY" in report.message


def test_numbers_from_the_store(make, settings, store):
    cc = settings.iris.CC
    other = Graph()
    other.add((URIRef("https://example.org/c/1"), cc.kvkNumber, Literal("96354430")))
    store.replace_graph(settings.iris.source_graph("some-network"), other)
    with FixtureServer(api_routes()) as server:
        h = make(server, [], context_store=store, from_store=True)
        assert [r.key for r in h.gather()] == ["96354430"]
        with pytest.raises(SourceError, match="needs the store"):
            list(make(server, [], from_store=True).gather())


def test_configuration_and_dates(make, settings):
    with FixtureServer() as server:
        with pytest.raises(SourceError, match="not a KvK number"):
            make(server, ["123456789012"])
        with pytest.raises(SourceError, match="kvk_numbers or set from_store"):
            make(server, [])
    assert kvk_date("20170518") == "2017-05-18"
    assert kvk_date("20170500") == "2017-05"
    assert kvk_date("20170000") == "2017"
    assert kvk_date("") is None
