"""The synthetic generator: deterministic, realistic, and written as the harvesters write records."""
from __future__ import annotations

import json

from rdflib.namespace import RDF

from bench.generator import (FAULTS, SOURCES, Generator, iter_records, load_municipalities, main,
                             record_graph)
from harvesters.facts import facts_to_graph
from registry.namespaces import RegistryIRIs

CC = RegistryIRIs().CC
# what sources add beyond CollectiveFacts (not written by facts_to_graph)
EXTRA_PREDICATES = {CC.societalRole, CC.lifecycleStage, CC.lifecycleEvent, CC.fromStage, CC.toStage,
                    CC.participant, CC.partnershipType, CC.startDate, CC.endDate}


def test_same_seed_same_records_other_seed_other_records():
    first = [r.lines for r in Generator(50, seed=1).records()]
    assert first == [r.lines for r in Generator(50, seed=1).records()]
    assert first != [r.lines for r in Generator(50, seed=2).records()]


def test_collective_depends_only_on_seed_and_index():
    small = [r.lines for r in Generator(20, seed=4).records()]
    large = [r.lines for r in Generator(40, seed=4).records()]
    assert large[:len(small)] == small


def test_records_are_written_as_facts_to_graph_writes_them():
    generator = Generator(60, seed=9)
    reference = generator.municipalities.reference()
    for record in generator.records():
        ours = record_graph(record)
        theirs = facts_to_graph(record.facts, iris=generator.iris, reference=reference, source=record.source,
                                key=record.key, record_url=record.record_url)
        missing = set(theirs) - set(ours)
        assert not missing, (record.key, missing)
        extra = {t for t in set(ours) - set(theirs)
                 if t[1] not in EXTRA_PREDICATES and t[2] not in (CC.Partnership,)}
        # what is left are the parts of partnerships, observations and stage transitions
        assert all(("#" not in str(t[0])) for t in extra if t[1] == RDF.type and "Observation" not in str(t[2])
                   and "LifecycleEvent" not in str(t[2])), extra


def test_shape_of_the_data():
    records = list(Generator(2000, seed=1, fault_rate=0.05).records())
    collectives = {r.collective for r in records}
    assert len(collectives) == 2000
    assert 1.1 < len(records) / 2000 < 1.4  # duplicates across sources
    assert {r.source for r in records} == set(SOURCES)
    quads = sum(len(r.lines) for r in records)
    assert 30 < quads / len(records) < 40
    text = "".join(line for r in records for line in r.lines)
    assert text.count("/def/sector/energy>") > text.count("/def/sector/care>") * 2
    assert "Synthetische Energiecoöperatie 000001" in text or "Synthetische" in text
    assert "#dissolutionDate>" not in text and "http://schema.org/dissolutionDate" in text
    assert "/def#Partnership>" in text and "http://www.w3.org/ns/sosa/Observation" in text
    years = [int(r.facts.founded[:4]) for r in records if r.facts.founded]
    assert min(years) >= 1986 and max(years) <= 2025
    faults = {r.fault.kind for r in records if r.fault}
    assert faults == {f.kind for f in FAULTS}


def test_duplicates_differ_like_real_sources():
    records = list(Generator(3000, seed=2).records())
    primary = {r.collective: r for r in records if r.primary}
    duplicates = [r for r in records if not r.primary]
    assert any(d.facts.name != primary[d.collective].facts.name for d in duplicates)
    assert any(d.facts.kvk is None and primary[d.collective].facts.kvk for d in duplicates)
    assert any(d.facts.municipality.lower() != primary[d.collective].facts.municipality.lower()
               for d in duplicates)


def test_real_municipality_codes():
    table = load_municipalities()
    assert "gm0363" in table.current  # Amsterdam, in the register and in the built-in list
    assert all(code.startswith("gm") and len(code) == 6 for code in table.current)
    builtin = load_municipalities("/nonexistent")
    assert builtin.origin == "built-in list" and len(builtin.current) >= 24


def test_cli_writes_one_graph_per_source_and_records_split_back(tmp_path):
    assert main(["--collectives", "200", "--seed", "3", "--out", str(tmp_path), "--sources", "3"]) == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert len(manifest["sources"]) == 3
    total = 0
    for source in manifest["sources"].values():
        records = list(iter_records(tmp_path / source["file"]))
        assert len(records) == source["records"]
        assert {q.graph_name.value for r in records for q in r} == {source["graph"]}
        total += len(records)
    assert total == manifest["records"]
