"""Build pipeline stages: time and peak memory per stage, and their growth from size to size.

Run from the project root::

    .venv/bin/python -m bench.bench_pipeline --collectives 10000 100000 [--stages generate validate load query consolidate dump]

Each stage runs in its own process (so its peak RSS is its own, read with
``resource.getrusage``: the stage process and, for validation, its worker processes), on files
left by the stage before it under ``bench/.work/pipeline-{n}/``:

- ``generate``: the synthetic collectives' source records as N-Quads, one file per source
  (what the harvesters' transform stage produces);
- ``validate``: the fast SHACL engine on 2 processes; valid records to ``valid/``, the others counted;
- ``load``: Oxigraph on disk, bulk load of the valid records (one named graph per source), or of
  all generated records when ``validate`` did not run (at 1M collectives, say);
- ``query``: count by sector × founding year, and one municipality + sector sorted by name;
- ``consolidate``: ``registry.consolidation.consolidate`` (matching, merging, lifecycles, consolidated
  graph); named twice, the second is a rebuild (reported as ``consolidate#2``);
- ``derive``: the trend summary the build refreshes after consolidation (``registry.trend_summary``);
- ``dump``: the whole store as N-Quads.
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = ROOT / "bench" / ".work"
STAGES = ["generate", "validate", "load", "query", "consolidate", "derive", "dump"]


def _stage(name: str, n: int, seed: int) -> dict:
    directory = WORK / f"pipeline-{n}"
    info: dict = {}
    started = time.perf_counter()
    if name == "generate":
        from bench.generator import Generator

        shutil.rmtree(directory, ignore_errors=True)
        manifest = Generator(n, seed, fault_rate=0.01).write(directory / "records")
        info = {"records": manifest["records"], "quads": manifest["quads"]}
    elif name == "validate":
        from registry.fastshacl.parallel import ParallelValidator

        manifest = json.loads((directory / "records" / "manifest.json").read_text())
        (directory / "valid").mkdir(exist_ok=True)
        valid = invalid = 0
        with ParallelValidator(processes=2) as pv:
            for source in manifest["sources"].values():
                with (directory / "records" / source["file"]).open(encoding="utf-8") as handle, \
                        (directory / "valid" / source["file"]).open("w", encoding="utf-8") as out:
                    for lines, summary in pv.validate_lines(handle):
                        if summary.conforms:
                            out.writelines(lines)
                            valid += 1
                        else:
                            invalid += 1
        info = {"valid": valid, "invalid": invalid}
    elif name == "load":
        import pyoxigraph as ox

        shutil.rmtree(directory / "store", ignore_errors=True)
        # the validated records when the validate stage ran, else the generated ones (1 % faulty)
        source = directory / "valid" if (directory / "valid").is_dir() else directory / "records"
        store = ox.Store(str(directory / "store"))
        for path in sorted(source.glob("*.nq")):
            store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        t = time.perf_counter()
        store.optimize()
        info = {"from": source.name, "optimize_s": round(time.perf_counter() - t, 1), "quads": len(store)}
    elif name == "query":
        import pyoxigraph as ox

        store = ox.Store.read_only(str(directory / "store"))
        cc = "https://w3id.org/collectives-nl/def#"
        timings = {}
        t = time.perf_counter()
        rows = list(store.query(f"""SELECT ?sector ?year (COUNT(*) AS ?n) WHERE {{
            ?c <{cc}sector> ?sector ; <{cc}lifecycleEvent> ?e . ?e <{cc}eventType> ?type ; <{cc}eventYear> ?year .
            FILTER (STRENDS(STR(?type), "/founding")) }} GROUP BY ?sector ?year""", use_default_graph_as_union=True))
        timings["sector_x_year_ms"] = round((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        list(store.query(f"""SELECT ?c ?name WHERE {{
            ?c <{cc}municipality> <https://identifier.overheid.nl/tooi/id/gemeente/gm0363> ;
               <{cc}sector> <https://w3id.org/collectives-nl/def/sector/energy> ; <http://schema.org/name> ?name }}
            ORDER BY ?name LIMIT 50""", use_default_graph_as_union=True))
        timings["municipality_sector_ms"] = round((time.perf_counter() - t) * 1000)
        info = {"groups": len(rows), **timings}
    elif name == "consolidate":
        from registry.consolidation import consolidate
        from registry.namespaces import RegistryIRIs
        from registry.store.oxigraph import OxigraphStore

        store = OxigraphStore(directory / "store")
        report = consolidate(store, RegistryIRIs())
        info = {"canonical": len(set(report.canonical_of.values())), "phases": report.seconds,
                "peak_rss_mb_after_phase": report.peak_rss_mb}
        store.close()
    elif name == "derive":
        from registry import trend_summary
        from registry.namespaces import RegistryIRIs
        from registry.store.oxigraph import OxigraphStore

        store = OxigraphStore(directory / "store")
        cells = trend_summary.refresh(store, RegistryIRIs())
        info = {"summary_cells": sum(cells.values())}
        store.close()
    elif name == "dump":
        import pyoxigraph as ox

        store = ox.Store.read_only(str(directory / "store"))
        with (directory / "dump.nq").open("wb") as out:
            store.dump(out, format=ox.RdfFormat.N_QUADS)
        info = {"bytes": (directory / "dump.nq").stat().st_size}
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"stage": name, "seconds": round(seconds, 2), "peak_rss_mb": round(own),
            "workers_peak_rss_mb": round(children) if children else None, **info}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--collectives", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--stages", nargs="+", default=STAGES, choices=STAGES)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", nargs=2, metavar=("STAGE", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(_stage(args.one[0], int(args.one[1]), args.seed)))
        return 0
    table: dict[int, dict] = {}
    for n in args.collectives:
        table[n] = {}
        for i, stage in enumerate(args.stages):
            done = subprocess.run([sys.executable, "-m", "bench.bench_pipeline", "--one", stage, str(n),
                                   "--seed", str(args.seed)], cwd=ROOT, capture_output=True, text=True)
            if done.returncode != 0:
                print(f"{n} {stage}: failed\n{done.stderr[-3000:]}", file=sys.stderr)
                continue
            result = json.loads(done.stdout.strip().splitlines()[-1])
            repeated = args.stages[:i + 1].count(stage)
            table[n][stage if repeated == 1 else f"{stage}#{repeated}"] = result
            print(json.dumps({"collectives": n, **result}), flush=True)
        total = sum(r["seconds"] for r in table[n].values())
        peak = max((max(r["peak_rss_mb"], r["workers_peak_rss_mb"] or 0) for r in table[n].values()), default=0)
        print(f"{n} collectives: total {total:.1f} s, highest stage peak {peak} MB", flush=True)
    sizes = sorted(table)
    for small, large in zip(sizes, sizes[1:]):
        print(f"\ngrowth {small} → {large} ({large / small:.0f}× collectives):")
        for stage in table[large]:
            a, b = table[small].get(stage), table[large].get(stage)
            if a and b and a["seconds"]:
                print(f"  {stage:12} time {b['seconds'] / a['seconds']:.1f}×, peak RSS {b['peak_rss_mb'] / a['peak_rss_mb']:.1f}×")
    if args.json:
        args.json.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
