"""The HTTP API under load, side by side with rdflib-endpoint serving the same data.

Run from the project root::

    .venv/bin/python bench/bench_api.py [--sizes 10000 100000] [--requests 500] [--rdflib-requests 30]

For each size: ``bench/generator.py`` writes N synthetic collectives (one record each, no
duplicates) as N-Quads; two server processes load them on loopback — the registry API
(``create_app`` over an in-memory Oxigraph store with the vocabulary graph, served by uvicorn)
and rdflib-endpoint (an rdflib ``Dataset`` with the union as default graph; queries passed as
strings). A bounded load generator (threads with keep-alive connections, a fixed number of
requests, 1 and 4 clients) measures p50 / p95 latency and requests/s per scenario; the same
SPARQL queries go to both servers. Servers are separate processes so the load generator's
threads do not share their interpreter lock; each is stopped by its own handle at the end.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]
REFERENCE_DIR = Path(os.environ.get("COLLECTIVES_REFERENCE_DIR") or ROOT.parent / "shared" / "data" / "reference")

CC = "https://w3id.org/collectives-nl/def#"
PREFIXES = f"PREFIX cc: <{CC}>\nPREFIX schema: <http://schema.org/>\n"


def sparql_municipality_sector(municipality: str) -> str:
    """The baseline query: one municipality + sector, ordered by name, 50 rows."""
    return PREFIXES + f"""SELECT ?c ?name WHERE {{
  ?c a cc:CitizenCollective ; cc:municipality <{municipality}> ;
     cc:sector <https://w3id.org/collectives-nl/def/sector/energy> ; schema:name ?name .
}} ORDER BY ?name LIMIT 50"""


SPARQL_COUNT = PREFIXES + """SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {
  ?c a cc:CitizenCollective ; cc:sector <https://w3id.org/collectives-nl/def/sector/energy> .
}"""


# servers (each runs in its own process) ----------------------------------------------------------
def serve_api(data: Path, port: int) -> None:
    import io

    import uvicorn

    from api.app import create_app
    from harvesters.build import load_vocabulary
    from registry.settings import Settings
    from registry.store.oxigraph import OxigraphStore

    settings = Settings(store="memory", offline=True, reference_dir=REFERENCE_DIR, data_dir=data,
                        query_timeout=30.0, result_cap=100_000)
    store = OxigraphStore()
    load_vocabulary(settings, store, log=io.StringIO())
    for path in sorted(data.glob("*.nq")):
        store.load(path, "nq")
    app = create_app(settings, store)
    # build the name index before the first request (a real deployment does this on its first search)
    app.state.names.index(settings.iris.CC.CitizenCollective)
    print("ready", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def serve_rdflib(data: Path, port: int) -> None:
    import uvicorn
    from rdflib import Dataset
    from rdflib_endpoint import SparqlEndpoint

    dataset = Dataset(default_union=True)
    for path in sorted(data.glob("*.nq")):
        dataset.parse(str(path), format="nquads")
    app = SparqlEndpoint(graph=dataset, public_url=f"http://127.0.0.1:{port}/", cors_enabled=False)
    print("ready", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


class Server:
    """A server process on loopback, stopped by its own handle."""

    def __init__(self, kind: str, data: Path, port: int):
        self.port = port
        self.started = time.perf_counter()
        self.process = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--data", str(data),
                                         "--port", str(port)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            self.stop()
            raise RuntimeError(f"the {kind} server did not start")
        self.load_seconds = time.perf_counter() - self.started
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # uvicorn binds just after "ready"
            try:
                status, _ = get(port, "/health" if kind == "api" else "/")
                if status < 500:
                    break
            except OSError:
                time.sleep(0.1)

    def rss_mb(self) -> float:
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return float("nan")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# the load generator ----------------------------------------------------------------------------
def get(port: int, path: str, accept: str = "application/json", connection=None) -> tuple[int, bytes]:
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        connection.request("GET", path, headers={"Accept": accept})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        if own:
            connection.close()


def load(port: int, paths: list[str], requests: int, clients: int, accept: str) -> dict:
    """``requests`` GETs spread over ``clients`` threads (keep-alive), cycling through ``paths``."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        mine = []
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            started = time.perf_counter()
            try:
                status, _ = get(port, paths[n % len(paths)], accept, connection)
            except OSError as exc:
                errors.append(str(exc))
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
                continue
            mine.append(time.perf_counter() - started)
            if status != 200:
                errors.append(f"{status} {paths[n % len(paths)][:80]}")
        connection.close()
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")
    return {"requests": len(latencies), "errors": len(errors), "first_error": errors[0] if errors else None,
            "p50": p(0.50), "p95": p(0.95), "mean": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
            "rps": len(latencies) / wall if wall else float("nan")}


def discover(port: int) -> dict:
    """Ids, a busy municipality and a name fragment to ask for, taken from the served data."""
    query = PREFIXES + """SELECT ?m ?code (COUNT(?c) AS ?n) WHERE { ?c a cc:CitizenCollective ; cc:municipality ?m .
      ?m cc:cbsMunicipalityCode ?code } GROUP BY ?m ?code ORDER BY DESC(?n) LIMIT 1"""
    _, body = get(port, "/sparql?" + urlencode({"query": query}), "application/sparql-results+json")
    row = json.loads(body)["results"]["bindings"][0]
    ids_query = PREFIXES + "SELECT ?c WHERE { ?c a cc:CitizenCollective } LIMIT 2000"
    _, body = get(port, "/sparql?" + urlencode({"query": ids_query}), "application/sparql-results+json")
    ids = [b["c"]["value"].rsplit("/", 1)[-1] for b in json.loads(body)["results"]["bindings"]][::20]
    names_query = PREFIXES + "SELECT ?n WHERE { ?c a cc:CitizenCollective ; schema:name ?n } LIMIT 100"
    _, body = get(port, "/sparql?" + urlencode({"query": names_query}), "application/sparql-results+json")
    names = [b["n"]["value"] for b in json.loads(body)["results"]["bindings"]]
    return {"municipality": row["m"]["value"], "code": row["code"]["value"], "in_municipality": int(row["n"]["value"]),
            "ids": ids, "names": names}


def scenarios(found: dict) -> list[tuple[str, list[str], str]]:
    code = found["code"]
    # name fragments: the distinctive tail of real names (few matches) and a common word (many)
    rare = [n.split()[-1][-5:] for n in found["names"][:20]]
    municipality_sector = sparql_municipality_sector(found["municipality"])
    return [
        ("/collectives/{id} (JSON-LD)", [f"/collectives/{i}" for i in found["ids"]], "application/ld+json"),
        ("/collectives/{id} (HTML page)", [f"/collectives/{i}" for i in found["ids"]], "text/html"),
        ("/municipalities/{code}/collectives", [f"/municipalities/{code}/collectives"], "application/json"),
        ("filtered search (municipality+sector+founded)",
         [f"/collectives?municipality={code}&sector=energy&founded_from=2005"], "application/json"),
        ("name search, rare fragment", [f"/collectives?q={q}" for q in rare], "application/json"),
        ("name search, common word + total", ["/collectives?q=energie&total=true"], "application/json"),
        ("trends: /stats/foundings_by_year", ["/stats/foundings_by_year"], "application/json"),
        ("SPARQL: municipality+sector, 50 rows", ["/sparql?" + urlencode({"query": municipality_sector})],
         "application/sparql-results+json"),
        ("SPARQL: count energy collectives", ["/sparql?" + urlencode({"query": SPARQL_COUNT})],
         "application/sparql-results+json"),
    ]


def run_size(size: int, requests: int, rdflib_requests: int, skip_rdflib: bool) -> dict:
    from bench.generator import Generator
    from tests.fixtures.api.support import free_port

    with tempfile.TemporaryDirectory(prefix=f"bench-api-{size}-") as folder:
        data = Path(folder)
        started = time.perf_counter()
        manifest = Generator(size, seed=1, duplicate_rate=0.0).write(data)
        generated = time.perf_counter() - started
        quads = sum(s["quads"] for s in manifest.get("sources", {}).values()) if isinstance(manifest.get("sources"), dict) else None
        print(f"\n== {size} collectives: generated in {generated:.1f} s ({quads or '?'} quads)", file=sys.stderr)
        result = {"size": size, "quads": quads, "rows": [], "rdflib": []}
        api = Server("api", data, free_port())
        try:
            result["api_load_s"], result["api_rss_mb"] = api.load_seconds, api.rss_mb()
            print(f"api: loaded in {api.load_seconds:.1f} s, {api.rss_mb():.0f} MB", file=sys.stderr)
            found = discover(api.port)
            result["municipality"] = found["code"]
            result["in_municipality"] = found["in_municipality"]
            for name, paths, accept in scenarios(found):
                load(api.port, paths, min(20, requests), 1, accept)  # warm-up
                one = load(api.port, paths, requests, 1, accept)
                four = load(api.port, paths, requests, 4, accept)
                result["rows"].append({"name": name, "one": one, "four": four})
                print(f"api  {name:48} p50 {one['p50']:7.1f} ms  p95 {one['p95']:7.1f} ms  "
                      f"{one['rps']:6.0f} / {four['rps']:6.0f} req/s  errors {one['errors'] + four['errors']}",
                      file=sys.stderr)
        finally:
            api.stop()
        if skip_rdflib:
            return result
        endpoint = Server("rdflib", data, free_port())
        try:
            result["rdflib_load_s"], result["rdflib_rss_mb"] = endpoint.load_seconds, endpoint.rss_mb()
            print(f"rdflib-endpoint: loaded in {endpoint.load_seconds:.1f} s, {endpoint.rss_mb():.0f} MB", file=sys.stderr)
            for name, paths, accept in scenarios(found):
                if not name.startswith("SPARQL"):
                    continue
                query = paths[0].split("?", 1)[1]
                path = "/?" + query
                load(endpoint.port, [path], 2, 1, accept)  # warm-up
                one = load(endpoint.port, [path], rdflib_requests, 1, accept)
                four = load(endpoint.port, [path], rdflib_requests, 4, accept)
                result["rdflib"].append({"name": name, "one": one, "four": four})
                print(f"rdf  {name:48} p50 {one['p50']:7.1f} ms  p95 {one['p95']:7.1f} ms  "
                      f"{one['rps']:6.1f} / {four['rps']:6.1f} req/s  errors {one['errors'] + four['errors']}",
                      file=sys.stderr)
        finally:
            endpoint.stop()
        return result


def table(results: list[dict]) -> str:
    lines = ["| size | scenario | p50 ms | p95 ms | req/s 1 client | req/s 4 clients |", "|---|---|---|---|---|---|"]
    for result in results:
        for row in result["rows"]:
            lines.append(f"| {result['size']:,} | {row['name']} | {row['one']['p50']:.1f} | {row['one']['p95']:.1f} | "
                         f"{row['one']['rps']:.0f} | {row['four']['rps']:.0f} |")
        for row in result["rdflib"]:
            lines.append(f"| {result['size']:,} | rdflib-endpoint: {row['name'].removeprefix('SPARQL: ')} | "
                         f"{row['one']['p50']:.1f} | {row['one']['p95']:.1f} | {row['one']['rps']:.1f} | "
                         f"{row['four']['rps']:.1f} |")
    lines += ["", "| size | SPARQL query | API / rdflib-endpoint throughput, 1 client | 4 clients |", "|---|---|---|---|"]
    for result in results:
        ours = {r["name"]: r for r in result["rows"]}
        for row in result["rdflib"]:
            api = ours[row["name"]]
            lines.append(f"| {result['size']:,} | {row['name'].removeprefix('SPARQL: ')} | "
                         f"{api['one']['rps'] / row['one']['rps']:.0f}× | {api['four']['rps'] / row['four']['rps']:.0f}× |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--requests", type=int, default=500, help="requests per scenario and client count (API)")
    parser.add_argument("--rdflib-requests", type=int, default=30, help="the same for rdflib-endpoint (slow)")
    parser.add_argument("--skip-rdflib", action="store_true")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--serve", choices=("api", "rdflib"), help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        (serve_api if args.serve == "api" else serve_rdflib)(Path(args.data), args.port)
        return 0
    results = [run_size(size, args.requests, args.rdflib_requests, args.skip_rdflib) for size in args.sizes]
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
