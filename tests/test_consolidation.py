"""Consolidation on a generated dataset: true count, no false merges, stable ids, curated decisions."""
from __future__ import annotations

import random
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import DCTERMS

from registry.consolidation import conflicts, consolidate, fact_sources, identity_graph
from registry.consolidation.decisions import append_decision, parse_decisions, undo_match
from registry.namespaces import SCHEMA, RegistryIRIs
from registry.store.oxigraph import OxigraphStore

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "consolidation"))
from dataset import generate, load, truth_of  # noqa: E402

IRIS = RegistryIRIs()
N = 300


@pytest.fixture(scope="module")
def dataset():
    return generate(N, seed=11)


@pytest.fixture
def loaded(dataset):
    store = OxigraphStore()
    load(store, dataset, IRIS)
    return store


def clusters_by_truth(report, dataset):
    truth = truth_of(dataset, IRIS)
    found = defaultdict(set)
    for record, canonical in report.canonical_of.items():
        found[canonical].add(truth[record])
    return found


def test_consolidated_count_equals_true_count_without_false_merges(loaded, dataset):
    report = consolidate(loaded, IRIS)
    found = clusters_by_truth(report, dataset)
    assert [c for c, truths in found.items() if len(truths) > 1] == []  # no two collectives merged
    assert len(found) == N
    rows = loaded.select("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { GRAPH ?g { ?c a ?t } }",
                         {"g": IRIS.consolidated_graph, "t": IRIS.CC.CitizenCollective})
    assert int(rows[0]["n"]) == N
    assert report.decisions_by_rule.get("kvk-number") and report.decisions_by_rule.get("name-municipality")


def test_every_rule_is_recorded_as_a_match_decision(loaded):
    report = consolidate(loaded, IRIS)
    rows = loaded.select(
        """SELECT ?rule (COUNT(?d) AS ?n) WHERE { GRAPH ?g { ?d a ?cls ; ?ruleP ?rule ; ?scoreP ?score ;
             ?recordP ?r1, ?r2 ; ?collectiveP ?c FILTER(STR(?r1) < STR(?r2)) } } GROUP BY ?rule""",
        {"g": IRIS.consolidated_graph, "cls": IRIS.CC.MatchDecision, "ruleP": IRIS.CC.matchRule,
         "scoreP": IRIS.CC.matchScore, "recordP": IRIS.CC.matchedRecord, "collectiveP": IRIS.CC.matchedCollective})
    assert {str(r["rule"]): int(r["n"]) for r in rows} == report.decisions_by_rule


def test_ids_unchanged_after_a_second_build_with_sources_shuffled(dataset):
    first = OxigraphStore()
    load(first, dataset, IRIS)
    before = consolidate(first, IRIS).canonical_of
    shuffled = list(dataset)
    random.Random(3).shuffle(shuffled)
    # a rebuild of the same store: sources re-harvested in another order
    load(first, shuffled, IRIS, order=["wikidata", "network", "kvk", "curated"])
    assert consolidate(first, IRIS).canonical_of == before
    # a fresh store without the identity graph: the oldest record still decides the id
    fresh = OxigraphStore()
    load(fresh, shuffled, IRIS, order=["network", "wikidata", "curated", "kvk"])
    assert consolidate(fresh, IRIS).canonical_of == before


def _two_collectives_sharing_a_source_record_pair(report, dataset):
    """Two records of different true collectives, and two records of one collective."""
    truth = truth_of(dataset, IRIS)
    by_truth = defaultdict(list)
    for record in sorted(report.canonical_of):
        by_truth[truth[record]].append(record)
    multi = [records for records in by_truth.values() if len(records) >= 2]
    same = multi[0]
    other = multi[1]
    return same, other


def _ref(record: str) -> str:
    return record.removeprefix(f"{IRIS.base}id/record/")


def test_curated_same_and_different_change_the_result_and_survive_a_rebuild(loaded, dataset, tmp_path):
    report = consolidate(loaded, IRIS)
    same, other = _two_collectives_sharing_a_source_record_pair(report, dataset)
    a, b = report.canonical_of[same[0]], report.canonical_of[other[0]]
    assert a != b
    decisions = tmp_path / "decisions.toml"
    append_decision(decisions, "same", [_ref(same[0]), _ref(other[0])], note="one collective")
    merged = consolidate(loaded, IRIS, decisions_path=decisions)
    assert merged.canonical_of[same[0]] == merged.canonical_of[other[0]]
    assert all(merged.canonical_of[r] == merged.canonical_of[same[0]] for r in same + other)
    assert merged.collectives == N - 1
    winner = merged.canonical_of[same[0]]
    loser = b if winner == a else a
    assert (loser, winner) in merged.merged
    # the loser's IRI still resolves: it is replaced by the winner
    assert loaded.ask("ASK { GRAPH ?g { ?old ?p ?new } }",
                      {"g": identity_graph(IRIS), "old": URIRef(loser), "p": DCTERMS.isReplacedBy, "new": URIRef(winner)})
    # a rebuild keeps the curated decision
    again = consolidate(loaded, IRIS, decisions_path=decisions)
    assert again.canonical_of == merged.canonical_of

    # "different" splits what the rules joined; each part gets back its own id
    different = tmp_path / "different.toml"
    append_decision(different, "different", [_ref(same[0]), _ref(same[1])])
    split = consolidate(loaded, IRIS, decisions_path=different)
    assert split.canonical_of[same[0]] != split.canonical_of[same[1]]
    assert split.canonical_of[other[0]] == b
    assert {split.canonical_of[same[0]], split.canonical_of[same[1]]} >= {a} or a in split.canonical_of.values()
    assert consolidate(loaded, IRIS, decisions_path=different).canonical_of == split.canonical_of


def test_undoing_a_match_restores_the_ids(loaded, dataset, tmp_path):
    report = consolidate(loaded, IRIS)
    same, other = _two_collectives_sharing_a_source_record_pair(report, dataset)
    decisions = tmp_path / "decisions.toml"
    append_decision(decisions, "same", [_ref(same[0]), _ref(other[0])])
    consolidate(loaded, IRIS, decisions_path=decisions)
    decisions.write_text("")  # the curator deletes the entry: the merge is undone
    undone = consolidate(loaded, IRIS, decisions_path=decisions)
    assert undone.canonical_of == report.canonical_of
    # an automatic match undone through the file
    undo_match(decisions, _ref(same[0]), _ref(same[1]))
    apart = consolidate(loaded, IRIS, decisions_path=decisions)
    assert apart.canonical_of[same[0]] != apart.canonical_of[same[1]]
    assert apart.refused_by_veto.get("curated-different")
    assert "curated-different" not in apart.decisions_by_rule


def test_value_decision_overrides_the_source_priority(loaded, dataset, tmp_path):
    report = consolidate(loaded, IRIS)
    record = sorted(report.canonical_of)[0]
    canonical = report.canonical_of[record]
    decisions = tmp_path / "value.toml"
    decisions.write_text(f'[[value]]\ncollective = "{canonical}"\nproperty = "founding"\nvalue = "1977"\n'
                         f'[[value]]\nrecord = "{_ref(record)}"\nproperty = "name"\nvalue = "De Echte Naam"\n')
    consolidate(loaded, IRIS, decisions_path=decisions)
    rows = loaded.select("SELECT ?d ?n WHERE { GRAPH ?g { ?c ?fd ?d ; ?name ?n } }",
                         {"g": IRIS.consolidated_graph, "c": URIRef(canonical), "fd": SCHEMA.foundingDate,
                          "name": SCHEMA.name})
    assert [(str(r["d"]), str(r["n"])) for r in rows] == [("1977", "De Echte Naam")]


def test_old_municipality_code_is_mapped_and_kept_as_stated(loaded, dataset):
    consolidate(loaded, IRIS)
    rows = loaded.select(
        """SELECT DISTINCT ?m WHERE { GRAPH ?g { ?c ?muni ?m } }""",
        {"g": IRIS.consolidated_graph, "muni": IRIS.CC.municipality})
    assert "https://identifier.overheid.nl/tooi/id/gemeente/gm0017" not in {str(r["m"]) for r in rows}


def test_conflicts_are_listed_with_sources_and_the_chosen_value(loaded, dataset):
    report = consolidate(loaded, IRIS)
    founding = [c for c in report.conflicts if c.property == "founding"]
    assert founding, "the dataset has conflicting founding years"
    rows = conflicts(loaded, IRIS)
    listed = {(r["collective"], r["property"]) for r in rows}
    assert {(c.collective, "founding") for c in founding} <= listed
    for row in rows:
        if row["property"] == "founding":
            assert row["chosen"] is not None and row["sources"] and row["records"]


def test_each_fact_names_the_records_that_said_it(loaded, dataset):
    report = consolidate(loaded, IRIS)
    canonical = next(c for c in sorted(set(report.canonical_of.values()))
                     if sum(1 for v in report.canonical_of.values() if v == c) >= 2)
    rows = fact_sources(loaded, IRIS, URIRef(canonical))
    names = [r for r in rows if r["property"] == str(SCHEMA.name)]
    assert names and all(r["record"].startswith(f"{IRIS.base}id/record/") for r in names)
    sectors = {r["source"] for r in rows if r["property"] == str(IRIS.CC.sector)}
    assert len(sectors) >= 2


def test_decisions_file_is_checked():
    with pytest.raises(Exception):
        parse_decisions('[[same]]\nrecords = ["only-one/x"]\n')
    with pytest.raises(Exception):
        parse_decisions('[[value]]\ncollective = "c-1"\nproperty = "colour"\nvalue = "red"\n')
    decisions = parse_decisions('[[different]]\nrecords = ["a/1", "b/2"]\nnote = "x"\n')
    assert decisions.different[0].refs == ("a/1", "b/2")
