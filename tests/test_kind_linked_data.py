"""The linked-data kind: RDF in every common syntax, DCAT catalogues, schema.org / ORG / our ontology mapped."""
from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, XSD

from harvesters.base import HarvestContext, SourceConfig, SourceError
from harvesters.kinds.linked_data import (ACCEPT, LinkedDataHarvester, RemoteContextRefused, parse_jsonld,
                                          rdf_format)
from harvesters.runner import run_source
from registry.namespaces import LOCN, ROV, SCHEMA, WD, municipality_iri
from tests.fixtures.kinds.loopback import FixtureServer, Route, http_client

FIXTURES = Path(__file__).parent / "fixtures" / "kinds" / "linked_data"
TYPES = {"ttl": "text/turtle; charset=utf-8", "jsonld": "application/ld+json", "rdf": "application/rdf+xml",
         "nt": "application/n-triples"}


def fixture(name: str, base: str = "") -> bytes:
    return (FIXTURES / name).read_bytes().replace(b"{base}", base.encode())


def route(name: str, base: str = "", content_type: str | None = None) -> Route:
    return Route(fixture(name, base), content_type=content_type or TYPES[name.rsplit(".", 1)[1]])


@pytest.fixture
def harvest(settings, reference):
    """harvest(server, *paths) -> {key: graph}; the harvester is kept as harvest.last."""
    clients = []

    def make(server, *paths, name="network", **options):
        http = http_client(settings)
        clients.append(http)
        config = SourceConfig(name=name, kind="linked-data", urls=tuple(server.url(p) for p in paths),
                              rate=1000.0, options=options)
        run.last = LinkedDataHarvester(config, HarvestContext(settings=settings, reference=reference, http=http))
        return run.last

    def run(server, *paths, **kw):
        return {r.key: r for r in make(server, *paths, **kw).gather()}

    run.make = make
    yield run
    for http in clients:
        http.close()


def collective(graph, iris):
    return next(s for t in (iris.CC.CitizenCollective, iris.CC.Network) for s in graph.subjects(RDF.type, t))


def test_turtle_with_schema_org_org_and_our_ontology(harvest, settings):
    iris, cc = settings.iris, settings.iris.CC
    with FixtureServer({"/members.ttl": route("network.ttl")}) as server:
        records = harvest(server, "/members.ttl")
        sent_accept = server.requests[-1][2]["Accept"]
    assert sent_accept == ACCEPT and "q=0.9" in sent_accept
    h = harvest.last
    assert sorted(records) == ["network-example-org-members-buurt-voorbeeldstad",
                               "network-example-org-members-voorbeelddorp",
                               "network-example-org-members-zorg-voorbeeldwijk"]

    g = h.transform(records["network-example-org-members-voorbeelddorp"])
    it = collective(g, iris)
    record = iris.record("network", "network-example-org-members-voorbeelddorp")
    assert (record, None, it) in g
    assert g.value(it, SCHEMA.name) == Literal("Energiecoöperatie Voorbeelddorp")
    assert g.value(it, SCHEMA.alternateName) == Literal("EC Voorbeelddorp")
    assert g.value(it, cc.kvkNumber) == Literal("96354429")
    assert g.value(it, SCHEMA.sameAs) == WD.Q4115189
    assert g.value(it, SCHEMA.foundingDate) == Literal("2012", datatype=XSD.gYear)
    assert g.value(it, SCHEMA.url) == URIRef("https://voorbeelddorp-energie.example.org/")
    address = g.value(it, LOCN.address)
    assert g.value(address, LOCN.postCode) == Literal("1011AB")
    assert g.value(address, LOCN.postName) == Literal("Voorbeelddorp")
    assert g.value(address, LOCN.thoroughfare) == Literal("Dorpsstraat 1")

    g = h.transform(records["network-example-org-members-zorg-voorbeeldwijk"])
    it = collective(g, iris)
    assert g.value(it, SCHEMA.name) == Literal("Zorgcoöperatie Voorbeeldwijk U.A.")  # rov:legalName
    assert g.value(it, cc.kvkNumber) == Literal("96354430")  # rov:registration, issued by the KvK
    assert g.value(it, ROV.orgType) == iris.concept("legal-form", "cooperative-ua")

    g = h.transform(records["network-example-org-members-buurt-voorbeeldstad"])
    it = collective(g, iris)
    assert str(it).startswith(f"{iris.base}id/collective/")  # re-subjected onto the registry's id
    assert g.value(it, RDFS.seeAlso) == URIRef("https://network.example.org/members/buurt-voorbeeldstad")
    assert g.value(it, cc.sector) == iris.concept("sector", "neighbourhood")
    assert g.value(it, cc.municipality) == municipality_iri("gm0363")
    address = g.value(it, LOCN.address)
    assert address == URIRef(f"{it}#address")  # the publisher's #fragment follows the collective
    assert g.value(address, LOCN.postName) == Literal("Voorbeeldstad")
    assert not any(str(s).startswith("https://network.example.org/") for s in g.subjects())


@pytest.mark.parametrize("name", ["network.jsonld", "network.rdf", "network.nt"])
def test_every_rdf_syntax_by_its_content_type(harvest, settings, name):
    iris = settings.iris
    served = {"/data": route(name)}  # no file extension: only the Content-Type tells the format
    with FixtureServer(served) as server:
        records = harvest(server, "/data")
    graphs = {k: harvest.last.transform(r) for k, r in records.items()}
    names = {str(g.value(collective(g, iris), SCHEMA.name)) for g in graphs.values()}
    expected = {"network.jsonld": {"Voedselcollectief Voorbeeldstad", "Natuurvereniging Voorbeelddorp"},
                "network.rdf": {"Wooncoöperatie Voorbeelddorp"},
                "network.nt": {"Deelautocoöperatie Voorbeeldstad"}}[name]
    assert names == expected
    if name == "network.jsonld":
        g = graphs["network-example-org-members-voedsel-voorbeeldstad"]
        it = collective(g, iris)
        assert g.value(it, SCHEMA.foundingDate) == Literal("2019-04", datatype=XSD.gYearMonth)
        assert g.value(it, SCHEMA.url) == URIRef("https://voedsel.example.org")
        g = graphs["network-example-org-members-natuur-voorbeelddorp"]
        assert g.value(collective(g, iris), SCHEMA.sameAs) == WD.Q13406268  # https:// schema.org context mapped


def test_a_dcat_catalogue_is_followed_to_its_rdf_distribution(harvest):
    with FixtureServer() as server:
        server.routes.update({"/catalogue": route("catalogue.ttl", server.base), "/members.ttl": route("network.ttl"),
                              "/members.csv": Route(b"name\nx\n", content_type="text/csv")})
        records = harvest(server, "/catalogue")
        paths = [r[1] for r in server.requests]
    assert len(records) == 3  # the members, not the catalogue's publisher
    assert "/members.ttl" in paths and "/members.csv" not in paths  # only RDF distributions


def test_json_ld_contexts_never_come_from_the_network():
    doc = {"@context": "http://schema.org/", "@type": "Organization", "@id": "https://example.org/a", "name": "A"}
    graph = parse_jsonld(doc, None, "t")
    assert (URIRef("https://example.org/a"), SCHEMA.name, Literal("A")) in graph
    with pytest.raises(RemoteContextRefused, match="not fetched"):
        parse_jsonld({**doc, "@context": ["https://schema.org", "https://context.example.org/x.jsonld"]}, None, "t")
    with pytest.raises(RemoteContextRefused, match="@import"):
        parse_jsonld({**doc, "@context": {"@import": "https://context.example.org/x.jsonld"}}, None, "t")


def test_format_from_content_type_then_extension():
    assert rdf_format("text/turtle; charset=utf-8", "https://e.org/x") == "turtle"
    assert rdf_format("application/activity+json", "https://e.org/x") == "json-ld"
    assert rdf_format("text/plain", "https://e.org/x.nt") == "nt"
    assert rdf_format("text/html", "https://e.org/x") is None


def test_bad_records_are_their_own_errors(harvest, settings, store, validator):
    with FixtureServer({"/bad.ttl": route("bad-kvk.ttl", content_type="text/turtle")}) as server:
        report = run_source(_harvester_for(harvest, server, "/bad.ttl", name="bad-records"), store, validator)
    assert report.status == "completed"
    errors = dict(report.errors)
    assert "not a KvK number" in errors["network-example-org-members-bad-kvk"]
    assert "has no name" in errors["network-example-org-members-nameless"]
    assert report.valid == 1


def _harvester_for(harvest, server, *paths, name):
    return harvest.make(server, *paths, name=name)


@pytest.mark.parametrize("bad,expected", [
    (Route(b"oops", status=500), "HTTP 500"),
    (route("broken.ttl"), "not valid turtle"),
    (route("remote-context.jsonld"), "remote JSON-LD context"),
    (Route("@prefix s: <http://schema.org/> . <https://e.org/a> s:name \"Coöperatie\" .".encode("cp1252"),
           content_type="text/turtle; charset=utf-8"), "not in the encoding"),
    (Route(b"<html><body>members</body></html>", content_type="text/html"), "not an RDF format"),
], ids=["http-500", "broken-turtle", "remote-context", "wrong-encoding", "html"])
def test_a_bad_document_fails_the_run_and_keeps_the_previous_graph(harvest, settings, store, validator, bad, expected):
    graph_iri = settings.iris.source_graph("network")
    with FixtureServer({"/members": route("network.ttl")}) as server:
        good = run_source(_harvester_for(harvest, server, "/members", name="network"), store, validator)
        assert (good.status, good.valid, good.invalid, good.errors) == ("completed", 3, 0, [])
        before = store.graph(graph_iri)
        server.routes["/members"] = bad
        failed = run_source(_harvester_for(harvest, server, "/members", name="network"), store, validator)
    assert failed.status == "failed"
    assert expected in failed.message
    assert isomorphic(store.graph(graph_iri), before)


def test_needs_a_url(settings, reference):
    with pytest.raises(SourceError, match="needs url"):
        LinkedDataHarvester(SourceConfig(name="x", kind="linked-data"),
                            HarvestContext(settings=settings, reference=reference))
