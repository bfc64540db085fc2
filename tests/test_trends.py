"""Trend figures on a dataset whose answers are known by construction, plus the CLI and charts."""
from __future__ import annotations

import argparse
import json
from xml.etree import ElementTree
from datetime import date

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from harvesters.facts import CollectiveFacts, facts_to_graph
from registry.consolidation import consolidate
from registry.namespaces import SOSA, RegistryIRIs
from registry.reference import Reference
from registry.store.oxigraph import OxigraphStore
from registry.trends import trend_query, trends
from tests.cli_support import Unclosed

IRIS = RegistryIRIs()
CC = IRIS.CC

# name, sector, founded, dissolved (as the source gives them)
CONSTRUCTED = [
    ("Alfa Energie", "energy", "2010", None),
    ("Bravo Zorg", "care", "2012-05", "2015"),
    ("Charlie Energie", "energy", "2015", "2015"),  # founded and dissolved the same year
    ("Delta Energie", "energy", "2015-03-01", None),
    ("Echo Energie", "energy", None, None),  # no founding date: not placed in time
    ("Foxtrot Zorg", "care", "2012", "2020"),
]


@pytest.fixture(scope="module")
def store():
    store = OxigraphStore()
    g = IRIS.bind(Graph())
    for i, (name, sector, founded, dissolved) in enumerate(CONSTRUCTED):
        g += facts_to_graph(CollectiveFacts(name=name, sectors=[sector], municipality=f"GM00{14 + i}",
                                            province="Groningen", founded=founded, dissolved=dissolved),
                            iris=IRIS, reference=Reference(), source="curated", key=f"k{i}")
    store.replace_graph(IRIS.source_graph("curated"), g)
    # a second source repeats Alfa with another founding year: counted once, by the priority rule
    g2 = IRIS.bind(Graph())
    g2 += facts_to_graph(CollectiveFacts(name="Coöperatie Alfa Energie U.A.", sectors=["energy"],
                                         municipality="GM0014", founded="2011"),
                         iris=IRIS, reference=Reference(), source="network", key="alfa")
    store.replace_graph(IRIS.source_graph("network"), g2)
    consolidate(store, IRIS, today=date(2025, 1, 1))
    # members of Alfa: two observations in 2020 (the later one counts) and one in 2021
    obs = IRIS.bind(Graph())
    alfa = next(iter(store.select("SELECT ?c WHERE { GRAPH ?g { ?c ?n ?name } }",
                                  {"g": IRIS.consolidated_graph, "n": URIRef("http://schema.org/name"),
                                   "name": Literal("Alfa Energie")})))["c"]
    for key, day, value in (("o1", "2020-01-01", 100), ("o2", "2020-12-01", 120), ("o3", "2021-06-01", 150)):
        o = IRIS.observation(key)
        obs += [(o, RDF.type, SOSA.Observation), (o, SOSA.hasFeatureOfInterest, alfa),
                (o, SOSA.observedProperty, IRIS.concept("indicator", "members")),
                (o, SOSA.hasSimpleResult, Literal(value)), (o, CC.referenceDate, Literal(day, datatype=XSD.date))]
    store.add(IRIS.consolidated_graph, obs)
    return store


def _by(rows, *keys):
    return {tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r for r in rows}


def test_foundings_dissolutions_and_net_growth_per_year(store):
    rows = _by(trends(store, IRIS, "flows").rows, "year")
    assert [(y, r["foundings"], r["dissolutions"], r["net"]) for y, r in sorted(rows.items())
            if r["foundings"] or r["dissolutions"]] == [
        (2010, 1, 0, 1), (2012, 2, 0, 2), (2015, 2, 2, 0), (2020, 0, 1, -1)]
    assert rows[2011]["foundings"] == 0  # Alfa's conflicting year is not counted again
    assert sum(r["foundings"] for r in rows.values()) == 5


def test_active_at_the_end_of_each_year(store):
    rows = _by(trends(store, IRIS, "active", years=(2009, 2021)).rows, "year")
    expected = {2009: 0, 2010: 1, 2011: 1, 2012: 3, 2013: 3, 2014: 3, 2015: 3, 2016: 3, 2019: 3, 2020: 2, 2021: 2}
    assert {y: rows[y]["active"] for y in expected} == expected


def test_active_by_sector_and_year(store):
    rows = _by(trends(store, IRIS, "active", by=["sector", "year"], years=(2014, 2016)).rows, "year", "sector")
    assert rows[(2014, "care")]["active"] == 2 and rows[(2014, "energy")]["active"] == 1
    assert rows[(2015, "care")]["active"] == 1 and rows[(2015, "energy")]["active"] == 2


def test_active_on_a_date_uses_the_precision_of_the_dates(store):
    def active(day):
        return trends(store, IRIS, "active-at", at=day).rows[0]["active"]
    assert active(date(2012, 4, 30)) == 2  # Alfa and Foxtrot (2012 counts from 1 January); Bravo from May
    assert active(date(2012, 5, 1)) == 3
    # Charlie (2015) counts from 1 January, a 2015 dissolution only from 31 December; Delta starts in March
    assert active(date(2015, 2, 1)) == 4
    assert active(date(2015, 3, 1)) == 5
    assert active(date(2016, 1, 1)) == 3


def test_survival_of_founding_cohorts(store):
    rows = _by(trends(store, IRIS, "survival", after=3, until=2024).rows, "cohort")
    assert {c: (r["founded"], r["surviving"], r["share"]) for c, r in rows.items()} == {
        2010: (1, 1, 1.0), 2012: (2, 1, 0.5), 2015: (2, 1, 0.5)}
    assert set(_by(trends(store, IRIS, "survival", after=10, until=2024).rows, "cohort")) == {2010, 2012}


def test_filters_and_indicators(store):
    rows = trends(store, IRIS, "flows", filters={"sector": ["care"]}).rows
    assert sum(r["foundings"] for r in rows) == 2 and sum(r["dissolutions"] for r in rows) == 2
    assert trends(store, IRIS, "flows", filters={"province": ["Groningen"], "sector": ["energy"]}).rows
    indicators = trends(store, IRIS, "indicators").rows
    assert [(r["year"], r["indicator"], r["total"]) for r in indicators] == [(2020, "members", 120), (2021, "members", 150)]


def test_coverage_per_source_and_municipality(store):
    rows = _by(trends(store, IRIS, "sources").rows, "source")
    assert rows["curated"]["collectives"] == 6 and rows["curated"]["only_this_source"] == 5
    assert rows["network"]["collectives"] == 1 and rows["network"]["only_this_source"] == 0
    municipalities = trends(store, IRIS, "municipalities", populations={"gm0014": 20000}).rows
    assert _by(municipalities, "municipality")["gm0014"]["per_10000"] == 0.5


def test_queries_are_readable_and_use_integer_years(store):
    query = trend_query("active", IRIS, by=["sector"], filters={"sector": ["energy"]}, years=(2010, 2012))
    assert "cc:eventYear" in query and "YEAR(" not in query
    assert "VALUES ?year { 2010 2011 2012 }" in query
    assert store.select(query)  # what is shown is what runs
    with pytest.raises(Exception):
        trend_query("active", IRIS, filters={"colour": ["red"]})


def test_csv_json_and_charts(store, tmp_path):
    result = trends(store, IRIS, "active", by=["sector"], years=(2010, 2020))
    assert result.to_csv().splitlines()[0] == "year,sector,active"
    assert json.loads(result.to_json())["rows"][0]["year"] == 2010
    from registry.trends import plot
    names = ["active.svg"]  # SVG is written by hand when matplotlib is missing
    try:
        import matplotlib  # noqa: F401
        names.append("active.png")
    except ImportError:
        pass
    for name in names:
        path = plot(result, tmp_path / name)
        assert path.stat().st_size > 500


def _cli(store, monkeypatch, argv):
    from registry import stats_cli
    from registry.settings import Settings
    monkeypatch.setattr(stats_cli, "_context", lambda: (Settings(store="memory"), Unclosed(store)))
    p = argparse.ArgumentParser()
    stats_cli.add_stats_command(p.add_subparsers(dest="command"))
    args = p.parse_args(argv)
    return args.func(args)


def test_cli_trends_csv_plot_and_show_query(store, monkeypatch, capsys, tmp_path):
    chart = tmp_path / "trends.svg"
    assert _cli(store, monkeypatch, ["stats", "trends", "--by", "sector,year", "--from", "2014", "--to", "2015",
                                     "--format", "csv", "--plot", str(chart)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "year,sector,active" and "2015,energy,2" in out
    svg = ElementTree.parse(chart).getroot()  # drawn by matplotlib when installed, else by hand
    drawn = [e for e in svg.iter() if e.tag.rsplit("}", 1)[-1] in ("path", "polyline", "line", "rect", "circle")]
    assert svg.tag.endswith("svg") and len(drawn) >= 3
    assert _cli(store, monkeypatch, ["stats", "trends", "--metric", "flows", "--sector", "care", "--json"]) == 0
    assert sum(r["foundings"] for r in json.loads(capsys.readouterr().out)) == 2
    assert _cli(store, monkeypatch, ["stats", "survival", "--after", "3", "--until", "2024", "--show-query"]) == 0
    assert "?cohort + 3 <= 2024" in capsys.readouterr().out
    assert _cli(store, monkeypatch, ["stats", "coverage", "--by", "source", "--json"]) == 0
    assert {r["source"] for r in json.loads(capsys.readouterr().out)} == {"curated", "network"}
    assert _cli(store, monkeypatch, ["stats", "conflicts", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {(r["property"], r["value"]) for r in rows} >= {("founding", 2010), ("founding", 2011)}
    assert _cli(store, monkeypatch, ["stats", "--json"]) == 0
    assert "by_sector" in json.loads(capsys.readouterr().out)
