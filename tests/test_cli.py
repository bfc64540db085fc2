"""The `collectives` command: subcommands, output and exit codes, run as a user would."""
import json
import os
import subprocess
import sys

import pytest

from registry.cli import main
from tests.conftest import FIXTURES

VALID = FIXTURES / "records" / "valid"
INVALID = FIXTURES / "records" / "invalid"


@pytest.fixture
def env(monkeypatch, tmp_path, reference_dir):
    monkeypatch.setenv("COLLECTIVES_STORE", f"oxigraph:{tmp_path / 'store'}")
    monkeypatch.setenv("COLLECTIVES_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COLLECTIVES_REFERENCE_DIR", str(reference_dir))
    monkeypatch.setenv("COLLECTIVES_OFFLINE", "1")
    return tmp_path


def test_validate_exit_codes(env, capsys):
    good = sorted(VALID.glob("*.ttl"))[0]
    bad = sorted(INVALID.glob("*.ttl"))[0]
    assert main(["validate", str(good)]) == 0
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "Violation" in out
    assert main(["validate", str(env / "missing.ttl")]) == 2
    (env / "broken.ttl").write_text("<a> <b> ")
    assert main(["validate", str(env / "broken.ttl")]) == 2


def test_validate_json_names_the_rule(env, capsys):
    bad = next(p for p in INVALID.glob("*.ttl") if "kvk" in p.name)
    assert main(["validate", "--json", str(bad)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["conforms"] is False
    assert any("Kvk" in r["source_shape"] or "KvK" in r["source_shape"] for r in report["results"])


def test_build_then_query_stats_and_sources(env, capsys):
    assert main(["build", "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert [r["source"] for r in runs] == ["curated"] and runs[0]["valid"] == 45
    assert main(["query", "--format", "csv",
                 "SELECT (COUNT(*) AS ?n) WHERE { ?c a <https://w3id.org/collectives-nl/def#CitizenCollective> }"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "35"]
    assert main(["stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert sum(r["collectives"] for r in stats["by_sector"]) == 35
    assert main(["sources", "--json"]) == 0
    [curated] = [s for s in json.loads(capsys.readouterr().out) if s["name"] == "curated"]
    assert curated["status"] == "completed" and curated["valid"] == 45
    # a second build finds every record unchanged
    assert main(["build", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["unchanged"] == 45


def test_load_into_a_named_graph(env, capsys):
    good = sorted(VALID.glob("*.ttl"))[0]
    assert main(["load", str(good), "--graph", "extra"]) == 0
    assert main(["query", "--format", "json",
                 "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/collectives-nl/graph/extra> { ?s ?p ?o } }"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert int(result["results"]["bindings"][0]["n"]["value"]) > 0


def test_malformed_query_is_exit_2(env, capsys):
    assert main(["query", "SELECT WHERE {"]) == 2
    assert "error" in capsys.readouterr().err


def test_console_script_runs():
    result = subprocess.run([sys.executable, "-m", "registry.cli", "--help"], capture_output=True, text=True,
                            env={**os.environ})
    assert result.returncode == 0 and "validate" in result.stdout


def test_export_to_a_fresh_store_and_import_round_trips(env, tmp_path, monkeypatch, capsys):
    from rdflib.compare import isomorphic
    from registry.settings import Settings
    from registry.store import open_store
    assert main(["build"]) == 0
    backup = tmp_path / "backup.nq.gz"
    assert main(["export", "--out", str(backup)]) == 0
    assert capsys.readouterr().out.strip() == str(backup)
    original = open_store(Settings.from_env())
    graphs = {g: original.graph(g) for g in original.graphs() if len(original.graph(g))}
    original.close()
    del original
    monkeypatch.setenv("COLLECTIVES_STORE", f"oxigraph:{tmp_path / 'fresh'}")
    assert main(["import", str(backup), "--json"]) == 0
    fresh = open_store(Settings.from_env())
    assert set(fresh.graphs()) == set(graphs)
    for name, graph in graphs.items():
        assert isomorphic(fresh.graph(name), graph), name
