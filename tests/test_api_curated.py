"""The API over the real curated list (the shared ``built_store``): lookups a municipality would make."""
from __future__ import annotations

import httpx
import pytest

from api.app import create_app
from tests.fixtures.api.support import LiveServer


@pytest.fixture(scope="module")
def client(settings, built_store):
    app = create_app(settings, built_store)
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=60) as c:
        yield c


def test_collectives_in_groningen(client):
    for code in ("GM0014", "gm0014", "0014", "Groningen", "https://identifier.overheid.nl/tooi/id/gemeente/gm0014"):
        r = client.get(f"/municipalities/{code}/collectives", params={"total": "true"})
        assert r.status_code == 200, (code, r.text[:200])
        assert "Grunneger Power" in [i["name"] for i in r.json()["items"]]


def test_search_and_detail(client):
    found = client.get("/collectives", params={"q": "grunneger"}).json()["items"]
    assert found and found[0]["municipality"]["code"] == "GM0014"
    page = client.get(f"/collectives/{found[0]['id']}", headers={"accept": "text/html"})
    assert page.status_code == 200 and "Grunneger Power" in page.text
    assert client.get(f"/collectives/{found[0]['id']}", headers={"accept": "text/turtle"}).status_code == 200


def test_totals_and_stats(client):
    total = client.get("/collectives", params={"total": "true", "limit": 1}).json()["total"]
    assert total > 20
    sectors = client.get("/stats/by_sector").json()["rows"]
    assert any(str(r.get("sector", "")).endswith("/energy") for r in sectors)
    networks = client.get("/networks").json()["items"]
    assert networks


def test_energy_in_noord_holland(client):
    r = client.get("/collectives", params={"sector": "energy", "province": "Noord-Holland", "total": "true"})
    assert r.status_code == 200 and r.json()["total"] >= 1


def test_trend_statistics_as_json_csv_and_svg(client):
    r = client.get("/stats/trends/flows", params={"sector": "energy"})
    assert r.status_code == 200
    body = r.json()
    assert "SELECT" in body["query"] and body["columns"][0] == "year"
    foundings = {row["year"]: row["foundings"] for row in body["rows"]}
    assert foundings[1986] == 1 and foundings[2011] == 1  # Noordenwind, Grunneger Power
    csv_text = client.get("/stats/trends/active", params={"by": "sector", "format": "csv"}).text
    assert csv_text.splitlines()[0].startswith("year")
    svg = client.get("/stats/trends/active", params={"format": "svg"})
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text
    bad = client.get("/stats/trends/nonsense")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_input"
