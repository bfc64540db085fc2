"""The ``collectives`` command: the composition root that wires registry, harvesters and api.

Exit codes: 0 success (``validate``: conforms), 1 ``validate``: does not conform / a source run
failed, 2 usage or runtime error. Progress goes to stderr, data to stdout.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from datetime import date
from pathlib import Path

from .errors import RegistryError
from .stats_cli import add_stats_command
from .settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2


def _settings(args) -> Settings:
    settings = Settings.from_env()
    if getattr(args, "offline", False):
        settings = settings.with_(offline=True)
    if getattr(args, "record", None):
        settings = settings.with_(recordings_dir=Path(args.record), record=True)
    return settings


def _store(settings: Settings):
    from .store import open_store
    return open_store(settings)


def _print_json(data) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def cmd_build(args) -> int:
    from harvesters.build import build
    from .lock import build_lock
    settings = _settings(args)
    with build_lock(settings.data_dir, wait=args.wait), _store(settings) as store:
        reports = build(settings, store)
    if args.json:
        _print_json([r.to_dict() for r in reports])
    return EXIT_OK if all(r.status == "completed" for r in reports) else EXIT_FAILED


def cmd_harvest(args) -> int:
    from harvesters.build import harvest
    from harvesters.config import load_sources, select_sources
    settings = _settings(args)
    sources = select_sources(load_sources(settings.sources_file), args.source)
    from .lock import build_lock
    with build_lock(settings.data_dir, wait=args.wait), _store(settings) as store:
        reports = harvest(settings, store, sources, since=args.since)
        from harvesters.build import consolidate_sources
        consolidate_sources(settings, store)
    if args.json:
        _print_json([r.to_dict() for r in reports])
    return EXIT_OK if all(r.status == "completed" for r in reports) else EXIT_FAILED


def cmd_sources(args) -> int:
    from harvesters.config import load_sources
    from harvesters.status import source_status
    settings = _settings(args)
    sources = load_sources(settings.sources_file)
    with _store(settings) as store:
        rows = source_status(store, settings.iris, sources)
    if args.json:
        _print_json(rows)
    else:
        _print_table(rows, ["name", "kind", "enabled", "last_run", "status", "valid", "invalid", "vanished", "errors"])
    return EXIT_OK


def cmd_validate(args) -> int:
    from .validation import Validator, parse_rdf_file
    settings = _settings(args)
    validator = Validator(settings.iris)
    try:
        graph = settings.iris.bind(__import__("rdflib").Graph())
        for path in args.files:
            graph += parse_rdf_file(Path(path))
    except RegistryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    report = validator.validate(graph)
    if args.json:
        _print_json(report.to_dict(lang=args.lang))
    else:
        print(report.to_text(lang=args.lang))
    return EXIT_OK if report.conforms else EXIT_FAILED


def cmd_load(args) -> int:
    settings = _settings(args)
    graph = settings.iris.graph(args.graph) if "://" not in args.graph else args.graph
    from rdflib import URIRef
    with _store(settings) as store:
        for path in args.files:
            fmt = Path(path).suffix.lstrip(".") or "nt"
            store.load(path, {"ttl": "ttl", "nt": "nt", "nq": "nq", "jsonld": "jsonld", "rdf": "rdf",
                              "xml": "rdf", "trig": "trig"}.get(fmt, fmt), URIRef(graph))
        print(f"loaded {len(args.files)} file(s) into <{graph}>", file=sys.stderr)
    return EXIT_OK


def cmd_query(args) -> int:
    settings = _settings(args)
    text = Path(args.sparql[1:]).read_text() if args.sparql.startswith("@") else args.sparql
    with _store(settings).public_view(settings.iris.public_graphs) as store:
        if args.format == "json":
            body, _ = store.query_serialized(text, "application/sparql-results+json")
            sys.stdout.write(body.decode() + "\n")
            return EXIT_OK
        rows = store.select(text)
    columns = list(dict.fromkeys(k for row in rows for k in row))
    table = [{c: str(row.get(c, "")) for c in columns} for row in rows]
    if args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=columns)
        writer.writeheader()
        writer.writerows(table)
    else:
        _print_table(table, columns)
    return EXIT_OK


def cmd_export(args) -> int:
    from .export import export_dataset
    settings = _settings(args)
    out = Path(args.out) if args.out else settings.data_dir / "backups" / f"registry-{date.today().isoformat()}.nq.gz"
    with _store(settings) as store:
        export_dataset(store, out)
    print(out)
    return EXIT_OK


def cmd_import(args) -> int:
    from .export import import_dataset
    from .lock import build_lock
    settings = _settings(args)
    with build_lock(settings.data_dir), _store(settings) as store:
        import_dataset(store, Path(args.file), replace=args.replace)
        graphs = [str(g) for g in store.graphs()]
    if args.json:
        _print_json(graphs)
    else:
        print(f"imported {args.file}: {len(graphs)} named graphs", file=sys.stderr)
    return EXIT_OK


def cmd_serve(args) -> int:
    import uvicorn
    from api.app import create_app
    from harvesters.build import BuildSteps
    settings = _settings(args)
    host = args.host or os.environ.get("HOST", "127.0.0.1")
    port = int(args.port or os.environ.get("PORT", "8000"))
    uvicorn.run(create_app(settings, build_steps=BuildSteps()), host=host, port=port, log_level="info", root_path=settings.root_path,
                proxy_headers=True, forwarded_allow_ips="127.0.0.1")
    return EXIT_OK


def _print_table(rows: list[dict], columns: list[str]) -> None:
    if not columns:
        print("(no results)")
        return
    widths = {c: max([len(c)] + [len(str(r.get(c, ""))) for r in rows]) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    print("  ".join("-" * widths[c] for c in columns))
    for row in rows:
        print("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="collectives", description="Registry of Dutch citizen collectives")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("build", help="harvest every enabled source into the store")
    s.add_argument("--offline", action="store_true", help="read recordings and local copies only")
    s.add_argument("--record", metavar="DIR", help="record every live response into DIR")
    s.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="wait this long for another running build instead of refusing")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_build)

    s = sub.add_parser("harvest", help="harvest the named sources")
    s.add_argument("source", nargs="+")
    s.add_argument("--offline", action="store_true", help="read recordings and local copies only")
    s.add_argument("--record", metavar="DIR", help="record every live response into DIR")
    s.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD",
                   help="ask sources that can for changes since a date; keep unseen records as they are")
    s.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="wait this long for another running build instead of refusing")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_harvest)

    s = sub.add_parser("sources", help="configured sources and their last run")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_sources)

    s = sub.add_parser("validate", help="check RDF files against the shapes (exit 0 conforms, 1 not, 2 error)")
    s.add_argument("files", nargs="+")
    s.add_argument("--json", action="store_true")
    s.add_argument("--lang", choices=["en", "nl"], default="en")
    s.set_defaults(func=cmd_validate)

    s = sub.add_parser("load", help="load RDF files into a named graph")
    s.add_argument("files", nargs="+")
    s.add_argument("--graph", required=True, help="graph name (under {base}graph/) or full IRI")
    s.set_defaults(func=cmd_load)

    s = sub.add_parser("query", help="run a SPARQL query (text, or @file)")
    s.add_argument("sparql")
    s.add_argument("--format", choices=["table", "csv", "json"], default="table")
    s.set_defaults(func=cmd_query)

    add_stats_command(sub)

    s = sub.add_parser("export", help="back up every named graph as gzipped N-Quads")
    s.add_argument("--out", metavar="FILE", help="default: {data_dir}/backups/registry-DATE.nq.gz")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("import", help="restore a backup made with export")
    s.add_argument("file")
    s.add_argument("--replace", action="store_true", help="drop every named graph first")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_import)

    s = sub.add_parser("serve", help="serve the API (HOST and PORT from the environment)")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.add_argument("--offline", action="store_true")
    s.set_defaults(func=cmd_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except RegistryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
