"""The registry at scale: the API's queries on the embedded store and on two SPARQL servers.

Run from the project root::

    .venv/bin/python -m bench.bench_scale --sizes 100000 [1000000] \\
        [--backends embedded oxigraph-server virtuoso] [--requests 200] [--trend-requests 5] \\
        [--trend-repeat 3] [--scenario-seconds 120] [--summary refresh|keep|drop] \\
        [--virtuoso-buffers 170000] [--reuse] [--keep] [--json out.json]

For each size, ``bench/generator.py`` writes N collectives (one record each: no duplicates, no
faults) into the consolidated graph, as a build leaves them after consolidation, together with the
vocabulary graph and a consolidation run in the metadata graph (``bench/.work/scale/data-{n}/``).
Each backend then loads these files by its own bulk path, in a process of its own:

- ``embedded``: ``OxigraphStore`` on disk (``bulk_load`` of each file, then ``optimize()``);
- ``oxigraph-server``: ``oxigraph load`` into a directory, then ``oxigraph serve
  --union-default-graph`` on 127.0.0.1 (as ``tests/servers.py`` starts it);
- ``virtuoso``: ``virtuoso-t`` from Debian's package with the ini ``tests/servers.py`` writes
  (loopback ports, private database), larger buffers, bulk loaded with ``ld_dir`` + ``rdf_loader_run``.

Then, per backend: the build's trend summary refresh (``registry.trend_summary``) is timed;
``registry.trends.trends`` is called directly for a few figures, on the fly and from the summary
(first call and median of ``--trend-repeat``, with a check that both give the same rows); and the
API (``create_app`` over that store, uvicorn, one worker, its own process) is measured from one
client with keep-alive connections: p50 / p95 per scenario. Servers are stopped by their process
ids. ``--reuse`` keeps loaded stores between runs (a marker file says a load finished);
``--keep`` leaves the work files, which are deleted otherwise.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]
WORK = ROOT / "bench" / ".work" / "scale"
REFERENCE_DIR = Path(os.environ.get("COLLECTIVES_REFERENCE_DIR") or ROOT.parent / "shared" / "data" / "reference")
BACKENDS = ("embedded", "oxigraph-server", "virtuoso")
SEED = 1
SAMPLE = 200  # collectives whose ids and names the scenarios ask for, spread over the whole range
PASSWORD_ENV = "BENCH_SCALE_STORE_PASSWORD"

# registry.trends figures timed directly: (label, metric, keyword arguments); PROVINCE is replaced
TREND_SPECS = [
    ("active per year", "active", {}),
    ("active per year, by sector", "active", {"by": ("sector",)}),
    ("flows, sector energy", "flows", {"filters": {"sector": ["energy"]}}),
    ("flows, sector energy + province", "flows", {"filters": {"sector": ["energy"], "province": ["PROVINCE"]}}),
    ("collectives per municipality", "municipalities", {}),
    ("active, province by sector", "active", {"by": ("sector",), "filters": {"province": ["PROVINCE"]}}),
    ("active, by sector and province", "active", {"by": ("sector", "province")}),
    ("active, province by municipality", "active", {"by": ("municipality",), "filters": {"province": ["PROVINCE"]}}),
    ("active, by municipality and sector", "active", {"by": ("municipality", "sector")}),
    ("flows, by municipality and legal form", "flows", {"by": ("municipality", "legal-form")}),
]


def _rss_mb(pid: int, field: str = "VmRSS") -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20 if path.exists() else 0.0


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# the data -----------------------------------------------------------------------------------------
def prepare(n: int) -> dict:
    """The N-Quads files for ``n`` collectives and what the scenarios ask for (cached by size)."""
    from datetime import datetime, timezone

    import pyoxigraph as ox

    from bench.generator import Generator
    from harvesters.build import load_vocabulary
    from registry.identifiers import mint_id
    from registry.namespaces import RegistryIRIs
    from registry.settings import Settings
    from registry.store.oxigraph import OxigraphStore

    directory = WORK / f"data-{n}"
    manifest_path = directory / "manifest.json"
    if manifest_path.exists():
        return json.loads(manifest_path.read_text())
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    started = time.perf_counter()
    iris = RegistryIRIs()
    generator = Generator(n, SEED, duplicate_rate=0.0)
    target = f" <{iris.consolidated_graph}> .\n"
    suffixes = {s: f" <{iris.source_graph(s)}> .\n" for s in generator.sources}
    municipalities: Counter = Counter()
    provinces: Counter = Counter()
    sample: list[dict] = []
    step = max(1, n // SAMPLE)
    quads = 0
    with (directory / "consolidated.nq").open("w", encoding="utf-8") as out:
        for record in generator.records():
            cut = len(suffixes[record.source])
            out.writelines(line[:-cut] + target for line in record.lines)
            quads += len(record.lines)
            stated = record.facts.municipality.lower()
            current = generator.municipalities.ended.get(stated, stated)
            municipalities[current] += 1
            provinces[generator.municipalities.current[current][1]] += 1
            if record.collective % step == 0 and len(sample) < SAMPLE:
                sample.append({"id": mint_id(record.source, record.key), "name": record.facts.name})
    # the vocabulary graph as the build writes it, and a consolidation run in the metadata graph
    vocabulary = OxigraphStore()
    with open(os.devnull, "w") as quiet:
        load_vocabulary(Settings(store="memory", offline=True, reference_dir=REFERENCE_DIR, data_dir=directory),
                        vocabulary, log=quiet)
    with (directory / "vocabulary.nq").open("wb") as out:
        vocabulary.dump(out, "nq")
    run = ox.NamedNode(f"{iris.base}id/run/consolidation/synthetic-{n}")
    meta, prov = ox.NamedNode(str(iris.metadata_graph)), "http://www.w3.org/ns/prov#"
    ended = ox.Literal(datetime(2025, 1, 1, tzinfo=timezone.utc).isoformat(),
                       datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime"))
    consolidated = ox.NamedNode(str(iris.consolidated_graph))
    with (directory / "metadata.nq").open("wb") as out:
        ox.serialize([ox.Quad(run, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                              ox.NamedNode(prov + "Activity"), meta),
                      ox.Quad(run, ox.NamedNode(prov + "endedAtTime"), ended, meta),
                      ox.Quad(run, ox.NamedNode(prov + "generated"), consolidated, meta),
                      ox.Quad(consolidated, ox.NamedNode(prov + "wasGeneratedBy"), run, meta)],
                     out, format=ox.RdfFormat.N_QUADS)
    busiest, in_busiest = municipalities.most_common(1)[0]
    manifest = {
        "collectives": n, "seed": SEED, "quads": quads, "files": ["consolidated.nq", "vocabulary.nq", "metadata.nq"],
        "municipality": busiest.upper(), "in_municipality": in_busiest,
        "province": provinces.most_common(1)[0][0], "in_province": provinces.most_common(1)[0][1],
        "sample": sample, "seconds": round(time.perf_counter() - started, 1),
        "bytes": sum((directory / f).stat().st_size for f in ("consolidated.nq", "vocabulary.nq", "metadata.nq")),
    }
    manifest_path.write_text(json.dumps(manifest, indent=1))
    return manifest


# the backends -------------------------------------------------------------------------------------
class Backend:
    """A loaded store: ``load()`` (or reuse), ``start()``, ``store_spec()`` for Settings, ``stop()``."""

    name = ""

    def __init__(self, n: int, data: Path):
        self.n, self.data = n, data
        self.directory = WORK / f"{self.name}-{n}"
        self.marker = self.directory / "loaded.json"
        self.stack = contextlib.ExitStack()
        self.process: subprocess.Popen | None = None
        self.password: str | None = None

    def loaded(self) -> dict | None:
        return json.loads(self.marker.read_text()) if self.marker.exists() else None

    def load(self) -> dict:
        raise NotImplementedError

    def start(self) -> None:
        pass

    def store_spec(self) -> str:
        raise NotImplementedError

    def server_rss(self) -> dict:
        if self.process is None:
            return {}
        return {"server_rss_mb": round(_rss_mb(self.process.pid)), "server_peak_mb": round(_rss_mb(self.process.pid, "VmHWM"))}

    def disk_mb(self) -> float:
        return round(_disk_mb(self.directory))

    def stop(self) -> None:
        self.stack.close()
        self.process = None


class Embedded(Backend):
    name = "embedded"

    def load(self) -> dict:
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True)
        done = _child(["--load-embedded", str(self.directory / "store"), "--data", str(self.data)])
        self.marker.write_text(json.dumps(done))
        return done

    def store_spec(self) -> str:
        return f"oxigraph:{self.directory / 'store'}"


class OxigraphServer(Backend):
    name = "oxigraph-server"

    def load(self) -> dict:
        from tests.servers import _executable

        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True)
        executable = _executable("oxigraph", Path(sys.executable).parent)
        started, peak = time.perf_counter(), 0.0
        for name in json.loads((self.data / "manifest.json").read_text())["files"]:
            with open(self.directory / "load.log", "ab") as log:
                process = subprocess.Popen([executable, "load", "--location", str(self.directory / "data"),
                                            "--file", str(self.data / name)], stdout=subprocess.DEVNULL, stderr=log)
                _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            if process.returncode:
                raise RuntimeError(f"oxigraph load failed: {(self.directory / 'load.log').read_text()[-2000:]}")
            peak = max(peak, usage.ru_maxrss / 1024)
        done = {"load_s": round(time.perf_counter() - started, 1), "load_peak_mb": round(peak)}
        self.marker.write_text(json.dumps(done))
        return done

    def start(self) -> None:
        from tests.servers import _executable, _started, _wait_until_answering, free_port

        executable = _executable("oxigraph", Path(sys.executable).parent)
        port = free_port()
        log = self.directory / "server.log"
        self.process = self.stack.enter_context(_started(
            [executable, "serve", "--location", str(self.directory / "data"), "--bind", f"127.0.0.1:{port}",
             "--union-default-graph"], self.directory, log))
        self.base = f"http://127.0.0.1:{port}"
        _wait_until_answering(f"{self.base}/query?query=ASK%7B%7D", self.process, log, timeout=600)

    def store_spec(self) -> str:
        return f"sparql:{self.base}/query,{self.base}/update"


class Virtuoso(Backend):
    name = "virtuoso"
    buffers = 170_000  # 8 kB pages: ~1.3 GB, what Debian's ini suggests for 2 GB of memory

    def _ini(self, sql_port: int, http_port: int) -> str:
        import re

        from tests.servers import VIRTUOSO_INI, virtuoso_ini

        text = virtuoso_ini(VIRTUOSO_INI.read_text(errors="replace"), self.directory, sql_port, http_port,
                            max_rows=50_000_000)  # above the largest graph, as the README asks
        text = re.sub(r"(?m)^NumberOfBuffers = .*$", f"NumberOfBuffers = {self.buffers}", text)
        text = re.sub(r"(?m)^MaxDirtyBuffers = .*$", f"MaxDirtyBuffers = {self.buffers * 3 // 4}", text)
        text = re.sub(r"(?m)^MaxQueryMem = .*$", "MaxQueryMem = 2G", text)
        text = re.sub(r"(?m)^(DirsAllowed = .*)$", lambda m: f"{m.group(1)}, {self.data}", text)
        return re.sub(r"(?m)^MaxQueryExecutionTime = .*$", "MaxQueryExecutionTime = 300", text)

    def start(self) -> None:
        from tests.servers import _executable, _started, _wait_until_answering, free_port, isql

        self.directory.mkdir(parents=True, exist_ok=True)
        sql_port, http_port = free_port(), free_port()
        while http_port == sql_port:
            http_port = free_port()
        (self.directory / "virtuoso.ini").write_text(self._ini(sql_port, http_port))
        self.process = self.stack.enter_context(_started(
            [_executable("virtuoso-t"), "+foreground", "+configfile", str(self.directory / "virtuoso.ini")],
            self.directory, self.directory / "stdout.log"))
        self.base, self.sql_port = f"http://127.0.0.1:{http_port}", sql_port
        _wait_until_answering(f"{self.base}/sparql?query=ASK%7B%7D", self.process, self.directory / "virtuoso.log",
                              timeout=600)
        saved = self.directory / "password"
        if saved.exists():
            self.password = saved.read_text().strip()
        else:  # a new database: the packaged dba password, changed at once
            self.password = secrets.token_hex(12)
            isql(sql_port, "dba", f"user_set_password('dba', '{self.password}');\n")
            saved.write_text(self.password)
            saved.chmod(0o600)

    def load(self) -> dict:
        from registry.namespaces import RegistryIRIs
        from tests.servers import isql

        if self.process is not None:
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
        self.start()
        started = time.perf_counter()
        isql(self.sql_port, self.password,
             f"ld_dir('{self.data}', '*.nq', '{RegistryIRIs().consolidated_graph}');\n"
             "rdf_loader_run();\ncheckpoint;\n", timeout=7200)
        errors = isql(self.sql_port, self.password,
                      "SELECT COUNT(*) FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL;\n")
        if errors.split()[-1:] != ["0"]:
            raise RuntimeError(f"Virtuoso's bulk load reported errors: {errors[-500:]}")
        done = {"load_s": round(time.perf_counter() - started, 1),
                "load_peak_mb": round(_rss_mb(self.process.pid, "VmHWM"))}
        self.marker.write_text(json.dumps(done))
        return done

    def store_spec(self) -> str:
        return f"sparql:{self.base}/sparql-auth,{self.base}/sparql-auth"


BACKEND_CLASSES = {"embedded": Embedded, "oxigraph-server": OxigraphServer, "virtuoso": Virtuoso}


# child processes -----------------------------------------------------------------------------------
def _child(args: list[str], env: dict | None = None) -> dict:
    """Run this script with ``args`` in a process of its own; its last stdout line is JSON."""
    done = subprocess.run([sys.executable, "-m", "bench.bench_scale", *args], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, **(env or {})})
    if done.returncode != 0:
        raise RuntimeError(f"{args[0]} failed:\n{done.stderr[-3000:]}")
    if done.stderr.strip():
        _log(done.stderr.rstrip())
    return json.loads(done.stdout.strip().splitlines()[-1])


def _settings(spec: str):
    from registry.settings import Settings

    password = os.environ.get(PASSWORD_ENV)
    return Settings(store=spec, offline=True, reference_dir=REFERENCE_DIR, data_dir=WORK,
                    store_user="dba" if password else None, store_password=password,
                    query_timeout=300.0, http_timeout=300.0, result_cap=2_000_000)


def load_embedded(path: Path, data: Path) -> dict:
    from registry.store.oxigraph import OxigraphStore

    started = time.perf_counter()
    store = OxigraphStore(path)
    for name in json.loads((data / "manifest.json").read_text())["files"]:
        store.load(data / name, "nq")
    loaded = time.perf_counter() - started
    store._store.optimize()  # what the pipeline benchmark does after its bulk load
    return {"load_s": round(time.perf_counter() - started, 1), "bulk_load_s": round(loaded, 1),
            "load_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def _trend_kwargs(kw: dict, province: str) -> dict:
    out = dict(kw)
    if "filters" in out:
        out["filters"] = {k: [province if v == "PROVINCE" else v for v in vs] for k, vs in out["filters"].items()}
    return out


def probe(spec: str, province: str, repeat: int, summary: str) -> dict:
    """The summary refresh and direct ``registry.trends`` calls, on the fly and from the summary."""
    import inspect

    from registry import trends as trends_module
    from registry.store import open_store

    settings = _settings(spec)
    opened = open_store(settings)
    store = opened.public_view(settings.iris.public_graphs)
    out: dict = {"trends": []}
    try:
        from registry import trend_summary
    except ImportError:
        trend_summary = None
    if trend_summary is not None and summary == "refresh":
        started = time.perf_counter()
        trend_summary.refresh(opened, settings.iris)
        out["summary_refresh_s"] = round(time.perf_counter() - started, 2)
    elif trend_summary is not None and summary == "drop":  # the API then computes every figure on the fly
        opened.drop_graph(trend_summary.summary_graph(settings.iris))
    with_summary = "use_summary" in inspect.signature(trends_module.trends).parameters and summary != "drop"
    for label, metric, kw in TREND_SPECS if repeat > 0 else []:  # --trend-repeat 0: API figures only
        kw = _trend_kwargs(kw, province)
        row = {"name": label}
        modes = [("fly", False), ("summary", True)] if with_summary else [("fly", None)]
        results = {}
        for mode, use in modes:
            extra = {} if use is None else {"use_summary": use}
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                result = trends_module.trends(store, settings.iris, metric, **kw, **extra)
                times.append(time.perf_counter() - started)
            results[mode] = result
            row[mode] = {"first_s": round(times[0], 3), "median_s": round(statistics.median(times), 3),
                         "rows": len(result.rows)}
            if mode == "summary":
                row[mode]["used_summary"] = str(trend_summary.summary_graph(settings.iris)) in result.query
        if "summary" in results:
            row["same_rows"] = results["fly"].rows == results["summary"].rows
        out["trends"].append(row)
        _log(f"  trends {label:36} " + "  ".join(
            f"{m} {row[m]['median_s'] * 1000:8.0f} ms (first {row[m]['first_s'] * 1000:.0f})" for m, _ in modes)
             + (f"  summary used: {row['summary']['used_summary']}, same rows: {row['same_rows']}"
                if "summary" in row else ""))
    opened.close()
    return out


def serve_api(spec: str, port: int) -> None:
    import uvicorn

    from api.app import create_app
    from registry.store import open_store

    settings = _settings(spec)
    store = open_store(settings)
    app = create_app(settings, store)
    started = time.perf_counter()
    from registry.facet_index import facets_for

    facets_for(app.state.names, settings.iris.CC.CitizenCollective)  # the indexes, built before the first request
    print(json.dumps({"name_index_s": round(time.perf_counter() - started, 1)}), flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


class ApiServer:
    """The API over one backend, in its own process on loopback; stopped by its own handle."""

    def __init__(self, backend: Backend):
        from tests.servers import free_port

        self.port = free_port()
        env = {**os.environ}
        if backend.password:
            env[PASSWORD_ENV] = backend.password
        started = time.perf_counter()
        self.process = subprocess.Popen([sys.executable, "-m", "bench.bench_scale", "--serve-api", backend.store_spec(),
                                         "--port", str(self.port)], stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)
        line = self.process.stdout.readline()
        if not line.startswith("{"):
            self.stop()
            raise RuntimeError("the API did not start")
        self.info = json.loads(line)
        from bench.bench_api import get

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if get(self.port, "/health")[0] < 500:
                    break
            except OSError:
                time.sleep(0.1)
        self.info["ready_s"] = round(time.perf_counter() - started, 1)

    def rss(self) -> dict:
        return {"api_rss_mb": round(_rss_mb(self.process.pid)), "api_peak_mb": round(_rss_mb(self.process.pid, "VmHWM"))}

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# the scenarios ------------------------------------------------------------------------------------
def scenarios(manifest: dict, requests: int, trend_requests: int) -> list[tuple[str, list[str], str, int]]:
    sample = manifest["sample"]
    code, province = manifest["municipality"], manifest["province"]
    rare = [s["name"].split()[-1][-5:] for s in sample[:40]]
    return [
        ("lookup /collectives/{id} (JSON-LD)", [f"/collectives/{s['id']}" for s in sample], "application/ld+json",
         requests),
        ("/municipalities/{code}/collectives", [f"/municipalities/{code}/collectives"], "application/json", requests),
        ("filtered search: sector + province", [f"/collectives?sector=energy&province={province}"],
         "application/json", requests),
        ("name search, rare fragment", [f"/collectives?q={q}" for q in rare], "application/json", requests),
        ("name search, common word + total", ["/collectives?q=energie&total=true"], "application/json",
         max(5, requests // 10)),
        ("trends: /stats/trends/active", ["/stats/trends/active"], "application/json", trend_requests),
        ("trends: /stats/trends/flows?sector=energy", ["/stats/trends/flows?sector=energy"], "application/json",
         trend_requests),
        ("trends: flows, sector + province", [f"/stats/trends/flows?sector=energy&province={province}"],
         "application/json", trend_requests),
        ("trends: active, province by sector", [f"/stats/trends/active?province={province}&by=sector"],
         "application/json", trend_requests),
    ]


def one_client(port: int, paths: list[str], count: int, accept: str, budget: float) -> dict:
    """Up to ``count`` GETs in turn over one keep-alive connection, stopping after ``budget`` seconds."""
    import http.client

    from bench.bench_api import get

    latencies, errors = [], []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    for n in range(count):
        if latencies and time.perf_counter() - started > budget:
            break
        path = paths[n % len(paths)]
        t = time.perf_counter()
        try:
            status, _ = get(port, path, accept, connection)
        except OSError as exc:
            errors.append(str(exc))
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            continue
        latencies.append(time.perf_counter() - t)
        if status != 200:
            errors.append(f"{status} {path[:80]}")
    connection.close()
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")  # noqa: E731
    return {"requests": len(latencies), "errors": len(errors), "first_error": errors[0] if errors else None,
            "p50": p(0.50), "p95": p(0.95), "max": latencies[-1] * 1000 if latencies else float("nan")}


def measure_api(api: ApiServer, manifest: dict, requests: int, trend_requests: int, budget: float) -> list[dict]:
    rows = []
    for name, paths, accept, count in scenarios(manifest, requests, trend_requests):
        one_client(api.port, paths, min(5 if count > 20 else 1, count), accept, budget)  # warm-up
        one = one_client(api.port, paths, count, accept, budget)
        rows.append({"name": name, **one})
        _log(f"  api {name:44} p50 {one['p50']:8.1f} ms  p95 {one['p95']:8.1f} ms  n={one['requests']}"
             f"  errors {one['errors']}" + (f" ({one['first_error']})" if one["errors"] else ""))
    return rows


def run(n: int, backend_names: list[str], args) -> list[dict]:
    started = time.perf_counter()
    manifest = prepare(n)
    data = WORK / f"data-{n}"
    _log(f"\n== {n:,} collectives: {manifest['quads']:,} quads in the consolidated graph "
         f"(data ready in {time.perf_counter() - started:.1f} s; busiest municipality {manifest['municipality']} "
         f"with {manifest['in_municipality']}, province {manifest['province']} with {manifest['in_province']})")
    results = []
    for name in backend_names:
        backend = BACKEND_CLASSES[name](n, data)
        result = {"size": n, "backend": name, "quads": manifest["quads"]}
        try:
            loaded = backend.loaded() if args.reuse else None
            fresh = loaded is None
            if fresh:
                loaded = backend.load()
            result.update(loaded, reused=not fresh)
            if backend.process is None:
                backend.start()
            result["disk_mb"] = backend.disk_mb()
            _log(f"{name}: loaded in {loaded['load_s']} s{' (earlier run)' if not fresh else ''}, load peak "
                 f"{loaded['load_peak_mb']} MB, {result['disk_mb']:.0f} MB on disk")
            env = {PASSWORD_ENV: backend.password} if backend.password else None
            result.update(_child(["--probe", backend.store_spec(), "--province", manifest["province"],
                                  "--repeat", str(args.trend_repeat), "--summary", args.summary], env=env))
            api = ApiServer(backend)
            try:
                result.update(api.info)
                result.update(api.rss())
                _log(f"  api ready in {api.info['ready_s']} s (name index {api.info['name_index_s']} s), "
                     f"{result['api_rss_mb']} MB")
                result["scenarios"] = measure_api(api, manifest, args.requests, args.trend_requests,
                                                  args.scenario_seconds)
                result.update({f"{k}_after": v for k, v in api.rss().items()})
                result.update(backend.server_rss())
                result["loadavg"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
            finally:
                api.stop()
        finally:
            backend.stop()
        results.append(result)
    return results


def table(results: list[dict]) -> str:
    lines = ["| size | backend | load s | load peak MB | disk MB | API RSS MB | server RSS MB | summary refresh s | "
             "load average |", "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['size']:,} | {r['backend']} | {r['load_s']}{' (earlier run)' if r.get('reused') else ''} | "
                     f"{r['load_peak_mb']} | {r['disk_mb']:.0f} | {r.get('api_rss_mb_after', r.get('api_rss_mb'))} | "
                     f"{r.get('server_rss_mb', '—')} | {r.get('summary_refresh_s', '—')} | {r.get('loadavg', '')} |")
    lines += ["", "| size | backend | scenario | p50 ms | p95 ms | requests | errors |", "|---|---|---|---|---|---|---|"]
    for r in results:
        for s in r.get("scenarios", []):
            lines.append(f"| {r['size']:,} | {r['backend']} | {s['name']} | {s['p50']:.1f} | {s['p95']:.1f} | "
                         f"{s['requests']} | {s['errors']} |")
    lines += ["", "| size | backend | registry.trends | on the fly, median (first) ms | from the summary ms | same rows |",
              "|---|---|---|---|---|---|"]
    for r in results:
        for t in r.get("trends", []):
            summary = t.get("summary")
            lines.append(f"| {r['size']:,} | {r['backend']} | {t['name']} | {t['fly']['median_s'] * 1000:.0f} "
                         f"({t['fly']['first_s'] * 1000:.0f}) | "
                         + (f"{summary['median_s'] * 1000:.1f}" + ("" if summary["used_summary"] else " (not used)")
                            if summary else "—") + f" | {t.get('same_rows', '—')} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--requests", type=int, default=200, help="requests per scenario (one client)")
    parser.add_argument("--trend-requests", type=int, default=5, help="requests per /stats/trends scenario")
    parser.add_argument("--trend-repeat", type=int, default=3,
                        help="direct registry.trends calls per figure (0: none)")
    parser.add_argument("--scenario-seconds", type=float, default=120.0,
                        help="stop a scenario after this long (its p50/p95 are over the requests made)")
    parser.add_argument("--reuse", action="store_true", help="keep and reuse loaded stores and generated data")
    parser.add_argument("--keep", action="store_true", help="leave bench/.work/scale in place at the end")
    parser.add_argument("--summary", choices=("refresh", "keep", "drop"), default="refresh",
                        help="refresh the trend summary as the build does (default), keep the one a reused store "
                             "holds, or drop it so that the API computes every trend on the fly (the figures "
                             "before the summary)")
    parser.add_argument("--virtuoso-buffers", type=int, default=Virtuoso.buffers,
                        help="Virtuoso's NumberOfBuffers (8 kB pages)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    # internal: the child processes
    parser.add_argument("--load-embedded", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--probe", help=argparse.SUPPRESS)
    parser.add_argument("--province", help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=3, help=argparse.SUPPRESS)
    parser.add_argument("--serve-api", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.load_embedded:
        print(json.dumps(load_embedded(args.load_embedded, args.data)))
        return 0
    if args.probe:
        print(json.dumps(probe(args.probe, args.province, args.repeat, args.summary)))
        return 0
    if args.serve_api:
        serve_api(args.serve_api, args.port)
        return 0
    Virtuoso.buffers = args.virtuoso_buffers
    results = []
    try:
        for n in args.sizes:
            results += run(n, args.backends, args)
            if args.json:
                args.json.write_text(json.dumps(results, indent=2) + "\n")
    finally:
        if not args.keep and not args.reuse:
            shutil.rmtree(WORK, ignore_errors=True)
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
