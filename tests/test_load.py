"""A short bounded load over loopback: many clients, a mix of requests, zero errors (the long run is bench/load.py)."""
import os

import pytest

from api.app import create_app
from bench.load import run
from tests.fixtures.api.support import LiveServer, api_settings, fixture_store


@pytest.mark.slow
def test_mixed_load_gives_no_errors_and_flat_memory():
    with LiveServer(create_app(api_settings(result_cap=10_000), fixture_store())) as server:
        result = run(server.url, clients=16, seconds=8, pid=os.getpid(), warmup=2)
    assert result["errors"] == 0, result
    assert result["requests"] > 200
    assert set(result["by_kind"]) >= {"lookup", "search", "sparql", "stats"}
    memory = result["memory"]
    assert memory["end_kib"] < memory["after_warmup_kib"] * 1.5, memory  # no growth with the number of requests
