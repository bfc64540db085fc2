"""SHACL validation throughput: pySHACL, the fast engine and Apache Jena on the same records.

Run from the project root::

    .venv/bin/python -m bench.bench_validation --collectives 1000 10000 [--pyshacl-whole-max 10000]

For each size: generate the collectives (seed 1, 1 % of records with one injected fault), write
the records as N-Triples plus the ontology and vocabularies (what every engine validates) and
the shapes as one Turtle file, then time:

- pySHACL per record (``registry.validation.Validator``) on a sample of records (it is slow);
- pySHACL on the whole graph (sizes up to ``--pyshacl-whole-max``), parse time apart;
- the fast engine from the N-Quads files, parsing included, in 1 and 2 processes;
- the fast engine on the same sample as pySHACL per record (results must be equal);
- Jena ``shacl validate`` (JVM start and parsing included).

Printed: records/s per engine, the ratios fast/pySHACL and fast/Jena, and the number of distinct
results each engine found (focus, path, value, shape, severity), which must agree.
"""
from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

from bench import jena  # noqa: E402
from bench.generator import Generator, SyntheticRecord, record_graph  # noqa: E402
from registry.fastshacl import FastValidator  # noqa: E402
from registry.fastshacl.parallel import ParallelValidator  # noqa: E402
from registry.model import load_ontology, load_shapes  # noqa: E402
from registry.store.terms import to_oxigraph  # noqa: E402
from registry.validation import Validator  # noqa: E402

WORK = ROOT / "bench" / ".work"


def _key(focus, path, value, shape, severity) -> tuple:
    """Engines print paths and literals differently: compare IRIs and lexical forms."""
    path = path if path and str(path).startswith("http") else None
    return (str(focus), None if path is None else str(path), None if value is None else str(value),
            str(shape), str(severity))


def prepare(n: int, seed: int, fault_rate: float) -> tuple[Path, dict, list[SyntheticRecord]]:
    out = WORK / f"validation-{n}"
    manifest = Generator(n, seed, fault_rate=fault_rate).write(out)
    # N-Triples of every record plus the ontology and vocabularies, and one shapes file
    ontology = load_ontology()
    with (out / "data.nt").open("w", encoding="utf-8") as nt:
        for source in manifest["sources"].values():
            with (out / source["file"]).open(encoding="utf-8") as nq:
                for line in nq:
                    nt.write(line.rsplit(" ", 2)[0] + " .\n")
        nt.write(ox.serialize([ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in ontology],
                              format=ox.RdfFormat.N_TRIPLES).decode("utf-8"))
    load_shapes().serialize(out / "shapes.ttl", format="turtle")
    jena.shapes_for_jena(load_shapes()).serialize(out / "shapes-jena.ttl", format="turtle")
    return out, manifest, []


def sample_records(n: int, seed: int, fault_rate: float, size: int) -> list[SyntheticRecord]:
    records = list(Generator(n, seed, fault_rate=fault_rate).records())
    rng = random.Random(seed)
    faulty = [r for r in records if r.fault]
    chosen = rng.sample(records, min(size, len(records)))
    return chosen + [r for r in faulty if r not in chosen][:max(0, size // 10)]


def run(n: int, seed: int, fault_rate: float, sample: int, whole_max: int) -> dict:
    out, manifest, _ = prepare(n, seed, fault_rate)
    records = manifest["records"]
    row: dict = {"collectives": n, "records": records, "quads": manifest["quads"], "engines": {}}
    engines = row["engines"]

    # fast engine, end to end from the N-Quads files (parse included), 1 and 2 processes
    fast_results: set = set()
    for processes in (1, 2):
        gc.collect()
        started = time.perf_counter()
        found: set = set()
        count = violations = 0
        with ParallelValidator(processes=processes) as pv:
            ready = time.perf_counter()
            for source in manifest["sources"].values():
                with (out / source["file"]).open(encoding="utf-8") as handle:
                    for _, summary in pv.validate_lines(handle):
                        count += 1
                        violations += summary.violations
                        found.update(_key(*r) for r in summary.results)
        seconds = time.perf_counter() - started
        engines[f"fast, {processes} process{'es' if processes > 1 else ''}"] = {
            "seconds": round(seconds, 2), "startup_seconds": round(ready - started, 2),
            "records_per_s": round(count / seconds), "violations": len(found)}
        fast_results = found

    # Jena: JVM start and parsing included
    if jena.available():
        run_ = jena.validate(out / "shapes-jena.ttl", out / "data.nt")
        jena_violations = {r for r in run_.results if r[4] == "Violation"}
        engines["Jena shacl validate"] = {"seconds": round(run_.seconds, 2),
                                          "records_per_s": round(records / run_.seconds),
                                          "violations": len({_key(*r) for r in jena_violations}),
                                          "same_violations_as_fast": {_key(*r) for r in jena_violations} == fast_results}

    # pySHACL on the whole graph
    if n <= whole_max:
        import pyshacl
        from rdflib import Graph

        started = time.perf_counter()
        graph = Graph().parse(out / "data.nt", format="nt")
        parsed = time.perf_counter() - started
        shapes = load_shapes()
        started = time.perf_counter()
        _, report, _ = pyshacl.validate(graph, shacl_graph=shapes, inference="none", allow_warnings=True, inplace=True)
        seconds = time.perf_counter() - started
        validator = Validator()
        from rdflib.namespace import SH
        whole = {_key(r.focus_node, r.path, r.value, r.source_shape, r.severity)
                 for r in (validator._result(report, node) for node in report.objects(None, SH.result))
                 if r.severity == "Violation"}
        engines["pySHACL, whole graph"] = {"seconds": round(seconds, 2), "parse_seconds": round(parsed, 2),
                                           "records_per_s": round(records / seconds), "violations": len(whole),
                                           "same_violations_as_fast": whole == fast_results}
        del graph, report

    # per record: pySHACL and the fast engine on the same sample of record graphs
    chosen = sample_records(n, seed, fault_rate, sample)
    graphs = [record_graph(r) for r in chosen]
    slow, fast = Validator(), FastValidator()
    started = time.perf_counter()
    slow_reports = [slow.validate(g) for g in graphs]
    slow_seconds = time.perf_counter() - started
    started = time.perf_counter()
    fast_reports = fast.validate_batch(graphs)
    fast_seconds = time.perf_counter() - started
    keys = [lambda rep: {(r.focus_node, r.path, r.value, r.source_shape, r.severity) for r in rep.results}]
    equal = all(keys[0](a) == keys[0](b) for a, b in zip(slow_reports, fast_reports))
    engines["pySHACL, per record (sample)"] = {
        "records": len(graphs), "seconds": round(slow_seconds, 2), "records_per_s": round(len(graphs) / slow_seconds, 1),
        "results": sum(len(r.results) for r in slow_reports)}
    engines["fast, per record (same sample, rdflib graphs)"] = {
        "records": len(graphs), "seconds": round(fast_seconds, 3), "records_per_s": round(len(graphs) / fast_seconds),
        "results": sum(len(r.results) for r in fast_reports), "same_results_as_pyshacl": equal}

    fast1 = engines["fast, 1 process"]["records_per_s"]
    fast2 = engines["fast, 2 processes"]["records_per_s"]
    best = max(fast1, fast2)
    row["ratios"] = {
        "fast (best) / pySHACL per record": round(best / engines["pySHACL, per record (sample)"]["records_per_s"], 1)}
    if "pySHACL, whole graph" in engines:
        row["ratios"]["fast (best) / pySHACL whole graph"] = round(best / engines["pySHACL, whole graph"]["records_per_s"], 1)
    if "Jena shacl validate" in engines:
        row["ratios"]["fast (best) / Jena"] = round(best / engines["Jena shacl validate"]["records_per_s"], 2)
    return row


def print_table(row: dict) -> None:
    print(f"\n{row['collectives']} collectives, {row['records']} records, {row['quads']} quads")
    print(f"{'engine':48} {'seconds':>9} {'records/s':>10} {'violations/results':>19}  agrees")
    for name, e in row["engines"].items():
        count = e.get("violations", e.get("results"))
        agrees = e.get("same_violations_as_fast", e.get("same_results_as_pyshacl", ""))
        print(f"{name:48} {e['seconds']:>9} {e['records_per_s']:>10} {count:>19}  {agrees}")
    for name, ratio in row["ratios"].items():
        print(f"  {name}: {ratio}×")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--collectives", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--faults", type=float, default=0.01)
    parser.add_argument("--sample", type=int, default=200, help="records validated one by one by pySHACL")
    parser.add_argument("--pyshacl-whole-max", type=int, default=10000)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    rows = []
    for n in args.collectives:
        row = run(n, args.seed, args.faults, args.sample, args.pyshacl_whole_max)
        print_table(row)
        rows.append(row)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
