"""Normal forms, match rules, vetoes and blocking, on hand-made records."""
from __future__ import annotations

from pathlib import Path

from registry.consolidation.decisions import load_decisions, resolve_ref
from registry.consolidation.matching import candidate_edges, cluster
from registry.consolidation.normalise import name_similarity, normalise_name, website_key
from registry.consolidation.records import SourceRecord
from registry.namespaces import RegistryIRIs

FIXTURES = Path(__file__).parent / "fixtures" / "consolidation"
GRONINGEN = "https://identifier.overheid.nl/tooi/id/gemeente/gm0014"


def test_names_lose_case_accents_legal_forms_and_punctuation():
    variants = ["Coöperatie Grunneger Power U.A.", "Grunneger Power", "GRUNNEGER POWER u.a.",
                "Coöperatieve Vereniging Grunneger-Power", "Stichting Grunneger Power", "Grunneger Power B.V."]
    assert {normalise_name(v) for v in variants} == {"grunneger power"}
    assert normalise_name("Energiecoöperatie Zonnedorp") == "energie zonnedorp"
    assert normalise_name("Vereniging Dorpsbelang Ua-dorp") == "dorpsbelang ua dorp"


def test_website_keys():
    same = ["https://www.zonnedorp.nl/", "http://zonnedorp.nl", "zonnedorp.nl/over-ons", "HTTPS://ZONNEDORP.NL:443"]
    assert {website_key(u) for u in same} == {"zonnedorp.nl"}
    assert website_key("https://www.facebook.com/zonnedorp") != website_key("https://facebook.com/windnoord")


def test_similarity_does_not_rest_on_generic_words():
    assert name_similarity("energie zonnedorp", "zonnedorp") >= 0.85
    assert name_similarity("voedselcollectief merbeeklo", "voedselcollectief merhadel") < 0.85
    assert name_similarity("energie noord", "zorg noord") < 0.85


def _record(i, name, *, kvk=(), site=(), municipality=GRONINGEN, sector="energy", wikidata=()):
    rec = SourceRecord(iri=f"r{i}", source="s", topic=f"t{i}")
    rec.norm_name = normalise_name(name)
    rec.kvk, rec.websites, rec.wikidata = frozenset(kvk), frozenset(site), frozenset(wikidata)
    rec.municipality, rec.sectors = municipality, frozenset({sector})
    return rec


def _groups(records, different=None):
    result = cluster(records, candidate_edges(records), different)
    return sorted(sorted(records[i].iri for i in g) for g in result.clusters())


def test_tiers_and_vetoes():
    records = [
        _record(0, "Coöperatie Zonnedorp U.A.", kvk={"01234567"}),
        _record(1, "Zonnedorp", site={"zonnedorp.nl"}),
        _record(2, "Energie Zonnedorp", site={"zonnedorp.nl"}, municipality=None),
        _record(3, "Zonnedorp", kvk={"07654321"}, sector="care"),  # another collective: other sector, other KvK
        _record(4, "Zonnedorp Zorg", kvk={"07654321"}, sector="care"),
        _record(5, "Zonnedorp", municipality="https://identifier.overheid.nl/tooi/id/gemeente/gm0363"),
    ]
    assert _groups(records) == [["r0", "r1", "r2"], ["r3", "r4"], ["r5"]]
    # the KvK veto: a name match between clusters with different KvK numbers is refused
    clash = [_record(0, "Zonnedorp", kvk={"01234567"}), _record(1, "Zonnedorp U.A.", kvk={"07654321"})]
    result = cluster(clash, candidate_edges(clash))
    assert len(result.clusters()) == 2 and result.refused[0][1] == "different-kvk"
    # a curated "different" wins over a KvK match
    twins = [_record(0, "A", kvk={"01234567"}), _record(1, "B", kvk={"01234567"})]
    assert _groups(twins, different=[[{0}, {1}]]) == [["r0"], ["r1"]]


def test_blocking_compares_few_pairs():
    records = [_record(i, f"Collectief {chr(65 + i % 26)}{i}", site={f"s{i}.nl"}) for i in range(3000)]
    edges = candidate_edges(records)
    assert edges == []  # distinct names in one municipality: nothing matched, and fast


def test_decisions_fixture_reads():
    decisions = load_decisions(FIXTURES / "decisions.toml")
    assert len(decisions.same) == 1 and len(decisions.different) == 1 and len(decisions.values) == 2
    iris = RegistryIRIs()
    assert resolve_ref("curated/zonnedorp", iris) == ("record", iris.record("curated", "zonnedorp"))
    assert resolve_ref("c-0123456789ab", iris) == ("collective", iris.collective("c-0123456789ab"))
