"""Search, municipalities, networks and statistics over real HTTP, including hostile parameters."""
from __future__ import annotations

import csv
import io

import httpx
import pytest

from api.app import create_app
from tests.fixtures.api.support import LiveServer, api_settings, fixture_store


@pytest.fixture(scope="module")
def client():
    app = create_app(api_settings(), fixture_store())
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=30) as c:
        yield c


def names(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


ALL = ["Buurtstroom Voorbeelddorp-Oost", "Energiecoöperatie Voorbeelddorp", "Voedselcollectief De Proeftuin",
       "Zorgcoöperatie Proefstad"]


@pytest.mark.parametrize("params,expected", [
    ({}, ALL),
    ({"q": "cooperatie"}, ["Energiecoöperatie Voorbeelddorp", "Zorgcoöperatie Proefstad"]),
    ({"q": "COÖPERATIE"}, ["Energiecoöperatie Voorbeelddorp", "Zorgcoöperatie Proefstad"]),
    ({"q": "proef"}, ["Voedselcollectief De Proeftuin", "Zorgcoöperatie Proefstad"]),
    ({"sector": "energy"}, ["Buurtstroom Voorbeelddorp-Oost", "Energiecoöperatie Voorbeelddorp"]),
    ({"sector": ["food", "care"]}, ["Buurtstroom Voorbeelddorp-Oost", "Voedselcollectief De Proeftuin",
                                    "Zorgcoöperatie Proefstad"]),
    ({"type": "care-cooperative"}, ["Zorgcoöperatie Proefstad"]),
    ({"legal_form": "foundation"}, ["Voedselcollectief De Proeftuin"]),
    ({"role": "enabler"}, ["Energiecoöperatie Voorbeelddorp"]),
    ({"stage": "dissolved"}, ["Voedselcollectief De Proeftuin"]),
    ({"municipality": "GM9902"}, ["Zorgcoöperatie Proefstad"]),
    ({"municipality": "proefstad"}, ["Zorgcoöperatie Proefstad"]),
    ({"municipality": "9902"}, ["Zorgcoöperatie Proefstad"]),
    ({"province": "Zuid-Holland"}, ["Zorgcoöperatie Proefstad"]),
    ({"province": "pv28"}, ["Zorgcoöperatie Proefstad"]),
    ({"network": "n-fixture00001"}, ["Buurtstroom Voorbeelddorp-Oost", "Energiecoöperatie Voorbeelddorp"]),
    ({"active_on": "2021-01-01"}, ["Buurtstroom Voorbeelddorp-Oost", "Energiecoöperatie Voorbeelddorp",
                                   "Zorgcoöperatie Proefstad"]),
    ({"active_on": "2010"}, ["Voedselcollectief De Proeftuin"]),
    ({"founded_from": 2010, "founded_to": 2016}, ["Energiecoöperatie Voorbeelddorp", "Zorgcoöperatie Proefstad"]),
    ({"sector": "energy", "municipality": "GM9901", "q": "stroom"}, ["Buurtstroom Voorbeelddorp-Oost"]),
])
def test_search_filters(client, params, expected):
    assert names(client.get("/collectives", params=params)) == expected


def test_merged_municipality_answers_with_current(client):
    r = client.get("/collectives", params={"municipality": "GM9903"})
    assert len(names(r)) == 3
    assert r.json()["merged_municipalities"][0]["code"] == "GM9901"


def test_paging_is_stable_with_total(client):
    first = client.get("/collectives", params={"limit": 2, "total": "true"}).json()
    second = client.get("/collectives", params={"limit": 2, "offset": 2, "total": "true"}).json()
    assert first["total"] == second["total"] == 4
    assert [i["name"] for i in first["items"] + second["items"]] == ALL
    assert first["next"] and "offset=2" in first["next"]
    assert "total" not in client.get("/collectives").json()


@pytest.mark.parametrize("params", [
    {"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"offset": -1}, {"offset": 10**9},
    {"sector": 'energy" } DROP ALL #'}, {"sector": "Energy"}, {"sector": ["x"] * 30},
    {"type": "<http://evil.example.org/>"}, {"municipality": "Nergenshuizen"}, {"municipality": "GM0000"},
    {"province": "Atlantis"}, {"network": "n-x> } #"}, {"active_on": "yesterday"}, {"active_on": "2020-13-01"},
    {"founded_from": "abc"}, {"founded_from": 99999}, {"q": "x" * 5000}, {"total": "maybe"},
    {"format": "png"},
])
def test_hostile_parameters_are_4xx(client, params):
    r = client.get("/collectives", params=params)
    assert 400 <= r.status_code < 500, (params, r.status_code, r.text[:200])
    assert r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("q", ['") } ; DROP ALL ; #', ".*", "(((", "\\", "[a-", "' OR 1=1 --", "\u0000", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢"])
def test_injection_in_q_is_harmless(client, q):
    r = client.get("/collectives", params={"q": q})
    assert r.status_code in (200, 400)
    if r.status_code == 200:
        assert r.json()["items"] == []
    assert len(names(client.get("/collectives"))) == 4  # nothing was dropped


def test_csv(client):
    r = client.get("/collectives", params={"format": "csv"})
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["name"] for row in rows] == ALL
    assert rows[1]["municipality_code"] == "GM9901" and rows[1]["kvk"] == "99000001"


def test_geojson(client):
    r = client.get("/collectives", headers={"accept": "application/geo+json"})
    data = r.json()
    assert data["type"] == "FeatureCollection"
    located = [f for f in data["features"] if f["geometry"]]
    assert {tuple(f["geometry"]["coordinates"]) for f in located} == {(4.91, 52.37), (4.48, 52.16)}


def test_jsonld_list(client):
    r = client.get("/collectives", headers={"accept": "application/ld+json"})
    assert r.status_code == 200 and "@context" in r.json()


def test_labels_follow_accept_language(client):
    r = client.get("/collectives", params={"sector": "care", "municipality": "GM9902"},
                   headers={"accept-language": "nl"})
    assert r.json()["items"][0]["sectors"][0]["label"] == "Zorg en welzijn"


@pytest.mark.parametrize("code", ["GM9901", "gm9901", "9901", "Voorbeelddorp", "voorbeelddorp", "VOORBEELDDORP",
                                  "https://identifier.overheid.nl/tooi/id/gemeente/gm9901"])
def test_municipality_forms(client, code):
    r = client.get(f"/municipalities/{code}")
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["code"] == "GM9901" and data["name"] == "Voorbeelddorp"
    assert data["province"]["name"] == "Noord-Holland"
    assert {s["code"]: s["collectives"] for s in data["sectors"]} == {"energy": 2, "care": 1, "food": 1}
    assert data["networks"][0]["members_here"] == 2
    assert data["partnerships"][0]["collective"] == "c-fixture00001"


def test_merged_municipality(client):
    data = client.get("/municipalities/GM9903").json()
    assert data["code"] == "GM9901" and data["merged_from"] == "GM9903"


def test_municipality_collectives(client):
    assert len(names(client.get("/municipalities/GM9901/collectives"))) == 3
    assert names(client.get("/municipalities/9902/collectives")) == ["Zorgcoöperatie Proefstad"]
    assert len(names(client.get("/municipalities/gm9903/collectives", params={"sector": "energy"}))) == 2


@pytest.mark.parametrize("code", ["GM0000", "Nergenshuizen", "x" * 300, "'; DROP", "GM99999"])
def test_unknown_municipality(client, code):
    r = client.get(f"/municipalities/{code}")
    assert (r.status_code, r.json()["code"]) in ((404, "not_found"), (400, "invalid_input"))


def test_networks(client):
    data = client.get("/networks").json()
    assert data["items"] == [{"id": "n-fixture00001", "iri": "https://example.org/cc/id/network/n-fixture00001",
                              "name": "Voorbeeldnetwerk Energie", "members": 2}]
    one = client.get("/networks/n-fixture00001", params={"format": "json"}).json()
    assert one["members"] == 2 and one["coverage"][0]["code"] == "pv27"
    assert len(names(client.get("/networks/n-fixture00001/members"))) == 2
    assert client.get("/networks/n-nope").status_code == 404
    assert client.get("/networks/n-fixture00001", headers={"accept": "text/turtle"}).status_code == 200


def test_stats(client):
    index = client.get("/stats").json()
    names_ = {f["name"] for f in index["figures"]}
    assert {"by_sector", "by_province", "foundings_by_year"} <= names_
    figure = client.get("/stats/foundings_by_year").json()
    assert figure["rows"] == [{"year": 2009, "collectives": 1}, {"year": 2012, "collectives": 1},
                              {"year": 2015, "collectives": 1}]
    assert "SELECT" in figure["query"]
    r = client.get("/stats/by_sector", params={"format": "csv"})
    assert r.headers["content-type"].startswith("text/csv") and "collectives" in r.text.splitlines()[0]
    assert client.get("/stats/nothing").status_code == 404
    assert client.get("/stats/summary", headers={"accept": "text/html"}).status_code == 200


def test_iri_dereferencing(client):
    r = client.get("/id/collective/c-fixture00001", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("/collectives/c-fixture00001")
    assert client.get("/entity/n-fixture00001", follow_redirects=False).headers["location"].endswith(
        "/networks/n-fixture00001")
