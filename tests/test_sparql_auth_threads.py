"""A store behind authentication answers its first requests from several threads at once.

The first request of each thread goes out without credentials; the store answers the server's
challenge once, and a thread whose request left before that must send it again rather than fail.
(The API's listings start a background index build beside the request that asked, so two first
requests at once are the normal case.)
"""
from __future__ import annotations

import threading

import pytest

pytestmark = pytest.mark.server


def _first_requests_at_once(endpoint, threads: int = 8) -> list[Exception]:
    from tests.conftest import remote_store

    store = remote_store(endpoint)
    start = threading.Barrier(threads)
    failures: list[Exception] = []

    def ask():
        start.wait()
        try:
            store.ask("ASK {}")
        except Exception as exc:  # noqa: BLE001 - collected and shown by the test
            failures.append(exc)

    running = [threading.Thread(target=ask) for _ in range(threads)]
    for t in running:
        t.start()
    for t in running:
        t.join()
    store.close()
    return failures


def test_first_requests_from_many_threads_all_get_in(virtuoso_endpoint):
    for _ in range(3):  # the race needs the threads to meet: a few fresh stores
        failures = _first_requests_at_once(virtuoso_endpoint)
        assert not failures, failures[0]
