"""Running protocol queries: bounded in time (a worker thread we stop waiting for) and in size.

pyoxigraph has no timeout option, so each query runs in a small, bounded pool of worker threads;
after ``query_timeout`` seconds the request answers ``query_timeout`` and the worker is told to stop
at its next solution. SELECT solutions and CONSTRUCT triples are counted as they stream and the
query stops past ``result_cap`` with ``result_too_large``: a client never gets a silently cut result.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass

import pyoxigraph as ox

from registry.errors import QuerySyntaxError, QueryTimeout, StoreError
from registry.namespaces import STANDARD_PREFIXES
from registry.store import Store
from registry.store.base import RDF_FORMATS, RESULT_FORMATS

from ..problems import Problem, ResultTooLarge

BUSY_WAIT = 1.0  # seconds a request waits for a free query slot
RETRY_AFTER = 2  # seconds a refused client is asked to wait
RESULT_MEDIA_TYPES = list(RESULT_FORMATS.values())  # json first: the default
GRAPH_MEDIA_TYPES = ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"]
def offered_media_types(form: str | None) -> list[str]:
    return GRAPH_MEDIA_TYPES if form == "graph" else RESULT_MEDIA_TYPES


@dataclass
class QueryResult:
    body: bytes
    form: str
    media_type: str


def _term_json(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _term_json(term.subject),
                                            "predicate": _term_json(term.predicate),
                                            "object": _term_json(term.object)}}
    raise TypeError(f"unexpected term {term!r}")


def _solutions_json(variables: list[str], rows: list) -> bytes:
    bindings = []
    for row in rows:
        binding = {}
        for name in variables:
            value = row[name]
            if value is not None:
                binding[name] = _term_json(value)
        bindings.append(binding)
    return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class _Cancelled(Exception):
    pass


def _collect(iterator, cap: int, cancel: threading.Event, what: str) -> list:
    items = []
    for item in iterator:
        if cancel.is_set():
            raise _Cancelled()
        items.append(item)
        if len(items) > cap:
            raise ResultTooLarge(f"the query gives more than {cap} {what}; add a LIMIT or narrow it down")
    return items


def _run_oxigraph(store, query: str, media_type: str, default_graphs, named_graphs,
                  cap: int, cancel: threading.Event) -> QueryResult:
    try:
        result = store._store.query(query, **store.dataset_options(default_graphs, named_graphs, query=query))
    except SyntaxError as exc:
        raise QuerySyntaxError(str(exc)) from exc
    if isinstance(result, ox.QueryBoolean):
        fmt = ox.QueryResultsFormat.from_media_type(media_type)
        return QueryResult(result.serialize(format=fmt), "ask", media_type)
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = _collect(result, cap, cancel, "solutions")
        body = _solutions_json(variables, rows)
        if media_type != "application/sparql-results+json":
            parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            body = parsed.serialize(format=ox.QueryResultsFormat.from_media_type(media_type))
        return QueryResult(body, "select", media_type)
    triples = _collect(result, cap, cancel, "triples")
    prefixes = {p: str(ns) for p, ns in STANDARD_PREFIXES.items()}
    fmt = ox.RdfFormat.from_media_type(media_type)
    kw = {"prefixes": prefixes} if fmt in (ox.RdfFormat.TURTLE,) else {}
    return QueryResult(ox.serialize(triples, format=fmt, **kw), "graph", media_type)


def _run_generic(store: Store, query: str, media_type: str, default_graphs, named_graphs,
                 cap: int) -> QueryResult:
    body, form = store.query_serialized(query, media_type, default_graphs=default_graphs,
                                        named_graphs=named_graphs)
    if form == "select" and media_type in ("application/sparql-results+json",):
        count = len(json.loads(body)["results"]["bindings"])
        if count > cap:
            raise ResultTooLarge(f"the query gives more than {cap} solutions; add a LIMIT or narrow it down")
    return QueryResult(body, form, media_type)


def _without_frames(exc: BaseException) -> BaseException:
    """Drop tracebacks so that pyoxigraph iterators (bound to their thread) die in the worker thread."""
    seen = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.__traceback__ = None
        current = current.__cause__ or current.__context__
    return exc


class QueryRunner:
    """Runs protocol queries in at most ``workers`` daemon threads at a time; one runner per app.

    Daemon threads, not a ThreadPoolExecutor: an abandoned runaway query must not hold up the
    shutdown of the server (executor threads are joined at interpreter exit).
    """

    def __init__(self, store: Store, *, timeout: float, cap: int, workers: int = 4):
        self.store = store
        self.timeout = timeout
        self.cap = cap
        self.workers = workers
        self._slots = threading.BoundedSemaphore(workers)

    def _raw_oxigraph(self) -> ox.Store | None:
        # The Store interface serializes whole results; the embedded store is streamed directly
        # so that the cap stops a query early instead of after it has materialised everything.
        raw = getattr(self.store, "_store", None)
        return raw if isinstance(raw, ox.Store) else None

    def _in_thread(self, job, timeout: float, cancel: threading.Event, what: str):
        # Saturated: say so at once with a time to come back, rather than queue behind slow queries.
        if not self._slots.acquire(timeout=min(timeout, BUSY_WAIT)):
            raise Problem(503, "too_many_queries", f"the server is running its maximum of {self.workers} "
                          f"queries; try again shortly", headers={"Retry-After": str(RETRY_AFTER)})
        outcome: dict = {}
        done = threading.Event()

        def work():
            try:
                outcome["value"] = job()
            except BaseException as exc:  # handed to the waiting request
                outcome["error"] = _without_frames(exc)
            finally:
                self._slots.release()
                done.set()

        threading.Thread(target=work, name=f"sparql-{what}", daemon=True).start()
        if not done.wait(timeout):
            cancel.set()
            raise QueryTimeout(f"the {what} did not finish within {timeout:g} seconds")
        if "error" in outcome:
            error = outcome["error"]
            if isinstance(error, (ValueError, OSError)) and not isinstance(error, SyntaxError):
                raise StoreError(f"query failed: {error}") from error
            raise error
        return outcome.get("value")

    def run(self, query: str, media_type: str, *, default_graphs: list[str] | None = None,
            named_graphs: list[str] | None = None) -> QueryResult:
        cancel = threading.Event()
        raw = self._raw_oxigraph()
        if raw is not None:
            job = lambda: _run_oxigraph(self.store, query, media_type, default_graphs, named_graphs,  # noqa: E731
                                        self.cap, cancel)
        else:
            job = lambda: _run_generic(self.store, query, media_type, default_graphs,  # noqa: E731
                                       named_graphs, self.cap)
        return self._in_thread(job, self.timeout, cancel, "query")

    def run_update(self, update: str) -> None:
        self._in_thread(lambda: self.store.update(update), max(self.timeout, 60.0), threading.Event(), "update")

    def close(self) -> None:
        pass


def is_rdf_media_type(media_type: str) -> bool:
    return media_type in RDF_FORMATS.values()
