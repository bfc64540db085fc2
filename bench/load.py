"""A bounded load test over loopback: N clients for T seconds over a mix of API requests.

    python -m bench.load --url http://127.0.0.1:8000 --clients 50 --seconds 60 [--rate 100] [--pid SERVER_PID]

Each client thread has its own keep-alive session and picks requests from the mix in turn.
Without ``--rate`` every client sends its next request as soon as the last one is answered (a
stress test: latency is then mostly queueing). With ``--rate R`` the clients together send R
requests per second on a fixed schedule, as users with think time do; a request's latency is
counted from when it was due, so a slow server cannot hide its backlog.
Reports per kind of request the count, errors (5xx, connection failures) and p50/p95/p99
latency, the overall requests/s, and — with ``--pid`` — the server's RSS after warm-up and at
the end, to show whether memory stays flat. Traffic goes only to the given loopback URL.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from collections import defaultdict
from urllib.parse import quote, urlsplit

import requests

COUNT_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?c a <https://w3id.org/collectives-nl/def#CitizenCollective> }"


def default_mix(url: str, session: requests.Session) -> list[tuple[str, str]]:
    """Requests built from what the registry holds: a few collectives and municipalities."""
    listing = session.get(f"{url}/collectives", params={"limit": 20}, headers={"Accept": "application/json"},
                          timeout=30).json()
    items = listing.get("items", listing if isinstance(listing, list) else [])
    ids = [item["id"] for item in items if "id" in item][:10] or ["missing"]
    codes = sorted({(item.get("municipality") or {}).get("code") or "GM0363" for item in items})[:5]
    mix = []
    for ident in ids:
        mix.append(("lookup", f"/collectives/{ident}"))
    for code in codes:
        mix.append(("municipality", f"/municipalities/{code}/collectives"))
    mix += [("search", "/collectives?q=energie"), ("search", "/collectives?q=zorg&sector=care"),
            ("filter", "/collectives?sector=energy&limit=50"), ("stats", "/stats/by_sector"),
            ("sparql", "/sparql?query=" + quote(COUNT_QUERY))]
    return mix


def rss_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def run(url: str, clients: int, seconds: float, pid: int | None = None, warmup: float = 5.0,
        rate: float | None = None) -> dict:
    host = urlsplit(url).hostname
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit(f"refusing to load {host}: this load test only targets loopback")
    mix = default_mix(url, requests.Session())
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(offset: int) -> None:
        session = requests.Session()
        i = offset
        interval = clients / rate if rate else 0.0
        due = time.perf_counter() + interval * offset / clients  # spread the clients over one interval
        while time.monotonic() < stop:
            kind, path = mix[i % len(mix)]
            i += 1
            if interval:
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                started, due = due, due + interval
            else:
                started = time.perf_counter()
            try:
                response = session.get(url + path, headers={"Accept": "application/json"}, timeout=30)
                failed = response.status_code >= 500
            except requests.RequestException:
                failed = True
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies[kind].append(elapsed)
                if failed:
                    errors[kind] += 1

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    begin = time.monotonic()
    for thread in threads:
        thread.start()
    memory = {}
    if pid:
        time.sleep(min(warmup, seconds / 2))
        memory["after_warmup_kib"] = rss_kib(pid)
    for thread in threads:
        thread.join()
    took = time.monotonic() - begin
    if pid:
        memory["end_kib"] = rss_kib(pid)
    def pct(values, q):
        return round(statistics.quantiles(values, n=100)[q - 1], 1) if len(values) > 1 else round(values[0], 1)
    table = {kind: {"requests": len(v), "errors": errors[kind], "p50_ms": pct(v, 50), "p95_ms": pct(v, 95),
                    "p99_ms": pct(v, 99)} for kind, v in sorted(latencies.items())}
    total = sum(len(v) for v in latencies.values())
    return {"clients": clients, "rate": rate, "seconds": round(took, 1), "requests": total,
            "requests_per_second": round(total / took, 1), "errors": sum(errors.values()),
            "by_kind": table, "memory": memory}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, help="requests per second of all clients together (default: as fast as answered)")
    parser.add_argument("--pid", type=int, help="server process id, to sample its memory")
    args = parser.parse_args(argv)
    result = run(args.url.rstrip("/"), args.clients, args.seconds, args.pid, rate=args.rate)
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
