"""Network memberships end to end: a network's member listing → org:memberOf → consolidation → API and trends.

The listing is a recorded table (tests/fixtures/kinds/table/energie_samen_leden.csv); its
``member_of`` names a network of the shipped curated list, and a column names further networks.
"""
from __future__ import annotations

import argparse
import io
import json

import httpx
import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from api.app import create_app
from harvesters.base import HarvestContext, SourceConfig
from harvesters.build import consolidate_sources, harvest
from harvesters.config import load_sources
from harvesters.facts import collective_iri
from harvesters.kinds.table import TableHarvester
from harvesters.memberships import NetworkDirectory
from harvesters.progress import Progress
from harvesters.runner import run_source
from registry.consolidation import consolidate
from registry.errors import ConfigurationError
from registry.namespaces import ORG, SCHEMA
from registry.store.oxigraph import OxigraphStore
from registry.trends import trends
from tests.cli_support import Unclosed
from tests.conftest import FIXTURES, ROOT
from tests.fixtures.api.support import LiveServer
from tests.fixtures.kinds.loopback import by_name

LISTING = FIXTURES / "kinds" / "table" / "energie_samen_leden.csv"
MEMBERS = ["Energiecoöperatie Ledendorp", "Windcollectief Testmeer", "Zonnecoöperatie Proefveld"]


def configuration(tmp_path, listing_options: str, extra: str = "") -> list[SourceConfig]:
    path = tmp_path / "sources.toml"
    path.write_text(f"""
[[source]]
name = "curated"
kind = "curated"

[[source]]
name = "energie-samen-leden"
kind = "table"
rate = 1000.0
[source.options]
path = "{LISTING.as_posix()}"
{listing_options}
[source.options.columns]
member_of = "Ook lid van"
[source.options.defaults]
sectors = ["energy"]
collective_type = "energy-cooperative"
{extra}""", encoding="utf-8")
    return load_sources(path)


def curated_network(iris, key: str) -> URIRef:
    """The topic IRI of a network's record in the shipped curated list."""
    return collective_iri(iris, "curated", key, True)


def in_graph(store, graph, s, p) -> set:
    rows = store.select("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": graph, "s": s, "p": p})
    return {row["o"] for row in rows}


def named(store, graph, name: str) -> URIRef:
    rows = store.select("SELECT ?s WHERE { GRAPH ?g { ?s ?name ?n } FILTER(STR(?n) = ?wanted) }",
                        {"g": graph, "name": SCHEMA.name, "wanted": Literal(name)})
    [row] = rows
    return row["s"]


@pytest.fixture(scope="module")
def built(settings, validator, tmp_path_factory):
    """The curated list and the member listing harvested and consolidated into a fresh store."""
    sources = configuration(tmp_path_factory.mktemp("members"), 'member_of = "curated:energie-samen"')
    store = OxigraphStore()
    reports = harvest(settings, store, sources, validator=validator, log=io.StringIO())
    assert [r.status for r in reports] == ["completed", "completed"], [r.message for r in reports]
    assert reports[1].valid == 3 and reports[1].invalid == 0, reports[1].errors
    report = consolidate_sources(settings, store, log=io.StringIO())
    return store, report


def test_the_listing_writes_member_of_to_the_curated_networks_topic(settings, built):
    store, _ = built
    iris = settings.iris
    graph = store.graph(iris.source_graph("energie-samen-leden"))
    energie_samen = curated_network(iris, "energie-samen")
    assert set(graph.objects(by_name(graph, "Energiecoöperatie Ledendorp"), ORG.memberOf)) == {energie_samen}
    # the listing's column adds networks, by name as the curated list writes it (accents aside)
    assert set(graph.objects(by_name(graph, "Zonnecoöperatie Proefveld"), ORG.memberOf)) == {
        energie_samen, curated_network(iris, "drentse-kei")}
    assert set(graph.objects(by_name(graph, "Windcollectief Testmeer"), ORG.memberOf)) == {
        energie_samen, curated_network(iris, "us-kooperaasje")}
    # ... and those IRIs are the topics the curated source gave the networks
    curated = store.graph(iris.source_graph("curated"))
    assert (energie_samen, RDF.type, iris.CC.Network) in curated
    assert by_name(curated, "Energie Samen") == energie_samen


def test_members_in_the_consolidated_graph_point_at_the_networks_canonical_node(settings, built):
    store, report = built
    iris = settings.iris
    consolidated = iris.consolidated_graph
    canonical = URIRef(report.canonical_of[str(iris.record("curated", "energie-samen"))])
    assert in_graph(store, consolidated, canonical, RDF.type) >= {iris.CC.Network}
    for name in MEMBERS:
        member = named(store, consolidated, name)
        assert canonical in in_graph(store, consolidated, member, ORG.memberOf), name


@pytest.fixture(scope="module")
def client(settings, built):
    store, _ = built
    with LiveServer(create_app(settings, store)) as live, httpx.Client(base_url=live.url, timeout=30) as http:
        yield http


def network_id(report, iris, key: str) -> str:
    return report.canonical_of[str(iris.record("curated", key))].rsplit("/", 1)[-1]


def test_the_networks_members_over_http(settings, built, client):
    _, report = built
    ident = network_id(report, settings.iris, "energie-samen")
    response = client.get(f"/networks/{ident}/members")
    assert response.status_code == 200, response.text
    assert sorted(item["name"] for item in response.json()["items"]) == MEMBERS
    kei = client.get(f"/networks/{network_id(report, settings.iris, 'drentse-kei')}/members")
    assert [item["name"] for item in kei.json()["items"]] == ["Zonnecoöperatie Proefveld"]
    listed = {item["name"]: item["members"] for item in client.get("/networks").json()["items"]}
    assert listed["Energie Samen"] == 3 and listed["Drentse KEI"] == 1 and listed["Cooplink"] == 0
    assert sorted(names["name"] for names in client.get("/collectives", params={"network": ident}).json()["items"]) \
        == MEMBERS


def test_trends_count_members_by_network(settings, built, monkeypatch, capsys):
    store, report = built
    iris = settings.iris
    energie_samen, kei, fryslan = (report.canonical_of[str(iris.record("curated", key))]
                                   for key in ("energie-samen", "drentse-kei", "us-kooperaasje"))
    result = trends(store, iris, "flows", by=["network"], years=(2010, 2020))
    foundings = {(row["year"], row["network"]): row["foundings"] for row in result.rows
                 if row["foundings"] and row["network"] != "unknown"}  # "unknown": collectives of no network
    assert foundings == {(2012, energie_samen): 1, (2016, energie_samen): 1, (2019, energie_samen): 1,
                         (2012, fryslan): 1, (2019, kei): 1}
    active = trends(store, iris, "active", by=["network"], years=(2020, 2020))
    assert {r["network"]: r["active"] for r in active.rows}[energie_samen] == 3

    from registry import stats_cli
    monkeypatch.setattr(stats_cli, "_context", lambda: (settings, Unclosed(store)))
    parser = argparse.ArgumentParser()
    stats_cli.add_stats_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["stats", "trends", "--by", "network", "--from", "2019", "--to", "2019",
                              "--network", energie_samen.rsplit("/", 1)[-1], "--json"])
    assert args.func(args) == 0
    rows = json.loads(capsys.readouterr().out)
    # members of Energie Samen, counted under each network they belong to
    assert sorted((r["network"], r["active"]) for r in rows) == sorted([(energie_samen, 3), (kei, 1), (fryslan, 1)])


def test_a_membership_follows_its_network_into_a_merged_cluster(settings, validator, tmp_path):
    """When the curated network record merges into another record's node, members point at that node."""
    koepels = tmp_path / "koepels.csv"
    koepels.write_text("Naam;Netwerk\nEnergie Samen;ja\n", encoding="utf-8")
    sources = configuration(tmp_path, 'member_of = "curated:energie-samen"', f"""
[[source]]
name = "a-koepels"
kind = "table"
[source.options]
path = "{koepels.as_posix()}"
[source.options.columns]
is_network = "Netwerk"
""")
    decisions = tmp_path / "decisions.toml"
    decisions.write_text('[[same]]\nrecords = ["curated/energie-samen", "a-koepels/energie-samen"]\n', encoding="utf-8")
    store = OxigraphStore()
    reports = harvest(settings, store, sources, validator=validator, log=io.StringIO())
    assert all(r.status == "completed" for r in reports), [r.message for r in reports]
    report = consolidate(store, settings.iris, decisions_path=decisions)
    iris = settings.iris
    topic = curated_network(iris, "energie-samen")
    canonical = URIRef(report.canonical_of[str(iris.record("curated", "energie-samen"))])
    assert canonical == URIRef(report.canonical_of[str(iris.record("a-koepels", "energie-samen"))])
    assert canonical != topic  # the older record's node won (the a-koepels record sorts first)
    member = named(store, iris.consolidated_graph, "Energiecoöperatie Ledendorp")
    assert in_graph(store, iris.consolidated_graph, member, ORG.memberOf) == {canonical}
    assert not in_graph(store, iris.consolidated_graph, topic, RDF.type)  # the source node is not public


def test_an_unknown_member_of_fails_the_configuration_check(tmp_path):
    with pytest.raises(ConfigurationError) as info:
        configuration(tmp_path, 'member_of = "curated:energie-samenn"')
    message = str(info.value)
    assert "source #2 (energie-samen-leden): member_of 'curated:energie-samenn'" in message
    assert "the curated list 'curated' has no network with the key 'energie-samenn'" in message
    assert "energie-samen" in message  # the known networks are listed

    with pytest.raises(ConfigurationError, match="member_of 'Energie Tezamen': neither SOURCE:KEY"):
        configuration(tmp_path, 'member_of = "Energie Tezamen"')
    with pytest.raises(ConfigurationError, match="is a collective in the curated list 'curated', not a network"):
        configuration(tmp_path, 'member_of = "curated:grunneger-power"')
    with pytest.raises(ConfigurationError, match="options.member_of names the network"):
        configuration(tmp_path, "member_of = 3")
    # words the listing uses are checked where they are mapped
    with pytest.raises(ConfigurationError, match="member_of 'curated:kei'"):
        configuration(tmp_path, "", '[source.options.values.member_of]\n"KEI" = "curated:kei"\n')


def test_a_curated_source_of_the_configuration_is_known_by_its_name(tmp_path):
    own = tmp_path / "own.csv"
    own.write_text("name,sector,role\nBuurtnetwerk Proefstad,neighbourhood,network\n", encoding="utf-8")
    own_source = f'[[source]]\nname = "eigen-lijst"\nkind = "curated"\n[source.options]\npath = "{own.as_posix()}"\n'
    sources = configuration(tmp_path, 'member_of = ["curated:energie-samen", "eigen-lijst:buurtnetwerk-proefstad"]',
                            own_source)
    directory = NetworkDirectory.from_sources(sources)
    assert directory.lookup("Buurtnetwerk Proefstad") == ("eigen-lijst", "buurtnetwerk-proefstad")
    assert directory.lookup("eigen-lijst:buurtnetwerk-proefstad") == ("eigen-lijst", "buurtnetwerk-proefstad")
    with pytest.raises(ConfigurationError, match="has no network with the key 'nope'"):
        configuration(tmp_path, 'member_of = "eigen-lijst:nope"', own_source)


def test_an_unknown_network_in_a_row_is_that_rows_error(settings, reference, validator, tmp_path):
    listing = tmp_path / "leden.csv"
    listing.write_text("Naam;Gemeente;Koepel\nEnergie Eén;GM0344;Energie Samen\nEnergie Twee;GM0344;Koepel X\n"
                       "Energie Drie;GM0344;KEI\n", encoding="utf-8")
    config = SourceConfig(name="koepel-leden", kind="table", rate=1000.0, options={
        "path": str(listing), "columns": {"network": "Koepel"}, "defaults": {"sectors": ["energy"]},
        "values": {"network": {"KEI": "curated:drentse-kei"}}})
    harvester = TableHarvester(config, HarvestContext(settings, reference))
    store = OxigraphStore()
    report = run_source(harvester, store, validator, progress=Progress("t", stream=io.StringIO()))
    assert report.valid == 2
    assert [(key, "unknown network 'Koepel X'" in message) for key, message in report.errors] == [
        ("energie-twee-gm0344", True)]
    graph = store.graph(settings.iris.source_graph("koepel-leden"))
    assert set(graph.objects(by_name(graph, "Energie Drie"), ORG.memberOf)) == {
        curated_network(settings.iris, "drentse-kei")}


def test_a_harvester_with_an_unknown_reference_stops_before_reading(settings, reference, validator):
    config = SourceConfig(name="koepel-leden", kind="table", rate=1000.0,
                          options={"path": str(LISTING), "member_of": "curated:no-such-network"})
    report = run_source(TableHarvester(config, HarvestContext(settings, reference)), OxigraphStore(), validator,
                        progress=Progress("t", stream=io.StringIO()))
    assert report.status == "failed" and "member_of 'curated:no-such-network'" in report.message
    assert report.fetched == 0


def test_the_shipped_network_listings_name_their_curated_networks(settings):
    sources = {s.name: s for s in load_sources(ROOT / "harvesters" / "networks.toml")}
    directory = NetworkDirectory.shipped()
    named_networks = {name: directory.lookup(s.options["member_of"]) for name, s in sources.items()
                      if "member_of" in s.options}
    assert named_networks == {
        "drentse-kei": ("curated", "drentse-kei"), "us-kooperaasje": ("curated", "us-kooperaasje"),
        "grek": ("curated", "groninger-energiekoepel-grek"),
        "herenboeren": ("curated", "stichting-herenboeren-nederland"),
        "csa-netwerk": ("curated", "csa-netwerk-nederland"), "cooplink": ("curated", "cooplink"),
        "nlzve": ("curated", "nederland-zorgt-voor-elkaar-nlzve"), "lsa-bewoners": ("curated", "lsa-bewoners"),
    }
    assert all(not s.enabled for s in sources.values())
