"""The remote store: any SPARQL 1.1 server (Virtuoso, Fuseki, GraphDB, QLever, oxigraph server) over HTTP.

>>> store = SparqlStore("http://127.0.0.1:8890/sparql-auth", settings=Settings(store_user="dba", store_password="…"))  # doctest: +SKIP
>>> store.select("SELECT ?g WHERE { GRAPH ?g {} }")                                                            # doctest: +SKIP

The server must show the union of its named graphs as the default graph (Virtuoso does by
default; ``oxigraph serve --union-default-graph``; Fuseki ``tdb2:unionDefaultGraph true``), as the
embedded store does. A public view (:meth:`SparqlStore.public_view`) narrows the default graph of
queries without a dataset of their own through the protocol's ``default-graph-uri`` and
``named-graph-uri`` parameters. Queries and updates are POSTed as UTF-8 forms (Virtuoso 7 mis-reads form
bodies without ``charset`` and stalls on ``application/sparql-query`` bodies).

Retries: a request is retried, with backoff, only after a connection error. Queries are retried
after any connection error; updates only when the connection was never made (refused, connect
timeout), because an update cut off after it was sent may have been applied, and repeating one
is not always harmless (a repeated ``MOVE`` empties the target).
"""
from __future__ import annotations

import copy
import io
import re
import threading
import time
import uuid
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph as ox
import requests
from rdflib import BNode, Graph, Literal, URIRef
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from ..errors import QuerySyntaxError, QueryTimeout, StoreError
from ..namespaces import GEO
from ..settings import Settings
from ..sparql_text import bind, query_dataset, query_form
from .base import RESULT_FORMATS, Bindings, Row, Store
from .oxigraph import rdf_format
from .terms import to_oxigraph, to_rdflib

XSD = "http://www.w3.org/2001/XMLSchema#"
FORM = "application/x-www-form-urlencoded; charset=UTF-8"
JSON_RESULTS = RESULT_FORMATS["json"]
N_TRIPLES = "application/n-triples"
# graphs a server keeps for itself: never the registry's, hidden from graphs(), counts and dumps
SYSTEM_GRAPHS = re.compile(
    r"^(?:http://www\.openlinksw\.com/|http://www\.w3\.org/ns/ldp#$|urn:activitystreams-owl:map$"
    r"|https?://[^/]+/(?:DAV/|sparql)$)")
# Virtuoso's parser runs out of room on long updates: such a request was refused whole, so halve it
_TOO_LONG = re.compile(r"memory exhausted|SQL text has exceeded|too long", re.IGNORECASE)
_TIMEOUT_TEXT = re.compile(r"S1TAT|timed? ?out|estimated execution time|TimeoutException", re.IGNORECASE)
GRAPH_LIST_TTL = 5.0  # seconds a public view trusts its list of the store's graphs


def _media(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _without_userinfo(url: str) -> tuple[str, str | None, str | None]:
    parts = urlsplit(url)
    if not parts.scheme.startswith("http") or not parts.hostname:
        raise StoreError(f"not an http(s) SPARQL endpoint: {parts.scheme}://{parts.hostname or ''}{parts.path}",
                         code="configuration_error")
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    if ":" in parts.hostname:
        netloc = f"[{parts.hostname}]" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")), parts.username, parts.password


VIRTUOSO_GEOMETRY = "http://www.openlinksw.com/schemas/virtrdf#Geometry"


def term_from_json(value: dict):
    """One SPARQL JSON results term as an rdflib term, the way the embedded store gives it."""
    kind = value.get("type")
    text = value.get("value", "")
    if kind == "uri":
        return URIRef(text)
    if kind == "bnode":
        return BNode(text.removeprefix("nodeID://"))
    if kind in ("literal", "typed-literal"):
        if value.get("xml:lang"):
            return Literal(text, lang=value["xml:lang"])
        datatype = value.get("datatype")
        if not datatype or datatype == XSD + "string":
            return Literal(text)
        if datatype == XSD + "boolean" and text in ("0", "1"):  # Virtuoso writes booleans as 0 / 1
            text = "true" if text == "1" else "false"
        if datatype == VIRTUOSO_GEOMETRY:  # Virtuoso's own type for the WKT literals it stores
            datatype = str(GEO.wktLiteral)
        return Literal(text, datatype=URIRef(datatype))
    raise StoreError(f"unsupported term in query results: {kind!r}", code="store_error")


def _nt(term) -> str:
    return str(term)  # pyoxigraph terms print as escaped N-Triples


class _GraphList:
    """The store's named graphs as last listed, trusted for ``ttl`` seconds; shared by a store and
    its public views, so that a write through either forgets the list for both."""

    def __init__(self, ttl: float = GRAPH_LIST_TTL):
        self.ttl = ttl
        self._lock = threading.Lock()
        self._graphs: tuple[str, ...] | None = None
        self._listed = 0.0
        self._generation = 0

    def get(self, listing) -> tuple[str, ...]:
        with self._lock:
            if self._graphs is not None and time.monotonic() - self._listed < self.ttl:
                return self._graphs
            generation = self._generation
        graphs = listing()
        with self._lock:
            if generation == self._generation:  # no write ended meanwhile: the list is current
                self._graphs, self._listed = graphs, time.monotonic()
        return graphs

    def forget(self) -> None:
        with self._lock:
            self._generation += 1
            self._graphs = None


class SparqlStore(Store):
    """The store interface over the SPARQL 1.1 Query and Update protocols.

    ``chunk_size`` bounds the triples per upload request (Virtuoso refuses very long updates).
    ``graph_store_url`` (optional) uploads and downloads through the Graph Store protocol instead of
    chunked ``INSERT DATA`` (Virtuoso takes uploads ~20× faster that way); ``graph_param`` names its
    graph parameter (``graph``; Virtuoso's ``/sparql-graph-crud`` wants ``graph-uri``). By default
    (``"auto"``) it is found for Virtuoso (``/sparql-graph-crud[-auth]`` next to ``/sparql``) and the
    oxigraph server (``/store`` next to ``/query``); None always uses ``INSERT DATA``. A Graph Store
    endpoint that answers 404 or 405 is given up for ``INSERT DATA``.
    """

    def __init__(self, query_url: str, update_url: str | None = None, *, settings: Settings | None = None,
                 graph_store_url: str | None = "auto", graph_param: str = "graph",
                 chunk_size: int = 2_000, retries: int = 2, backoff: float = 0.25):
        settings = settings or Settings()
        self.query_url, user, password = _without_userinfo(query_url)
        self.update_url = _without_userinfo(update_url)[0] if update_url else self.query_url
        self._detect_graph_store = graph_store_url == "auto"
        self.graph_store_url = (_without_userinfo(graph_store_url)[0]
                                if graph_store_url and graph_store_url != "auto" else None)
        self.graph_param = graph_param
        self.user = settings.store_user or user
        self._password = settings.store_password if settings.store_user else password
        self.query_timeout = settings.query_timeout
        self.http_timeout = settings.http_timeout
        self.update_timeout = max(settings.http_timeout, 120.0)  # updates and uploads may be long
        self.chunk_size = chunk_size
        self.retries = retries
        self.backoff = backoff
        self._server = ""  # the Server header seen last: decides which timeout hint to send
        self._auth_chosen = False
        self._session = requests.Session()
        self._session.headers["User-Agent"] = "collectives-registry (SPARQL store)"
        self.default_graphs: tuple[str, ...] = ()  # set on a public view
        self._graph_list = _GraphList()

    def __repr__(self) -> str:
        return f"SparqlStore({self.query_url!r}, {self.update_url!r}, user={self.user!r})"

    def public_view(self, graphs) -> "SparqlStore":
        """The same store, whose queries see ``graphs`` as their default graph (see Store.public_view).

        Sent as protocol parameters with each query that names no dataset itself:
        ``default-graph-uri`` for each of ``graphs``, and ``named-graph-uri`` for every graph of the
        store, since a request with only ``default-graph-uri`` leaves the query no named graphs
        (SPARQL 1.1 Protocol, 2.1.4) and ``GRAPH ?g`` (provenance, conflicts) must still see them
        all. The list of graphs is asked at most every few seconds, and afresh after each write
        through this store or its views.
        """
        view = copy.copy(self)
        view.default_graphs = tuple(str(g) for g in graphs)
        return view

    def _named_graphs(self) -> tuple[str, ...]:
        return self._graph_list.get(self._list_graphs)

    def _list_graphs(self) -> tuple[str, ...]:
        if "virtuoso" not in self._server.lower():
            rows = self._select_json("SELECT ?g WHERE { GRAPH ?g {} }")["results"]["bindings"]
            if all("g" in row for row in rows):
                return tuple(sorted(row["g"]["value"] for row in rows if row["g"].get("type") == "uri"
                                    and not _hidden(row["g"]["value"])))
        # Virtuoso answers ``GRAPH ?g {}`` with one empty solution; it counts its graphs fast
        return tuple(sorted(str(g) for g in self._graph_counts() if not _hidden(str(g))))

    def _dataset(self, query: str, default_graphs=None, named_graphs=None) -> list[tuple[str, str]]:
        """The protocol parameters that give ``query`` its dataset.

        Graphs given explicitly go as they are. A query naming its own graphs (``FROM``,
        ``FROM NAMED``) gets them as parameters too, which a server following the protocol treats
        as the same dataset: ``oxigraph serve --union-default-graph`` (0.5) otherwise ignores the
        query's ``FROM`` and answers from the union. Virtuoso merges ``default-graph-uri`` with a
        query's ``FROM`` instead of letting the parameter win, so a public view never adds its own
        graphs to such a query. Anything else, in a public view whose first graph exists, sees the
        public graphs as default graph and every graph as named graph.

        Two more Virtuoso habits (7.2): ``default-graph-uri`` alone leaves every graph visible to
        ``GRAPH ?g`` (the protocol says none), and ``named-graph-uri`` narrows ``GRAPH ?g`` and
        ``GRAPH <g>`` as the protocol says.
        """
        if default_graphs or named_graphs:
            return ([("default-graph-uri", str(g)) for g in default_graphs or []]
                    + [("named-graph-uri", str(g)) for g in named_graphs or []])
        own = query_dataset(query)
        if own is not None:
            if not own.complete:  # a graph we cannot read: the server decides
                return []
            return ([("default-graph-uri", g) for g in own.default]
                    + [("named-graph-uri", g) for g in own.named])
        if not self.default_graphs:
            return []
        named = self._named_graphs()
        if self.default_graphs[0] not in named:  # nothing consolidated yet: the union
            return []
        return ([("default-graph-uri", g) for g in self.default_graphs]
                + [("named-graph-uri", g) for g in named])

    # -- HTTP ----------------------------------------------------------------------------------

    def _timeout_hint(self) -> dict[str, str]:
        server = self._server.lower()
        if "virtuoso" in server:
            return {"timeout": str(int(self.query_timeout * 1000))}  # milliseconds
        if "fuseki" in server or "jena" in server:
            return {"timeout": f"{self.query_timeout:g}"}  # seconds
        return {}

    def _choose_auth(self, response: requests.Response) -> bool:
        """After the first 401: answer the server's challenge (digest or basic) from then on."""
        if not self.user:
            return False
        if self._auth_chosen:  # chosen by another thread while this request went out without credentials
            return "Authorization" not in response.request.headers
        challenge = response.headers.get("WWW-Authenticate", "")
        if challenge.lower().startswith("digest"):
            self._session.auth = requests.auth.HTTPDigestAuth(self.user, self._password or "")
        else:
            self._session.auth = requests.auth.HTTPBasicAuth(self.user, self._password or "")
        self._auth_chosen = True  # after the session has it: a thread that sees it sends credentials
        return True

    def _send(self, method: str, url: str, *, data: bytes | None = None, params=None,
              headers: dict | None = None, timeout: float, is_update: bool, stream: bool = False) -> requests.Response:
        attempt, challenged = 0, False
        while True:
            try:
                response = self._session.request(method, url, data=data, params=params, headers=headers,
                                                 timeout=(min(10.0, self.http_timeout), timeout), stream=stream)
            except requests.ConnectionError as exc:
                never_sent = isinstance(exc, requests.ConnectTimeout) or _never_connected(exc)
                if attempt < self.retries and (never_sent or not is_update):
                    time.sleep(self.backoff * 2 ** attempt)
                    attempt += 1
                    continue
                what = "could not be reached" if never_sent else "dropped the connection"
                raise StoreError(f"the SPARQL store at {url} {what} ({type(exc).__name__})",
                                 code="store_unavailable") from None
            except requests.Timeout:
                if is_update:
                    raise StoreError(f"the update did not finish within {timeout:g} s; it may still be applied",
                                     code="update_timeout") from None
                raise QueryTimeout(f"the query did not finish within {timeout:g} s") from None
            self._server = response.headers.get("Server", self._server)
            if response.status_code == 401 and not challenged and self._choose_auth(response):
                challenged = True  # answered once; a second 401 is a refusal
                continue
            self._check(response, url)
            return response

    def _check(self, response: requests.Response, url: str) -> None:
        status = response.status_code
        if status < 400:
            if response.headers.get("X-SQL-State") == "S1TAT":  # Virtuoso's "anytime" partial result
                raise QueryTimeout(f"the query did not finish within {self.query_timeout:g} s")
            return
        message = response.text.strip()[:1000]
        if status in (401, 403):
            who = f"user {self.user!r}" if self.user else "anonymous access"
            raise StoreError(f"the SPARQL store at {url} refused {who} (HTTP {status}); "
                             "check COLLECTIVES_STORE_USER and COLLECTIVES_STORE_PASSWORD", code="store_unauthorized")
        if status in (408, 504) or _TIMEOUT_TEXT.search(message):
            raise QueryTimeout(f"the store gave up on the query: {message[:300]}")
        if status == 400:
            raise QuerySyntaxError(message or "the store rejected the query (HTTP 400)")
        if status == 406:
            raise StoreError(f"the store cannot answer in {response.request.headers.get('Accept')}",
                             code="not_acceptable")
        error = StoreError(f"the SPARQL store at {url} answered HTTP {status}: {message[:300]}", code="store_error")
        error.status = status
        raise error

    def _post_query(self, query: str, accept: str, *, extra: list[tuple[str, str]] = (),
                    stream: bool = False, hint: bool = True) -> requests.Response:
        form = [("query", query), *extra, *(self._timeout_hint().items() if hint else ())]
        return self._send("POST", self.query_url, data=_encode(form), stream=stream,
                          headers={"Accept": accept, "Content-Type": FORM},
                          timeout=self.query_timeout * 1.2 + 1.0, is_update=False)

    def _select_json(self, query: str, extra: list[tuple[str, str]] = (), cut: list | None = None) -> dict:
        """The JSON results; a result cut at the server's row limit is an error, or with ``cut`` noted there."""
        response = self._post_query(query, JSON_RESULTS, extra=extra)
        if response.headers.get("X-SPARQL-MaxRows"):  # Virtuoso cut the result at ResultSetMaxRows
            if cut is None:
                raise _cut_short()
            cut.append(True)
        try:
            return response.json()
        except ValueError as exc:
            raise StoreError(f"the store answered with unreadable results ({_media(response.headers.get('Content-Type'))})",
                             code="store_error") from exc

    # -- queries ---------------------------------------------------------------------------------

    def select(self, query: str, bindings: Bindings | None = None) -> list[Row]:
        text = bind(query, bindings)
        return _rows(self._select_json(text, self._dataset(text)))

    def select_values(self, query: str, variables: tuple[str, ...],
                      bindings: Bindings | None = None) -> list[tuple[str | None, ...]]:
        """As the base class; a result longer than the server's row limit (Virtuoso sends at most
        ResultSetMaxRows rows, and never more than 1,048,576 over HTTP) is read again in parts:
        ranges of the first variable's text, split at the middle of the rows that came (the server
        can neither sort such a result for pages nor be trusted to page it unsorted)."""
        return self._values_between(bind(query, bindings), variables, None, None)

    def _values_between(self, text: str, variables: tuple[str, ...], low: str | None, high: str | None,
                        depth: int = 0) -> list[tuple[str | None, ...]]:
        cut: list = []
        rows = self._values(text if low is None and high is None else _between(text, variables, low, high),
                            variables, cut)
        if not cut:
            return rows
        keys = sorted(row[0] for row in rows if row[0] is not None)
        middle = keys[len(keys) // 2] if keys else None
        if middle is None or middle == low or depth >= 40:  # one value fills the limit: no split helps
            raise _cut_short()
        return (self._values_between(text, variables, low, middle, depth + 1)
                + self._values_between(text, variables, middle, high, depth + 1))

    def _values(self, text: str, variables: tuple[str, ...], cut: list) -> list[tuple[str | None, ...]]:
        solutions = self._select_json(text, self._dataset(text), cut).get("results", {}).get("bindings", [])
        return [tuple(None if (term := solution.get(v)) is None else term["value"] for v in variables)
                for solution in solutions]

    def ask(self, query: str, bindings: Bindings | None = None) -> bool:
        text = bind(query, bindings)
        return bool(self._select_json(text, self._dataset(text)).get("boolean"))

    def construct(self, query: str, bindings: Bindings | None = None) -> Graph:
        text = bind(query, bindings)
        return _rdflib_graph(self._triples(text, extra=self._dataset(text)))

    # the store's own bookkeeping (graphs, counts, dumps) always sees every graph, view or not

    def triple_count(self, graph: URIRef | None = None) -> int:
        if graph is None:
            return sum(self._graph_counts().values())
        query = bind("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": graph})
        return int(_rows(self._select_json(query))[0]["n"])

    def graph(self, graph: URIRef) -> Graph:
        return _rdflib_graph(self._triples(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {_iri(graph)} {{ ?s ?p ?o }} }}"))

    def _triples(self, query: str, hint: bool = True, extra: list[tuple[str, str]] = ()) -> Iterator[ox.Triple]:
        response = self._post_query(query, f"{N_TRIPLES}, text/turtle;q=0.9", stream=True, hint=hint,
                                    extra=extra)
        media = _media(response.headers.get("Content-Type"))
        fmt = ox.RdfFormat.N_TRIPLES if media in ("text/plain", "") else ox.RdfFormat.from_media_type(media)
        if fmt is None:
            raise StoreError(f"the store answered a graph query with {media}", code="store_error")
        response.raw.decode_content = True
        try:
            for triple in ox.parse(response.raw, format=fmt):
                obj = triple.object
                if isinstance(obj, ox.Literal) and obj.datatype.value == VIRTUOSO_GEOMETRY:
                    triple = ox.Triple(triple.subject, triple.predicate,
                                       ox.Literal(obj.value, datatype=ox.NamedNode(str(GEO.wktLiteral))))
                yield triple
        except SyntaxError as exc:
            raise StoreError(f"the store sent unreadable {media}: {exc}", code="store_error") from exc
        finally:
            response.close()

    def query_serialized(self, query, media_type, *, default_graphs=None, named_graphs=None):
        form = query_form(query)
        if form is None:
            raise QuerySyntaxError("not a SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE)")
        response = self._post_query(query, media_type, extra=self._dataset(query, default_graphs, named_graphs))
        body, served = response.content, _media(response.headers.get("Content-Type"))
        if served and served != media_type and media_type != "*/*":  # e.g. text/plain for N-Triples
            body = _convert(body, served, media_type, form)
        return body, form

    # -- updates ---------------------------------------------------------------------------------

    def update(self, update: str) -> None:
        try:
            self._send("POST", self.update_url, data=_encode([("update", update)]),
                       headers={"Content-Type": FORM, "Accept": "*/*"},
                       timeout=self.update_timeout, is_update=True)
        finally:
            self._graph_list.forget()  # graphs may have come or gone, even when it failed half-way

    def drop_graph(self, graph: URIRef) -> None:
        self.update(f"DROP SILENT GRAPH {_iri(graph)}")

    def replace_graph(self, graph: URIRef, data: Graph | bytes, format: str = "nt") -> None:
        # Upload into a private graph first: a failing parse or upload leaves the old graph as it
        # was. Then swap it in with one MOVE (an empty upload leaves no staging graph, and
        # MOVE SILENT from a missing graph empties the target, as an empty replacement should).
        # Queries on GRAPH <graph> see the old or the new graph; union-graph queries may also see
        # the staging triples while they upload.
        staging = URIRef(f"{graph}#staging-{uuid.uuid4().hex}")
        if isinstance(data, Graph):
            quads = (ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), ox.NamedNode(str(staging)))
                     for s, p, o in data)
        else:
            quads = _parsed(data, format, staging, force_graph=True)
        try:
            self._upload(quads)
        except BaseException:
            try:
                self.drop_graph(staging)
            except StoreError:
                pass  # the original error matters more; the staging graph is named for what it is
            raise
        self.update(f"MOVE SILENT GRAPH {_iri(staging)} TO GRAPH {_iri(graph)}")

    def add(self, graph: URIRef, data: Graph | Iterable) -> None:
        g = ox.NamedNode(str(graph))
        try:
            self._upload(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), g) for s, p, o in data)
        except ValueError as exc:
            raise StoreError(f"cannot add to {graph}: {exc}", code="invalid_rdf") from exc

    def load(self, source, format: str, graph: URIRef | None = None) -> None:
        fmt = rdf_format(format)
        if graph is None and not fmt.supports_datasets:
            raise StoreError(f"{format} holds one graph: name the graph to load it into", code="invalid_input")
        self._upload(_parsed(source, format, graph, force_graph=not fmt.supports_datasets))

    def _find_graph_store(self) -> None:
        if not self._detect_graph_store:
            return
        self._detect_graph_store = False
        if not self._server:
            self._select_json("ASK {}")  # learn the server's name from its Server header
        base, _, last = self.query_url.rpartition("/")
        if "virtuoso" in self._server.lower() and last in ("sparql", "sparql-auth"):
            self.graph_store_url = f"{base}/sparql-graph-crud" + ("-auth" if self.user else "")
            self.graph_param = "graph-uri"
        elif "oxigraph" in self._server.lower() and last == "query":
            self.graph_store_url = f"{base}/store"

    def _upload(self, quads: Iterable[ox.Quad]) -> None:
        """Send quads in chunks; triples with blank nodes go together in one request at the end,
        since each request gives blank nodes a fresh identity."""
        self._find_graph_store()
        chunk: list[ox.Quad] = []
        with_blank_nodes: list[ox.Quad] = []
        for quad in quads:
            if quad.graph_name == ox.DefaultGraph():
                raise StoreError("data must go into a named graph", code="invalid_input")
            if isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode):
                with_blank_nodes.append(quad)
                continue
            chunk.append(quad)
            if len(chunk) >= self.chunk_size:
                self._insert(chunk, blank_nodes=False)
                chunk = []
        if chunk:
            self._insert(chunk, blank_nodes=False)
        if with_blank_nodes:
            self._insert(with_blank_nodes, blank_nodes=True)

    def _insert(self, quads: list[ox.Quad], *, blank_nodes: bool) -> None:
        if self.graph_store_url and len({q.graph_name for q in quads}) == 1:
            body = ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in quads),
                                format=ox.RdfFormat.N_TRIPLES)
            try:
                self._send("POST", self.graph_store_url, data=body, params={self.graph_param: quads[0].graph_name.value},
                           headers={"Content-Type": N_TRIPLES}, timeout=self.update_timeout, is_update=True)
                return
            except StoreError as exc:
                if getattr(exc, "status", None) not in (404, 405):
                    raise
                self.graph_store_url = None  # no Graph Store endpoint there after all
            finally:
                self._graph_list.forget()
        by_graph: dict[str, list[str]] = {}
        for q in quads:
            by_graph.setdefault(_nt(q.graph_name), []).append(f"{_nt(q.subject)} {_nt(q.predicate)} {_nt(q.object)} .")
        body = " ".join(f"GRAPH {g} {{\n" + "\n".join(lines) + "\n}" for g, lines in by_graph.items())
        # INSERT DATA may not hold blank nodes on Virtuoso; a template with no WHERE solutions but one may
        try:
            self.update(f"INSERT {{ {body} }} WHERE {{}}" if blank_nodes else f"INSERT DATA {{ {body} }}")
        except QuerySyntaxError as exc:
            # blank nodes must stay in one request; anything else can be split
            if blank_nodes or len(quads) < 2 or not _TOO_LONG.search(str(exc)):
                raise
            half = len(quads) // 2
            self.chunk_size = min(self.chunk_size, half)
            self._insert(quads[:half], blank_nodes=False)
            self._insert(quads[half:], blank_nodes=False)

    # -- reading graphs back -------------------------------------------------------------------

    def _graph_counts(self) -> dict[URIRef, int]:
        rows = _rows(self._select_json("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"))
        return {URIRef(r["g"]): int(r["n"]) for r in rows
                if isinstance(r.get("g"), URIRef) and not SYSTEM_GRAPHS.match(str(r["g"]))}

    def graphs(self) -> list[URIRef]:
        return sorted(self._graph_counts())

    def dump(self, output: BinaryIO, format: str = "nq", graph: URIRef | None = None) -> None:
        fmt = rdf_format(format)
        if graph is None and not fmt.supports_datasets:
            raise StoreError(f"{format} holds one graph: name the graph to dump", code="unknown_format")
        counts = self._graph_counts()
        names = [graph] if graph is not None else sorted(counts)
        quads = self._dumped(names, counts)
        if not fmt.supports_datasets:
            quads = (ox.Triple(q.subject, q.predicate, q.object) for q in quads)
        ox.serialize(quads, output, format=fmt)

    def _dumped(self, names: list[URIRef], counts: dict[URIRef, int]) -> Iterator[ox.Quad]:
        for name in names:
            g, seen = ox.NamedNode(str(name)), 0
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {_iri(name)} {{ ?s ?p ?o }} }}"
            for triple in self._triples(query, hint=False):  # a dump may take longer than a query
                seen += 1
                yield ox.Quad(triple.subject, triple.predicate, triple.object, g)
            if seen < counts.get(name, 0):  # a server row limit cut the graph short
                raise StoreError(f"the store sent {seen} of the {counts[name]} triples of {name}; raise its "
                                 "result row limit (Virtuoso: ResultSetMaxRows)", code="result_truncated")

    def close(self) -> None:
        self._session.close()


def _rows(results: dict) -> list[Row]:
    return [{name: term_from_json(value) for name, value in solution.items()}
            for solution in results.get("results", {}).get("bindings", [])]


def _rdflib_graph(triples: Iterable[ox.Triple]) -> Graph:
    graph = Graph()
    for triple in triples:
        graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
    return graph


def _hidden(graph: str) -> bool:
    """A server's own graph or a staging graph: not among the graphs a public view names."""
    return bool(SYSTEM_GRAPHS.match(graph)) or "#staging-" in graph


def _never_connected(exc: requests.ConnectionError) -> bool:
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, (NewConnectionError, ConnectTimeoutError))


def _encode(form: list[tuple[str, str]]) -> bytes:
    from urllib.parse import urlencode
    return urlencode(form).encode("ascii")


def _iri(term) -> str:
    text = str(term)
    if re.search(r'[<>"{}|^`\\\s]', text):
        raise StoreError(f"not a valid graph IRI: {text[:100]!r}", code="invalid_input")
    return f"<{text}>"


def _parsed(source, format: str, graph: URIRef | None, *, force_graph: bool) -> Iterator[ox.Quad]:
    """Stream quads from a path, bytes or binary stream; triples (or all, when forced) go into ``graph``."""
    fmt = rdf_format(format)
    target = ox.NamedNode(str(graph)) if graph is not None else None
    if isinstance(source, (str, Path)) and not isinstance(source, bytes):
        kw = {"path": str(source)}
    else:
        kw = {"input": io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source}
    try:
        for quad in ox.parse(format=fmt, **kw):
            if target is not None and (force_graph or quad.graph_name == ox.DefaultGraph()):
                quad = ox.Quad(quad.subject, quad.predicate, quad.object, target)
            yield quad
    except (SyntaxError, ValueError) as exc:
        raise StoreError(f"cannot parse the data: {exc}", code="invalid_rdf") from exc
    except OSError as exc:
        raise StoreError(f"cannot read the data: {exc}", code="invalid_rdf") from exc


def _convert(body: bytes, served: str, wanted: str, form: str) -> bytes:
    try:
        if form == "graph":
            source = ox.RdfFormat.N_TRIPLES if served == "text/plain" else ox.RdfFormat.from_media_type(served)
            target = ox.RdfFormat.from_media_type(wanted)
            if source and target:
                return ox.serialize(ox.parse(body, format=source), format=target)
        else:
            source = ox.QueryResultsFormat.from_media_type(served)
            target = ox.QueryResultsFormat.from_media_type(wanted)
            if source and target:
                return ox.parse_query_results(body, format=source).serialize(format=target)
    except (SyntaxError, ValueError):
        pass
    raise StoreError(f"the store answered in {served}, not {wanted}", code="not_acceptable")


def _cut_short() -> StoreError:
    return StoreError("the store cut the result short at its row limit (Virtuoso: raise ResultSetMaxRows)",
                      code="result_truncated")


_PROLOGUE = re.compile(r"(?is)^((?:\s+|#[^\n]*|(?:PREFIX\s+[^\s:]*:|BASE)\s*<[^>]*>)*)(.*)$")


def _between(query: str, variables: tuple[str, ...], low: str | None, high: str | None) -> str:
    """``query`` (a SELECT of ``variables``) as a subquery, only its rows whose first variable's text
    is at least ``low`` and below ``high`` (rows without it go with the first range)."""
    prologue, select = _PROLOGUE.match(query).groups()
    key = f"STR(?{variables[0]})"
    if low is None:
        condition = f"!BOUND(?{variables[0]}) || {key} < {Literal(high).n3()}"
    else:
        condition = f"{key} >= {Literal(low).n3()}" + (f" && {key} < {Literal(high).n3()}" if high is not None else "")
    names = " ".join(f"?{v}" for v in variables)
    return f"{prologue}SELECT {names} WHERE {{ {{ {select} }} FILTER({condition}) }}"
