"""The curated source: every row becomes a valid collective or network in the right municipality."""
import csv
import io
from importlib import resources

from rdflib import Literal
from rdflib.namespace import PROV, RDF

from harvesters.base import HarvestContext, SourceConfig
from harvesters.kinds.curated import CuratedHarvester
from harvesters.runner import run_source
from registry.namespaces import SCHEMA, municipality_iri
from tests.conftest import FIXTURES

ROWS = list(csv.DictReader(io.StringIO(
    resources.files("harvesters.data").joinpath("curated_collectives.csv").read_text(encoding="utf-8"))))


def _collectives(store, iris):
    rows = store.select(
        """SELECT ?c ?name ?type ?m WHERE { GRAPH ?g { ?c a ?type ; ?nameP ?name . OPTIONAL { ?c ?mP ?m } }
             VALUES ?type { ?collective ?network } }""",
        {"g": iris.source_graph("curated"), "nameP": SCHEMA.name, "mP": iris.CC.municipality,
         "collective": iris.CC.CitizenCollective, "network": iris.CC.Network})
    return {str(r["name"]): r for r in rows}


def test_every_row_is_a_collective_or_network(built_store, settings):
    iris = settings.iris
    found = _collectives(built_store, iris)
    assert len(ROWS) == 45
    for row in ROWS:
        assert row["name"] in found, row["name"]
        expected = iris.CC.Network if row["role"] == "network" else iris.CC.CitizenCollective
        assert found[row["name"]]["type"] == expected, row["name"]
        if row["gm_code"]:
            assert found[row["name"]]["m"] == municipality_iri(row["gm_code"]), row["name"]


def test_nothing_was_quarantined(built_store, settings):
    assert built_store.triple_count(settings.iris.graph("quarantine/curated")) == 0


def test_each_collective_cites_its_page(built_store, settings):
    iris = settings.iris
    rows = built_store.select(
        "SELECT ?record ?page WHERE { GRAPH ?g { ?record a ?cls ; ?derived ?page } }",
        {"g": iris.source_graph("curated"), "cls": iris.CC.SourceRecord,
         "derived": PROV.wasDerivedFrom})
    assert {str(r["page"]) for r in rows} == {row["source_url"] for row in ROWS}


def _fixture_run(settings, store, validator, reference):
    config = SourceConfig(name="curated-test", kind="curated",
                          options={"path": str(FIXTURES / "curated" / "merged_municipality.csv")})
    harvester = CuratedHarvester(config, HarvestContext(settings, reference))
    from harvesters.progress import Progress
    return run_source(harvester, store, validator, progress=Progress("t", stream=io.StringIO()))


def test_a_merged_municipality_is_kept_as_stated_and_mapped_to_the_current_one(settings, store, validator, reference):
    report = _fixture_run(settings, store, validator, reference)
    iris = settings.iris
    graph = store.graph(iris.source_graph("curated-test"))
    [coop] = graph.subjects(SCHEMA.name, Literal("Dorpscoöperatie Voorbeeldwierum"))
    assert graph.value(coop, iris.CC.municipalityAsStated) == municipality_iri("gm0024")
    assert graph.value(coop, iris.CC.municipality) == municipality_iri("gm1979")
    assert str(graph.value(coop, iris.CC.cbsMunicipalityCode)) == "GM1979"
    assert report.valid == 2


def test_bad_rows_are_kept_aside_with_their_reason(settings, store, validator, reference):
    report = _fixture_run(settings, store, validator, reference)
    iris = settings.iris
    assert report.status == "completed"
    assert report.invalid == 1  # the nameless row fails the name shape
    assert [k for k, _ in report.errors] == ["energiecooperatie-nergenshuizen"]  # not a date
    quarantine = store.graph(iris.graph("quarantine/curated-test"))
    assert (iris.record("curated-test", "row-3"), RDF.type, iris.CC.SourceRecord) in quarantine
    assert any(quarantine.triples((iris.record("curated-test", "row-3"), iris.CC.validationReport, None)))
    assert "not a date" in str(quarantine.value(iris.record("curated-test", "energiecooperatie-nergenshuizen"),
                                                iris.CC.harvestError))
