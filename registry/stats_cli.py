"""``collectives stats`` and its subcommands: summary, trends, survival, coverage, conflicts.

``collectives stats`` alone keeps its summary by sector and province (``--json``,
``--show-query``). The subcommands print rows as a table, JSON or CSV (``--format``), draw a
chart (``--plot trends.png`` or ``.svg``) and print the SPARQL behind the figure
(``--show-query``, without running it)::

    collectives stats trends --by sector,year --format csv --plot active.png
    collectives stats trends --metric flows --sector energy --province pv27
    collectives stats survival --after 5
    collectives stats coverage --by source
    collectives stats conflicts --format json
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import date

FILTER_OPTIONS = ("sector", "collective-type", "legal-form", "province", "municipality", "network")


def _context():
    from .settings import Settings
    from .store import open_store
    settings = Settings.from_env()
    return settings, open_store(settings).public_view(settings.iris.public_graphs)


def _emit(columns: list[str], rows: list[dict], fmt: str, out=None) -> None:
    out = out or sys.stdout
    if fmt == "json":
        json.dump(rows, out, indent=2, ensure_ascii=False, default=str)
        out.write("\n")
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        if not rows:
            out.write("(no results)\n")
            return
        widths = {c: max([len(c)] + [len(str(r.get(c, ""))) for r in rows]) for c in columns}
        out.write("  ".join(c.ljust(widths[c]) for c in columns) + "\n")
        out.write("  ".join("-" * widths[c] for c in columns) + "\n")
        for row in rows:
            out.write("  ".join(str("" if row.get(c) is None else row.get(c)).ljust(widths[c]) for c in columns) + "\n")


def _filters(args) -> dict[str, list[str]]:
    filters = {}
    for name in FILTER_OPTIONS:
        values = getattr(args, name.replace("-", "_"), None) or []
        flat = [v.strip() for value in values for v in value.split(",") if v.strip()]
        if flat:
            filters[name] = flat
    return filters


def _add_common(parser: argparse.ArgumentParser) -> None:
    for name in FILTER_OPTIONS:
        parser.add_argument(f"--{name}", action="append", metavar="CODE",
                            help=f"only collectives with this {name.replace('-', ' ')} (repeat or comma-separate)")
    parser.add_argument("--format", choices=["table", "json", "csv"], default="table")
    parser.add_argument("--json", action="store_const", const="json", dest="format", help="same as --format json")
    parser.add_argument("--plot", metavar="FILE", help="write a chart (.png or .svg)")
    parser.add_argument("--show-query", action="store_true", help="print the SPARQL behind the figure and stop")
    parser.add_argument("--no-summary", action="store_true",
                        help="count over the consolidated graph, not from the counts precomputed by the build")


def _run_trend(args, metric: str, **kw) -> int:
    from .trends import planned_query, plot, trends
    settings, store = _context()
    iris = settings.iris
    by = [d.strip() for d in (getattr(args, "by", None) or "").split(",") if d.strip()]
    filters = _filters(args)
    use_summary = not getattr(args, "no_summary", False)
    if args.show_query:  # the query the run would make: over the precomputed counts when they give the figure
        spec_kw = {k: v for k, v in kw.items() if k != "populations"}
        with store:
            print(planned_query(store, iris, metric, by=by, filters=filters, use_summary=use_summary, **spec_kw))
        return 0
    with store:
        result = trends(store, iris, metric, by=by, filters=filters, use_summary=use_summary, **kw)
    _emit(result.columns, result.rows, args.format)
    if args.plot:
        path = plot(result, args.plot)
        print(f"chart written to {path}", file=sys.stderr)
    return 0


def cmd_summary(args) -> int:
    from .stats import summary, summary_queries
    settings, store = _context()
    if args.show_query:
        for name, query in summary_queries(settings.iris).items():
            print(f"# {name}\n{query}\n")
        return 0
    with store:
        result = summary(store, settings.iris)
    if args.json:
        json.dump(result, sys.stdout, indent=2, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
    else:
        for name, rows in result.items():
            print(f"== {name.replace('_', ' ')}")
            _emit(list(rows[0]) if rows else [], rows, "table")
    return 0


def cmd_trends(args) -> int:
    years = None
    if args.first or args.last:
        years = (args.first or 1900, args.last or date.today().year)
    at = date.fromisoformat(args.at) if args.at else None
    metric = "active-at" if (args.metric == "active" and at) else args.metric
    return _run_trend(args, metric, years=years, at=at)


def cmd_survival(args) -> int:
    return _run_trend(args, "survival", after=args.after, until=args.until)


def cmd_coverage(args) -> int:
    populations = None
    if args.population:
        populations = {}
        with open(args.population, encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                code, people = (row.get("municipality") or row.get("code") or ""), row.get("population")
                if code and people:
                    populations[code.strip().lower()] = int(people)
    metric = "sources" if args.by == "source" else "municipalities"
    if metric == "sources":
        args.by = None
        return _run_trend(args, metric)
    args.by = None
    return _run_trend(args, metric, populations=populations)


def cmd_conflicts(args) -> int:
    from .consolidation import conflicts, conflicts_query
    settings, store = _context()
    if args.show_query:
        print(conflicts_query(settings.iris))
        return 0
    with store:
        rows = conflicts(store, settings.iris)
    columns = ["collective", "property", "value", "chosen", "sources", "records"]
    if args.format != "json":
        rows = [{**r, "sources": " ".join(r["sources"]), "records": " ".join(r["records"])} for r in rows]
    _emit(columns, rows, args.format)
    return 0


def add_stats_command(subparsers) -> argparse.ArgumentParser:
    """Register ``collectives stats`` (summary) with its subcommands on an argparse subparsers object."""
    stats = subparsers.add_parser("stats", help="counts and trends, each with its SPARQL (--show-query)")
    stats.add_argument("--json", action="store_true")
    stats.add_argument("--show-query", action="store_true", help="print the SPARQL behind each figure")
    stats.set_defaults(func=cmd_summary)
    sub = stats.add_subparsers(dest="stats_command", metavar="{trends,survival,coverage,conflicts}")

    p = sub.add_parser("trends", help="active collectives per year, foundings/dissolutions, indicators")
    p.add_argument("--metric", choices=["active", "flows", "indicators"], default="active",
                   help="active: at the end of each year (or --at a date); flows: foundings, dissolutions, "
                        "net growth; indicators: sums per year")
    p.add_argument("--by", default="year", help="dimensions, comma-separated: year plus any of "
                   + ", ".join(FILTER_OPTIONS))
    p.add_argument("--from", dest="first", type=int, help="first year (active)")
    p.add_argument("--to", dest="last", type=int, help="last year (active)")
    p.add_argument("--at", help="a date (YYYY-MM-DD): collectives active on that day")
    _add_common(p)
    p.set_defaults(func=cmd_trends)

    p = sub.add_parser("survival", help="share of each founding cohort still active after N years")
    p.add_argument("--after", type=int, default=5, help="years after founding (default 5)")
    p.add_argument("--until", type=int, help="last complete year (default: this year)")
    p.add_argument("--by", default="", help="dimensions, comma-separated")
    _add_common(p)
    p.set_defaults(func=cmd_survival)

    p = sub.add_parser("coverage", help="collectives per municipality or per source")
    p.add_argument("--by", choices=["municipality", "source"], default="municipality")
    p.add_argument("--population", metavar="CSV", help="columns municipality (gm0363), population")
    _add_common(p)
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser("conflicts", help="facts on which sources disagree, with the chosen value")
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")
    p.add_argument("--json", action="store_const", const="json", dest="format")
    p.add_argument("--show-query", action="store_true")
    p.set_defaults(func=cmd_conflicts)
    return stats

