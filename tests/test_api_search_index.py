"""The name index answers exactly what the REGEX name search answered: same matches, same order, same totals."""
from __future__ import annotations

import random
import threading
import time

import pytest
from fastapi.testclient import TestClient
from rdflib import Literal, URIRef

from api.app import create_app
from api.services import search
from registry import search_index
from registry.search_index import NameIndex, NameIndexes, fold_name
from registry.store.oxigraph import OxigraphStore
from tests.fixtures.api.support import ADMIN_TOKEN, api_settings, fixture_store

SETTINGS = api_settings()
CC = SETTINGS.iris.CC
QUERIES = ["coop", "COÖPERATIE", "cooperatie", "voorbeeld", "Voorbeelddorp-Oost", "proef", "e", "  energie  ",
           "zorgcoöperatie   proefstad", "xyz", "r", ".", "(", "oost", "De Proeftuin", "ü", "net"]
FILTERS = [{}, {"concepts": {"sector": ["energy"]}}, {"municipality": ["GM9901"]}, {"concepts": {"stage": ["dissolved"]}},
           {"founded_from": 2010}, {"active_on": "2021"}, {"province": ["pv27"], "concepts": {"sector": ["energy", "food"]}}]


def both(store, names: NameIndexes, **wanted):
    regex = search.search(store, SETTINGS, search.SearchRequest(**wanted))
    indexed = search.search(store, SETTINGS, search.SearchRequest(**wanted), names)
    return regex, indexed


@pytest.fixture(scope="module")
def store():
    return fixture_store()


@pytest.fixture(scope="module")
def names(store):
    return NameIndexes(store, SETTINGS.iris)


@pytest.mark.parametrize("q", QUERIES)
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "none")
def test_same_as_regex_on_the_fixture_data(store, names, q, filters):
    for limit, offset in ((20, 0), (1, 0), (1, 1), (2, 1)):
        regex, indexed = both(store, names, q=q, limit=limit, offset=offset, total=True, **filters)
        assert indexed.things == regex.things, (q, filters, limit, offset)
        assert indexed.total == regex.total


def test_networks_too(store, names):
    regex, indexed = both(store, names, q="netwerk", kind="network", total=True)
    assert indexed.things == regex.things == [URIRef("https://example.org/cc/id/network/n-fixture00001")]


def test_many_matches_with_filters_use_the_filtered_set(store, names, monkeypatch):
    monkeypatch.setattr(search, "MAX_VALUES_BOUND", 1)  # past the bound: no VALUES block
    for q in ("e", "coop", "voorbeeld"):
        regex, indexed = both(store, names, q=q, concepts={"sector": ["energy"]}, total=True)
        assert indexed.things == regex.things and indexed.total == regex.total


SYLLABLES = ["coö", "pe", "ra", "tie", "Ener", "gie", "zorg", "Buurt", "stroom", "dé", "Ï", "ñ", "ç", "wijk",
             "AAN", "de", "het", " ", "  ", "-", "'", "(", "ø", "ū"]


def generated_store(count: int = 300, seed: int = 7) -> tuple[OxigraphStore, list[str]]:
    rng = random.Random(seed)
    store = OxigraphStore()
    lines, names = [], []
    for number in range(count):
        c = f"<{SETTINGS.iris.collective(f'c-gen{number:05d}')}>"
        lines.append(f"{c} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{CC.CitizenCollective}> .")
        for _ in range(rng.choice((1, 1, 1, 2))):  # some collectives carry two names (two sources)
            name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 7))).strip() or "x"
            names.append(name)
            lines.append(f"{c} <http://schema.org/name> {Literal(name).n3()} .")
    store.load("\n".join(lines).encode(), "nt", URIRef("https://example.org/cc/graph/source/generated"))
    return store, names


@pytest.mark.parametrize("common", [False, True], ids=["jumping between occurrences", "testing every name"])
def test_same_as_regex_on_generated_names(common, monkeypatch):
    if common:  # every phrase counts as common: each name is tested on its own
        monkeypatch.setattr(search_index, "JUMP_LIMIT", -1)
    store, names = generated_store()
    indexes = NameIndexes(store, SETTINGS.iris)
    rng = random.Random(11)
    probes = {"e", "de", "coop", "COOP", "tie ener", "ra-", "o", "(", "ñ"}
    for name in rng.sample(names, 60):
        folded = fold_name(name)
        start = rng.randrange(len(folded))
        probes.add(folded[start:start + rng.randint(1, 8)])
    for q in sorted(probes):
        if not q.strip():
            continue
        regex, indexed = both(store, indexes, q=q, limit=100, total=True)
        assert indexed.total == regex.total, q
        assert indexed.things == regex.things, q


def test_alternate_names_are_found():
    store = fixture_store()
    store.load(f'<{SETTINGS.iris.collective("c-fixture00003")}> <http://schema.org/alternateName> "Tuinderij Oost" .'
               .encode(), "nt", URIRef("https://example.org/cc/graph/source/other"))
    found = search.search(store, SETTINGS, search.SearchRequest(q="tuinderij"), NameIndexes(store, SETTINGS.iris))
    assert [str(t).rsplit("/", 1)[-1] for t in found.things] == ["c-fixture00003"]


def test_index_rebuilds_after_an_update_through_the_endpoint():
    app = create_app(SETTINGS, fixture_store())
    client = TestClient(app)
    assert client.get("/collectives", params={"q": "nieuwbouw"}).json()["items"] == []
    iri = SETTINGS.iris.collective("c-fixture00077")
    update = (f"INSERT DATA {{ GRAPH <https://example.org/cc/graph/source/fixture> {{ <{iri}> a <{CC.CitizenCollective}> ; "
              f'<http://schema.org/name> "Wooncoöperatie Nieuwbouw" }} }}')
    r = client.post("/sparql", data={"update": update}, headers={"authorization": f"Bearer {ADMIN_TOKEN}"})
    assert r.status_code == 204
    items = client.get("/collectives", params={"q": "nieuwbouw"}).json()["items"]
    assert [i["id"] for i in items] == ["c-fixture00077"]


def test_index_rebuilds_after_a_harvest_run():
    store = fixture_store()
    indexes = NameIndexes(store, SETTINGS.iris, check_every=0)
    assert indexes.index(CC.CitizenCollective).search("nieuwbouw") == []
    iri = SETTINGS.iris.collective("c-fixture00078")
    store.load(f'<{iri}> a <{CC.CitizenCollective}> ; <http://schema.org/name> "Nieuwbouw" .'.encode(), "ttl",
               URIRef("https://example.org/cc/graph/source/late"))
    assert indexes.index(CC.CitizenCollective).search("nieuwbouw") == []  # no new version yet: still the old index
    store.load(b'<https://example.org/cc/id/run/1> <http://www.w3.org/ns/prov#endedAtTime> "2030-01-01T00:00:00Z" .',
               "nt", SETTINGS.iris.metadata_graph)
    assert indexes.index(CC.CitizenCollective).search("nieuwbouw") == [str(iri)]


def test_the_http_search_uses_the_index(monkeypatch):
    app = create_app(SETTINGS, fixture_store())
    client = TestClient(app)
    app.state.names.index(CC.CitizenCollective)  # built (the first name search starts the build)
    calls = []
    real = NameIndex.matching_ranks
    monkeypatch.setattr(NameIndex, "matching_ranks", lambda self, text: calls.append(text) or real(self, text))
    body = client.get("/collectives", params={"q": "COÖPERATIE", "total": "true"}).json()
    assert [i["id"] for i in body["items"]] == ["c-fixture00001", "c-fixture00002"] and body["total"] == 2
    r = client.get("/municipalities/GM9901/collectives", params={"q": "voorbeelddorp", "total": "true"})
    assert [i["id"] for i in r.json()["items"]] == ["c-fixture00004", "c-fixture00001"]
    assert calls == ["COÖPERATIE", "voorbeelddorp"]


def test_a_search_does_not_wait_for_an_index_build(monkeypatch):
    store = fixture_store()
    store.load(f'<{SETTINGS.iris.collective("c-fixture00003")}> <http://schema.org/alternateName> "Tuinderij Oost" .'
               .encode(), "nt", URIRef("https://example.org/cc/graph/source/other"))
    names = NameIndexes(store, SETTINGS.iris)
    started, release = threading.Event(), threading.Event()
    real = NameIndex.build

    def slow_build(klass_, store_, klass):  # a build that takes until the searches below are done
        started.set()
        release.wait(30)
        return real.__func__(klass_, store_, klass)
    monkeypatch.setattr(NameIndex, "build", classmethod(slow_build))
    try:
        for q, expected in (("tuinderij", ["c-fixture00003"]), ("coöperatie", ["c-fixture00001", "c-fixture00002"])):
            begun = time.monotonic()
            found = search.search(store, SETTINGS, search.SearchRequest(q=q, total=True), names)
            assert time.monotonic() - begun < 5 and started.wait(5)  # answered by SPARQL while it builds
            assert [str(t).rsplit("/", 1)[-1] for t in found.things] == expected and found.total == len(expected)
    finally:
        release.set()
    assert names.index(CC.CitizenCollective).search("tuinderij") == [str(SETTINGS.iris.collective("c-fixture00003"))]


def _expected_order(rows, needle):
    """What a search must give, computed the slow way: a thing with a schema:name matches by any of
    its names; its place is its smallest matching schema:name as written (its smallest schema:name
    when only an alternate name matched), in lower case, then its IRI."""
    names: dict[str, list[tuple[str, bool]]] = {}
    for iri, name, is_primary in rows:
        names.setdefault(iri, []).append((name, is_primary))

    def place(iri):
        own = [n for n, is_primary in names[iri] if is_primary]
        hits = [n for n in own if needle in fold_name(n)]
        return (min(hits or own).lower(), iri)

    matched = [iri for iri, pairs in names.items()
               if any(p for _, p in pairs) and any(needle in fold_name(n) for n, _ in pairs)]
    return sorted(matched, key=place)


@pytest.mark.parametrize("jump_limit", [search_index.JUMP_LIMIT, -1], ids=["jumping", "testing every name"])
def test_alternate_and_several_names_keep_the_listing_order(jump_limit, monkeypatch):
    monkeypatch.setattr(search_index, "JUMP_LIMIT", jump_limit)
    rng = random.Random(5)
    rows = []
    for number in range(400):
        iri = f"https://example.org/c/{number:04d}"
        for _ in range(rng.choice((1, 1, 2, 3))):
            rows.append((iri, " ".join(rng.choice(["Zon", "Wind", "Buurt", "zorg", "Coöperatie", "Øst"])
                                       for _ in range(2)), True))
        if rng.random() < 0.3:
            rows.append((iri, rng.choice(["ZWB", "Buurtzorg", "øster"]), False))
    rows.append(("https://example.org/c/only-alternate", "Zon Zon", False))  # no schema:name: left out
    rng.shuffle(rows)
    index = NameIndex.from_rows(rows)
    for q in ("zon", "wind", "buurt", "zorg", "o", "oster", "zwb", "cooperatie zon", "nothing"):
        expected = _expected_order(rows, fold_name(q))
        assert index.search(q) == expected, q
        for offset, limit in ((0, 5), (3, 5), (3, 200)):  # a few smallest, or all sorted
            assert index.page(q, offset, limit) == (expected[offset:offset + limit], len(expected)), q
