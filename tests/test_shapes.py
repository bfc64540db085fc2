"""The shapes against a corpus of known-good and known-bad records.

Every file in ``fixtures/records/invalid`` breaks exactly one rule and names it on its first line
(``# expect: <sh:sourceShape IRI>``); every file in ``fixtures/records/valid`` must conform.
"""
from __future__ import annotations

import json
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, URIRef

from registry.errors import InvalidInput
from registry.model import load_context, load_shapes
from registry.namespaces import RegistryIRIs
from registry.validation import ValidationReport, Validator, parse_rdf_file

RECORDS = Path(__file__).parent / "fixtures" / "records"
VALID = sorted((RECORDS / "valid").glob("*.ttl"))
INVALID = sorted((RECORDS / "invalid").glob("*.ttl"))
SHAPES = "https://w3id.org/collectives-nl/def/shapes#"


def expected_shape(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} does not start with '# expect: <shape IRI>'"
    return first[len("# expect: "):].strip()


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator()


def test_corpus_is_big_enough():
    assert len(INVALID) >= 18
    assert len(VALID) >= 4


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_record_fails_with_its_rule(validator, path):
    shape = expected_shape(path)
    assert shape.startswith(SHAPES)
    report = validator.validate(parse_rdf_file(path))
    assert not report.conforms, report.to_text()
    sources = {str(r.source_shape) for r in report.violations}
    assert shape in sources, report.to_text()
    assert sources == {shape}, f"more than one rule broken:\n{report.to_text()}"
    for result in report.violations:
        assert {"en", "nl"} <= set(result.messages), result
        assert result.message("nl") != result.message("en")


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_record_conforms(validator, path):
    report = validator.validate(parse_rdf_file(path))
    assert report.conforms, report.to_text()
    assert report.violations == []


def test_every_expected_shape_exists(validator):
    for path in INVALID:
        assert (URIRef(expected_shape(path)), None, None) in validator.shapes, path.name


# --- traps -----------------------------------------------------------------------------------

def test_subclass_chain_needs_the_ontology():
    """Without the ontology in the data graph pySHACL never reaches org:Organization shapes."""
    data = parse_rdf_file(RECORDS / "invalid" / "subclass-trap-no-name.ttl")
    _, report, _ = pyshacl.validate(data, shacl_graph=load_shapes(), inference="none", allow_warnings=True)
    name_shape = URIRef(SHAPES + "OrganizationNameShape")
    assert (None, URIRef("http://www.w3.org/ns/shacl#sourceShape"), name_shape) not in report


def test_validation_leaves_the_data_alone(validator):
    data = parse_rdf_file(RECORDS / "valid" / "minimal.ttl")
    before = len(data)
    validator.validate(data)
    assert len(data) == before


def test_recommended_rules_only_warn(validator):
    report = validator.validate(parse_rdf_file(RECORDS / "valid" / "minimal.ttl"))
    assert report.conforms
    warned = {str(r.source_shape)[len(SHAPES):] for r in report.warnings}
    assert warned == {"SectorRecommendedShape", "LocationRecommendedShape", "FoundingDateRecommendedShape",
                      "WebsiteRecommendedShape", "LegalFormRecommendedShape"}


def test_core_only_validator_has_no_warnings():
    report = Validator(recommended=False).validate(parse_rdf_file(RECORDS / "valid" / "minimal.ttl"))
    assert report.conforms and report.results == []


# --- the report ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bad_report(validator) -> ValidationReport:
    return validator.validate(parse_rdf_file(RECORDS / "invalid" / "dissolution-before-founding.ttl"))


def test_report_messages_in_both_languages(bad_report):
    (result,) = bad_report.violations
    assert result.message("en") == "The dissolution date is before the founding date."
    assert result.message("nl") == "De opheffingsdatum ligt vóór de oprichtingsdatum."
    assert result.message("fr") == result.message("en")
    assert result.rule_name("nl") == "opheffing niet vóór oprichting"


def test_report_as_dict_is_json(bad_report):
    data = json.loads(json.dumps(bad_report.to_dict(lang="nl")))
    assert data["conforms"] is False and data["violations"] == 1
    (row,) = [r for r in data["results"] if r["severity"] == "Violation"]
    assert row["source_shape"] == SHAPES + "DissolutionAfterFoundingShape"
    assert row["path"] == "http://schema.org/dissolutionDate"
    assert row["value"] == "2013"
    assert row["message"].startswith("De opheffingsdatum")


def test_report_as_text_names_rule_and_message(bad_report):
    text = bad_report.to_text()
    assert "conforms: False" in text
    assert "dissolution not before founding: The dissolution date is before the founding date." in text


def test_inverse_paths_are_readable(validator):
    report = validator.validate(parse_rdf_file(RECORDS / "invalid" / "blank-node-partnership.ttl"))
    (result,) = report.violations
    assert str(result.path) == "^<https://w3id.org/collectives-nl/def#participant>"


# --- input formats and bases -----------------------------------------------------------------

def test_json_ld_with_the_registry_context(validator, tmp_path):
    doc = {
        "@context": load_context()["@context"],
        "@id": "https://w3id.org/collectives-nl/id/collective/c-voorbeeld0006",
        "@type": "CitizenCollective",
        "name": "Voedselcollectief Verzonnenburg",
        "kvkNumber": "1234567",
        "sector": ["https://w3id.org/collectives-nl/def/sector/food"],
    }
    path = tmp_path / "record.jsonld"
    path.write_text(json.dumps(doc), encoding="utf-8")
    report = validator.validate_files([path])
    assert {str(r.source_shape) for r in report.violations} == {SHAPES + "KvkNumberShape"}


def test_unknown_file_type_is_refused(tmp_path):
    path = tmp_path / "record.csv"
    path.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(InvalidInput):
        parse_rdf_file(path)


def test_configured_base():
    iris = RegistryIRIs("https://example.org/cc/")
    validator = Validator(iris)

    def rebased(path: Path) -> Graph:
        return Graph().parse(data=iris.rebase(path.read_text(encoding="utf-8")), format="turtle")

    assert validator.validate(rebased(RECORDS / "valid" / "full-energy-cooperative.ttl")).conforms
    report = validator.validate(rebased(RECORDS / "invalid" / "sector-from-role-scheme.ttl"))
    assert {str(r.source_shape) for r in report.violations} == {str(iris.SHAPES.SectorShape)}
