"""The json-feed kind: the JSON behind a network's map (GeoJSON or a nested list), over HTTP on loopback."""
import io
import json
from datetime import date

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import PROV, XSD

from harvesters.base import HarvestContext, SourceConfig, SourceError
from harvesters.kinds.json_feed import JsonFeedHarvester, leaf_texts, resolve
from harvesters.progress import Progress
from harvesters.runner import run_source
from registry.namespaces import GEO, SCHEMA, municipality_iri
from tests.conftest import FIXTURES
from tests.fixtures.kinds.loopback import FixtureServer, Route, http_client
from tests.fixtures.kinds.loopback import by_name

FEEDS = FIXTURES / "kinds" / "json_feed"
GEOJSON_OPTIONS = {
    "key": "id",
    "fields": {"municipality": "properties.gemeente", "sectors": "properties.thema",
               "founded": "properties.opgericht", "status": "properties.status"},
    "values": {"status": {"In ontwikkeling": "in development"}},
}
MARKER_OPTIONS = {
    "items": "data.markers",
    "next": "links.next",
    "key": "id",
    "fields": {"name": "naam", "place": "adres.plaats", "municipality": "adres.gemeente",
               "sectors": "categorieen.*.naam", "founded": "opgericht"},
    "values": {"sector": {"Wind": "energy"}},
    "defaults": {"collective_type": "energy-cooperative"},
}


def feed(name: str) -> Route:
    return Route((FEEDS / name).read_bytes(), content_type="application/json")


@pytest.fixture
def server():
    routes = {"/kaart.geojson": feed("kaart.geojson"), "/api/markers": feed("markers_pagina_1.json"),
              "/api/markers?pagina=2": feed("markers_pagina_2.json")}
    with FixtureServer(routes) as running:
        yield running


@pytest.fixture
def http(settings):
    with http_client(settings) as client:
        yield client


def harvester(settings, reference, http, url=None, options=None, name="kaart"):
    config = SourceConfig(name=name, kind="json-feed", url=url, options=options or GEOJSON_OPTIONS, rate=1000.0)
    return JsonFeedHarvester(config, HarvestContext(settings, reference, http=http))


def run(h, store, validator, today=None):
    return run_source(h, store, validator, today=today, progress=Progress("t", stream=io.StringIO()))


def test_a_geojson_map_becomes_collectives(settings, reference, store, validator, server, http):
    report = run(harvester(settings, reference, http, server.url("/kaart.geojson")), store, validator)
    assert report.status == "completed", report.message
    assert (report.fetched, report.valid) == (4, 3)
    iris, cc = settings.iris, settings.iris.CC
    graph = store.graph(iris.source_graph("kaart"))

    dorp = by_name(graph, "Energiecoöperatie Voorbeelddorp")  # HTML entity and tags removed
    assert graph.value(dorp, cc.sector) == iris.concept("sector", "energy")
    assert graph.value(dorp, cc.municipality) == municipality_iri("gm0344")
    assert graph.value(dorp, SCHEMA.foundingDate) == Literal("2013", datatype=XSD.gYear)
    assert graph.value(dorp, SCHEMA.url) == URIRef("https://voorbeelddorp.example.org")
    geometry = graph.value(dorp, GEO.hasGeometry)
    assert_point(graph.value(geometry, GEO.asWKT), 5.1214, 52.0907)
    record = iris.record("kaart", "vb-001")
    assert graph.value(record, PROV.wasDerivedFrom) == URIRef(server.url("/kaart/energiecooperatie-voorbeelddorp/"))

    farm = by_name(graph, "Herenboerderij Proefpolder")
    assert graph.value(farm, cc.sector) == iris.concept("sector", "food")
    assert graph.value(farm, cc.municipality) == municipality_iri("gm0193")
    assert graph.value(farm, SCHEMA.foundingDate) == Literal("2021-09", datatype=XSD.gYearMonth)

    wijk = by_name(graph, "Zorgcoöperatie Proefwijk")
    assert set(graph.objects(wijk, cc.sector)) == {iris.concept("sector", "care"), iris.concept("sector", "housing")}


def test_the_item_without_a_name_is_its_own_error(settings, reference, store, validator, server, http):
    report = run(harvester(settings, reference, http, server.url("/kaart.geojson")), store, validator)
    assert report.errors == [("vb-004", "RecordError: the record has no name")]


def test_a_nested_list_with_paging_that_repeats(settings, reference, store, validator, server, http):
    report = run(harvester(settings, reference, http, server.url("/api/markers"), MARKER_OPTIONS), store, validator)
    assert report.status == "completed" and report.valid == 3 and not report.errors, (report.message, report.errors)
    assert [p for _, p, _, _ in server.requests if p.startswith("/api")] == ["/api/markers", "/api/markers?pagina=2"]
    iris, cc = settings.iris, settings.iris.CC
    graph = store.graph(iris.source_graph("kaart"))
    wind = by_name(graph, "Windcoöperatie Proefpolder")
    assert graph.value(wind, cc.sector) == iris.concept("sector", "energy")  # "Wind", mapped
    assert graph.value(wind, cc.collectiveType) == iris.concept("collective-type", "energy-cooperative")
    assert graph.value(wind, SCHEMA.foundingDate) == Literal("2016", datatype=XSD.gYear)
    assert graph.value(wind, cc.municipality) == municipality_iri("gm0193")
    zon = by_name(graph, "Coöperatie Zonnedak Fictiefveen")  # numbers as numbers: 52.5168, 2016
    wkt = graph.value(graph.value(zon, GEO.hasGeometry), GEO.asWKT)
    assert_point(wkt, 6.0944, 52.5168)
    assert (iris.record("kaart", "102"), None, None) in graph


def test_a_page_served_again_under_a_new_url_stops_the_paging(settings, reference, server, http):
    page_2 = json.loads((FEEDS / "markers_pagina_2.json").read_text(encoding="utf-8"))
    page_2["links"]["next"] = "/api/markers?pagina=1"  # page 1 again, under another URL
    server.routes["/api/markers?pagina=2"] = Route(json.dumps(page_2).encode(), content_type="application/json")
    server.routes["/api/markers?pagina=1"] = feed("markers_pagina_1.json")
    assert len(list(harvester(settings, reference, http, server.url("/api/markers"), MARKER_OPTIONS).gather())) == 3


def test_broken_json_fails_the_run_and_keeps_the_previous_graph(settings, reference, store, validator, server, http):
    url = server.url("/kaart.geojson")
    first = run(harvester(settings, reference, http, url), store, validator)
    assert first.status == "completed"
    before = store.triple_count(settings.iris.source_graph("kaart"))

    server.routes["/kaart.geojson"] = feed("kapot.json")
    second = run(harvester(settings, reference, http, url), store, validator)
    assert second.status == "failed" and "not JSON" in second.message
    assert second.vanished == 0
    assert store.triple_count(settings.iris.source_graph("kaart")) == before


def test_an_empty_feed_fails_the_run(settings, reference, store, validator, server, http):
    server.routes["/leeg.json"] = Route(b'{"type": "FeatureCollection", "features": []}', content_type="application/json")
    report = run(harvester(settings, reference, http, server.url("/leeg.json")), store, validator)
    assert report.status == "failed" and "fewer than min_items = 1" in report.message


def test_a_missing_items_path_and_a_server_error_fail_the_run(settings, reference, store, validator, server, http):
    wrong_path = run(harvester(settings, reference, http, server.url("/api/markers"),
                               {**MARKER_OPTIONS, "items": "data.punten"}), store, validator)
    assert wrong_path.status == "failed" and "no list at items = 'data.punten'" in wrong_path.message
    server.routes["/kaart.geojson"] = Route(b"upstream error", status=500)
    failed = run(harvester(settings, reference, http, server.url("/kaart.geojson")), store, validator)
    assert failed.status == "failed" and "500" in failed.message


def test_a_point_that_left_the_map_stays_withdrawn(settings, reference, store, validator, server, http):
    url = server.url("/kaart.geojson")
    run(harvester(settings, reference, http, url), store, validator, today=date(2025, 1, 1))
    document = json.loads((FEEDS / "kaart.geojson").read_text(encoding="utf-8"))
    document["features"] = [f for f in document["features"] if f["id"] != "vb-003"]
    server.routes["/kaart.geojson"] = Route(json.dumps(document).encode(), content_type="application/json")
    report = run(harvester(settings, reference, http, url), store, validator, today=date(2025, 2, 1))
    assert report.status == "completed" and report.vanished == 1
    iris, cc = settings.iris, settings.iris.CC
    graph = store.graph(iris.source_graph("kaart"))
    gone = iris.record("kaart", "vb-003")
    assert graph.value(gone, cc.recordStatus) == iris.concept("record-status", "withdrawn")
    assert graph.value(gone, cc.lastSeen) == Literal("2025-01-01", datatype=XSD.date)
    assert graph.value(iris.record("kaart", "vb-001"), cc.recordStatus) == iris.concept("record-status", "valid")


def test_a_local_copy_and_a_link_header_for_paging(settings, reference, server, http, tmp_path):
    copy = tmp_path / "kaart.geojson"
    copy.write_bytes((FEEDS / "kaart.geojson").read_bytes())
    local = harvester(settings, reference, None, options={**GEOJSON_OPTIONS, "path": str(copy)})
    assert [r.key for r in local.gather()] == ["vb-001", "vb-002", "vb-003", "vb-004"]

    first = {"items": [{"name": "Energiecoöperatie Voorbeelddorp"}]}
    second = {"items": [{"name": "Zorgcoöperatie Proefwijk"}]}
    server.routes["/wp/1"] = Route(json.dumps(first).encode(), content_type="application/json",
                                   headers={"Link": '</wp/2>; rel="next"'})
    server.routes["/wp/2"] = Route(json.dumps(second).encode(), content_type="application/json")
    paged = harvester(settings, reference, http, server.url("/wp/1"), {"items": "items", "next": "@link"})
    assert [r.data["fields"]["name"] for r in paged.gather()] == [["Energiecoöperatie Voorbeelddorp"],
                                                                  ["Zorgcoöperatie Proefwijk"]]


def test_options_are_checked(settings, reference):
    problems = JsonFeedHarvester.check_options({"fields": {"naam": "title"}, "items": ["a"], "min_items": -1})
    assert "options.fields: unknown field 'naam'" in problems
    assert "options.items must be a dotted path" in problems
    assert any("min_items" in p for p in problems)
    with pytest.raises(SourceError, match="invalid options"):
        list(harvester(settings, reference, None, "https://example.org/kaart.json", {"itemz": "x"}).gather())


def test_paths():
    data = {"features": [{"geometry": {"coordinates": [5.1, 52.0]}, "properties": {"tags": [{"n": "a"}, {"n": "b"}]}}]}
    assert resolve(data, "features.0.geometry.coordinates.1") == [52.0]
    assert resolve(data, "features.0.properties.tags.*.n") == ["a", "b"]
    assert resolve(data, "features.5.geometry") == []
    assert resolve(data, "features.0.missing") == []
    assert leaf_texts(["Zon &amp; Wind", "<p>Energie</p>", None, {"x": 1}, 2016.0]) == ["Zon & Wind", "Energie", "2016"]


def assert_point(wkt, lon, lat):
    """A WKT point, longitude first. Virtuoso stores geometries in single precision, hence the tolerance."""
    assert wkt.datatype == GEO.wktLiteral
    x, y = (float(v) for v in str(wkt).removeprefix("POINT(").removesuffix(")").split())
    assert abs(x - lon) < 1e-5 and abs(y - lat) < 1e-5, str(wkt)
