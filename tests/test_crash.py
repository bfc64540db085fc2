"""Crashes and concurrency: a killed build loses nothing, readers never see half a graph, one build at a time."""
import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest
from rdflib import URIRef

from registry.cli import main
from registry.lock import build_lock
from registry.namespaces import RegistryIRIs
from registry.store.oxigraph import OxigraphStore

CURATED_RECORDS = 45
COUNT_RECORDS = """SELECT (COUNT(?r) AS ?n) WHERE { GRAPH ?g { ?r a <https://w3id.org/collectives-nl/def#SourceRecord> } }"""


def build_env(tmp_path, reference_dir):
    return {**os.environ, "COLLECTIVES_DATA_DIR": str(tmp_path), "COLLECTIVES_STORE": f"oxigraph:{tmp_path / 'store'}",
            "COLLECTIVES_REFERENCE_DIR": str(reference_dir), "COLLECTIVES_OFFLINE": "1"}


def start_build(env):
    return subprocess.Popen([sys.executable, "-m", "registry.cli", "build"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def records_in_store(path) -> int:
    store = OxigraphStore(path)
    try:
        rows = store.select(COUNT_RECORDS, {"g": RegistryIRIs().source_graph("curated")})
        assert store.triple_count(RegistryIRIs().vocabulary_graph) > 1000
        return int(rows[0]["n"])
    finally:
        store.close()


def test_a_build_killed_at_random_points_leaves_the_previous_complete_graphs(tmp_path, reference_dir):
    env = build_env(tmp_path, reference_dir)
    assert start_build(env).wait(timeout=240) == 0
    assert records_in_store(tmp_path / "store") == CURATED_RECORDS
    rng = random.Random(20261124)
    for _ in range(4):
        process = start_build(env)
        time.sleep(rng.uniform(0.3, 4.0))
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        assert records_in_store(tmp_path / "store") == CURATED_RECORDS  # opens, and holds the old or the new graph
    assert start_build(env).wait(timeout=240) == 0  # a rerun completes
    store = OxigraphStore(tmp_path / "store")
    assert not [g for g in store.graphs() if "#staging-" in str(g)]


def test_readers_see_the_old_or_the_new_graph_never_half(tmp_path):
    store = OxigraphStore(tmp_path / "store")
    graph = URIRef("https://example.org/graph/source")
    bodies = {n: "".join(f'<https://example.org/r{i}> <https://example.org/p> "{n}" .\n' for i in range(n)).encode()
              for n in (2000, 3000)}
    store.replace_graph(graph, bodies[2000])
    seen, stop = set(), threading.Event()

    def read():
        while not stop.is_set():
            seen.add(store.triple_count(graph))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(20):
            store.replace_graph(graph, bodies[3000 if i % 2 == 0 else 2000])
    finally:
        stop.set()
        reader.join()
    assert seen <= {2000, 3000} and seen


def test_a_second_build_refuses_clearly_or_waits(tmp_path, monkeypatch, capsys, reference_dir):
    for name, value in build_env(tmp_path, reference_dir).items():
        monkeypatch.setenv(name, value)
    with build_lock(tmp_path):
        assert main(["build"]) == 2
        assert "another build is running" in capsys.readouterr().err
    with build_lock(tmp_path):
        pass  # released: a later build may start


def test_waiting_for_a_running_build(tmp_path):
    holder_done = threading.Event()

    def hold():
        with build_lock(tmp_path):
            time.sleep(0.6)
        holder_done.set()

    thread = threading.Thread(target=hold)
    thread.start()
    time.sleep(0.1)
    started = time.monotonic()
    with build_lock(tmp_path, wait=5):
        assert holder_done.is_set()
    assert time.monotonic() - started >= 0.4
    thread.join()


def test_an_open_store_is_refused_with_a_clear_message(tmp_path):
    from registry.errors import StoreError
    first = OxigraphStore(tmp_path / "store")
    with pytest.raises(StoreError) as info:
        OxigraphStore(tmp_path / "store")
    assert info.value.code == "store_in_use" and "in use" in str(info.value)
    first.close()
