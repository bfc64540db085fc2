"""The sparql kind against a real SPARQL server (Oxigraph on loopback) loaded with Wikidata-shaped fixtures."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, XSD

from harvesters.base import HarvestContext, RawRecord, RecordError, SourceConfig, SourceError
from harvesters.config import load_sources
from harvesters.kinds.sparql import SparqlHarvester, date_with_precision, parse_wkt_point, record_key
from harvesters.runner import run_source
from registry.namespaces import GEO, ROV, SCHEMA, WD, municipality_iri
from tests.fixtures.kinds.loopback import FixtureServer, OxigraphServer, Route, http_client, oxigraph_command

FIXTURE = Path(__file__).parent / "fixtures" / "kinds" / "sparql" / "wikidata_items.ttl"
pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    command = oxigraph_command()
    if command is None:
        pytest.skip("the Oxigraph server CLI is not installed (pip install oxigraph)")
    with OxigraphServer(command, FIXTURE, tmp_path_factory.mktemp("oxigraph")) as server:
        yield server.endpoint


def wikidata_config(endpoint: str, **options) -> SourceConfig:
    shipped = next(s for s in load_sources(None) if s.name == "wikidata")
    return replace(shipped, url=endpoint, enabled=True, options={**shipped.options, **options})


def harvester(config, settings, reference, http=None) -> SparqlHarvester:
    live = replace(settings, offline=False)
    return SparqlHarvester(config, HarvestContext(settings=live, reference=reference, http=http))


def graphs_by_key(h: SparqlHarvester) -> dict:
    return {record.key: h.transform(record) for record in h.gather()}


def the_collective(graph, iris):
    return next(graph.subjects(RDF.type, iris.CC.CitizenCollective))


def test_the_shipped_wikidata_configuration_gives_normalised_records(endpoint, settings, reference):
    iris = settings.iris
    cc = iris.CC
    records = graphs_by_key(harvester(wikidata_config(endpoint), settings, reference))
    assert sorted(records) == ["Q13406268", "Q15397819", "Q4115189"]  # not the foreign or non-collective items

    g = records["Q4115189"]
    it = the_collective(g, iris)
    assert (iris.record("wikidata", "Q4115189"), None, it) in g
    assert g.value(it, SCHEMA.name) == Literal("Energiecoöperatie Voorbeelddorp")
    assert Literal("Example Village Energy Cooperative") in set(g.objects(it, SCHEMA.alternateName))
    assert g.value(it, cc.kvkNumber) == Literal("06354429")  # Wikidata dropped the leading zero
    assert g.value(it, cc.municipality) == municipality_iri("gm0363")  # through the village's P131
    assert g.value(it, cc.cbsMunicipalityCode) == Literal("GM0363")
    assert g.value(it, SCHEMA.foundingDate) == Literal("2012", datatype=XSD.gYear)  # year precision kept
    assert g.value(it, SCHEMA.sameAs) == WD.Q4115189
    assert g.value(it, SCHEMA.url) == URIRef("https://voorbeelddorp-energie.example.org/")
    assert g.value(it, ROV.orgType) == iris.concept("legal-form", "cooperative")
    assert g.value(it, cc.collectiveType) == iris.concept("collective-type", "energy-cooperative")
    assert g.value(it, cc.sector) == iris.concept("sector", "energy")
    geometry = g.value(it, GEO.hasGeometry)
    assert g.value(geometry, GEO.asWKT) == Literal("POINT(4.9 52.37)", datatype=GEO.wktLiteral)

    g = records["Q13406268"]
    it = the_collective(g, iris)
    assert g.value(it, SCHEMA.foundingDate) == Literal("2015-06", datatype=XSD.gYearMonth)
    assert g.value(it, SCHEMA.dissolutionDate) == Literal("2021-03-15", datatype=XSD.date)
    assert g.value(it, cc.municipality) == municipality_iri("gm0363")

    g = records["Q15397819"]
    it = the_collective(g, iris)
    assert g.value(it, SCHEMA.name) == Literal("Example Housing Collective")  # no Dutch label: English
    assert list(g.objects(it, SCHEMA.alternateName)) == []


def test_every_wikidata_record_is_valid(endpoint, settings, reference, store, validator):
    report = run_source(harvester(wikidata_config(endpoint), settings, reference), store, validator)
    assert (report.valid, report.invalid, report.errors) == (3, 0, [])


@pytest.mark.parametrize("page_size", [1, 2])
def test_paging_gives_the_same_records_as_one_page(endpoint, settings, reference, page_size):
    one_page = graphs_by_key(harvester(wikidata_config(endpoint), settings, reference))
    paged = graphs_by_key(harvester(wikidata_config(endpoint, page_size=page_size), settings, reference))
    assert sorted(paged) == sorted(one_page)
    for key in one_page:
        assert isomorphic(paged[key], one_page[key]), key


def test_recorded_then_replayed_through_the_http_client(endpoint, settings, reference, tmp_path):
    from harvesters.recordings import Recordings
    recordings = Recordings(tmp_path / "recordings")
    config = wikidata_config(endpoint, page_size=2)
    with http_client(settings, mode="record", recordings=recordings) as http:
        recorded = graphs_by_key(harvester(config, settings, reference, http))
    assert list((tmp_path / "recordings").rglob("*.json"))  # one recording per page
    offline = replace(settings, offline=True)
    with http_client(offline, mode="replay", recordings=recordings) as http:
        h = SparqlHarvester(config, HarvestContext(settings=offline, reference=reference, http=http))
        replayed = graphs_by_key(h)
    assert sorted(replayed) == sorted(recorded)
    for key in recorded:
        assert isomorphic(replayed[key], recorded[key]), key


def test_a_page_that_repeats_ends_the_listing(settings, reference):
    page = {"head": {"vars": ["item", "name"]}, "results": {"bindings": [
        {"item": {"type": "uri", "value": f"http://www.wikidata.org/entity/Q{n}"},
         "name": {"type": "literal", "value": f"Voorbeeldcoöperatie {n}"}} for n in (4115189, 13406268)]}}
    route = Route(json.dumps(page).encode(), content_type="application/sparql-results+json")
    with FixtureServer({"/sparql": route}) as server:  # ignores OFFSET: every page is the same
        config = SourceConfig(name="ignores-offset", kind="sparql", url=server.url("/sparql"), options={
            "query": "SELECT ?item ?name WHERE { ?item ?p ?name } ORDER BY ?item", "page_size": 2,
            "fields": {"name": "name"}})
        keys = [r.key for r in harvester(config, settings, reference).gather()]
        posts = [r for r in server.requests if r[0] == "POST"]
    assert keys == ["Q4115189", "Q13406268"]
    assert len(posts) == 2  # the repeat was read once, then the listing stopped
    assert b"LIMIT+2" in posts[1][3] and b"OFFSET+2" in posts[1][3]


def test_a_bad_kvk_number_is_that_records_error(endpoint, settings, reference):
    config = SourceConfig(name="bad-kvk", kind="sparql", url=endpoint, options={
        "query": """SELECT ?item ?name ?kvk WHERE {
                      VALUES (?item ?name ?kvk) {
                        (<http://www.wikidata.org/entity/Q4115189> "Energiecoöperatie Voorbeelddorp" "123456789012")
                        (<http://www.wikidata.org/entity/Q13406268> "Buurtinitiatief Voorbeeldwijk" "96354429") } }
                    ORDER BY ?item""",
        "fields": {"name": "name", "kvk": "kvk"}})
    h = harvester(config, settings, reference)
    records = {r.key: r for r in h.gather()}
    with pytest.raises(RecordError, match="not a KvK number"):
        h.transform(records["Q4115189"])
    assert h.transform(records["Q13406268"])


def test_configuration_mistakes_are_named_up_front(settings, reference):
    base = {"fields": {"name": "name"}}
    with pytest.raises(SourceError, match="ORDER BY"):
        harvester(SourceConfig(name="x", kind="sparql", url="http://127.0.0.1:9/sparql",
                               options={**base, "query": "SELECT ?item ?name WHERE { ?item ?p ?name }"}),
                  settings, reference)
    with pytest.raises(SourceError, match="LIMIT/OFFSET"):
        harvester(SourceConfig(name="x", kind="sparql", url="http://127.0.0.1:9/sparql", options={
            **base, "query": "SELECT ?item ?name WHERE { ?item ?p ?name } ORDER BY ?item LIMIT 10"}),
            settings, reference)
    with pytest.raises(SourceError, match="unknown field"):
        harvester(SourceConfig(name="x", kind="sparql", url="http://127.0.0.1:9/sparql", options={
            "query_file": "wikidata.rq", "fields": {"name": "nameNl", "colour": "x"}}), settings, reference)


@pytest.mark.parametrize("route", [
    Route(b"oops", status=500),
    Route(b'{"head": {"vars": []}, "results": {"bindings": [', content_type="application/sparql-results+json"),
    Route(b"<html>not results</html>", content_type="text/html"),
], ids=["http-500", "broken-json", "not-sparql-results"])
def test_a_failing_endpoint_fails_the_run_and_keeps_the_previous_graph(endpoint, settings, reference, store,
                                                                       validator, route):
    good = run_source(harvester(wikidata_config(endpoint), settings, reference), store, validator)
    assert good.status == "completed", good.message
    assert (good.valid, good.invalid, good.errors) == (3, 0, [])
    graph_iri = settings.iris.source_graph("wikidata")
    before = store.graph(graph_iri)
    with FixtureServer({"/sparql": route}) as server:
        bad = run_source(harvester(wikidata_config(server.url("/sparql")), settings, reference), store, validator)
    assert bad.status == "failed"
    assert "wikidata" in bad.message
    assert isomorphic(store.graph(graph_iri), before)


def test_offline_without_recordings_sends_no_query(settings, reference):
    config = wikidata_config("http://127.0.0.1:9/sparql")
    h = SparqlHarvester(config, HarvestContext(settings=replace(settings, offline=True), reference=reference))
    with pytest.raises(SourceError, match="offline"):
        list(h.gather())


def test_helpers():
    assert record_key("http://www.wikidata.org/entity/Q4115189") == "Q4115189"
    assert parse_wkt_point("Point(4.9 52.37)") == (52.37, 4.9)
    assert parse_wkt_point("Point(200 52)") is None
    assert date_with_precision("2012-01-01T00:00:00Z", "9") == "2012"
    assert date_with_precision("2012-05-01T00:00:00Z", "10") == "2012-05"
    assert date_with_precision("1990-01-01T00:00:00Z", "8") is None  # a decade: no date to fake
    assert date_with_precision("-0500-01-01T00:00:00Z", None) is None


def test_a_record_without_a_name_is_that_records_error(settings, reference):
    config = SourceConfig(name="x", kind="sparql", url="http://127.0.0.1:9/sparql", options={
        "query": "SELECT ?item ?name WHERE { ?item ?p ?name } ORDER BY ?item", "fields": {"name": "name"}})
    h = harvester(config, settings, reference)
    with pytest.raises(RecordError, match="no name"):
        h.transform(RawRecord("Q4115189", [{"item": {"type": "uri", "value": "http://www.wikidata.org/entity/Q4115189"}}]))
