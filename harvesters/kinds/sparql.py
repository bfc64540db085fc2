"""``sparql``: collectives from a SPARQL endpoint, one record per value of a key variable.

The query is a ``SELECT`` with a stable ``ORDER BY`` (the key first); the harvester pages
through it with ``LIMIT``/``OFFSET`` and maps result variables onto :class:`CollectiveFacts`::

    [[source]]
    name = "wikidata"
    kind = "sparql"
    url = "https://query.wikidata.org/sparql"
    [source.options]
    query_file = "wikidata.rq"     # in harvesters/queries/, or a path; or `query = "..."`
    key = "item"                   # one record per value; an IRI key becomes its last segment (Q-id)
    page_size = 500
    timeout = 60                   # seconds per request
    [source.options.fields]        # CollectiveFacts field -> variable (or a list: first bound wins)
    name = ["labelNl", "labelEn"]
    kvk = "kvk"

Special fields: ``coordinates`` (a WKT ``Point(lon lat)``, the form Wikidata uses for P625);
date fields (``founded``, ``dissolved``) honour a ``<variable>Precision`` variable holding the
Wikibase time precision (9 year, 10 month, 11 day), so a year stays an ``xsd:gYear``.
``values`` maps stated values of a field onto codes (``collective_type``, ``sectors``,
``legal_form``); ``constants`` sets fields for every record.

Transport: live runs send the query with SPARQLWrapper (POST, JSON results, a timeout). When the
harvest's HTTP client records or replays (``mode`` ``record`` / ``replay``), the same
form-encoded POST goes through that client instead, so its recordings (keyed by
method, URL and body) make ``--offline`` builds work. ``transport = "sparqlwrapper" | "http"``
forces one.
"""
from __future__ import annotations

import json
import re
from dataclasses import fields as dataclass_fields
from importlib import resources
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlencode

from rdflib import Graph

from ..base import Harvester, RawRecord, RecordError, SourceError
from ..facts import CollectiveFacts, facts_to_graph, legal_form_code, sector_code

RESULTS_JSON = "application/sparql-results+json"
DEFAULT_PAGE_SIZE = 500
MAX_PAGE_SIZE = 10_000
DEFAULT_MAX_PAGES = 1_000
USER_AGENT = "collectives-registry/0.1 (+https://w3id.org/collectives-nl/)"

FACT_FIELDS = {f.name for f in dataclass_fields(CollectiveFacts)}
LIST_FIELDS = {"sectors", "alternate_names"}
SPECIAL_FIELDS = {"coordinates"}
DATE_FIELDS = {"founded", "dissolved"}
# Wikibase time precision -> how many characters of the ISO value are meaningful
WIKIBASE_PRECISION = {9: 4, 10: 7, 11: 10}
_WKT_POINT = re.compile(r"^\s*(?:<[^>]*>\s*)?point\s*\(\s*([-+0-9.eE]+)\s+([-+0-9.eE]+)\s*\)\s*$", re.I)
_HAS_ORDER_BY = re.compile(r"\border\s+by\b", re.I)
_HAS_LIMIT = re.compile(r"\b(limit|offset)\s+[0-9]+\s*$", re.I)


def read_query(options: dict) -> str:
    """The query text from ``query`` or ``query_file`` (a shipped query name or a path)."""
    if options.get("query"):
        return str(options["query"])
    name = options.get("query_file")
    if not name:
        raise SourceError("a sparql source needs options.query or options.query_file")
    path = Path(name)
    try:
        if path.is_absolute() or path.exists():
            return path.read_text(encoding="utf-8")
        return resources.files("harvesters.queries").joinpath(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ModuleNotFoundError) as exc:
        raise SourceError(f"cannot read the query file {name!r}: {exc}") from exc


def paged(query: str, limit: int, offset: int) -> str:
    return f"{query.rstrip()}\nLIMIT {limit}\nOFFSET {offset}\n"


def record_key(value: str) -> str:
    """``http://www.wikidata.org/entity/Q4115189`` → ``Q4115189``; other values as URL-safe text."""
    tail = re.split(r"[/#]", value.rstrip("/#"))[-1]
    return re.sub(r"[^A-Za-z0-9._-]+", "-", tail).strip("-") or "x"


def parse_wkt_point(value: str) -> tuple[float, float] | None:
    """``Point(4.89 52.37)`` → (latitude, longitude); WKT puts the longitude first."""
    match = _WKT_POINT.match(value or "")
    if not match:
        return None
    longitude, latitude = float(match.group(1)), float(match.group(2))
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return latitude, longitude


def date_with_precision(value: str, precision: str | None) -> str | None:
    """A date as precise as the source says: a Wikibase year-precision value stays a year."""
    text = value.strip()
    if text.startswith("-") or not re.match(r"^[0-9]{4}", text):
        return None  # BCE dates or free text: not a founding date we can use
    if precision is not None:
        try:
            length = WIKIBASE_PRECISION.get(int(precision))
        except ValueError:
            length = None
        return text[:length] if length else None  # decade/century precision: no usable date
    if re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return text[:10]
    return text


class SparqlHarvester(Harvester):
    kind = "sparql"

    def __init__(self, config, context):
        super().__init__(config, context)
        options = config.options
        self.endpoint = config.url or options.get("endpoint")
        if not self.endpoint:
            raise SourceError(f"{config.name}: a sparql source needs url (the endpoint)")
        self.query = read_query(options)
        if not _HAS_ORDER_BY.search(self.query):
            raise SourceError(f"{config.name}: the query needs a stable ORDER BY for LIMIT/OFFSET paging")
        if _HAS_LIMIT.search(self.query):
            raise SourceError(f"{config.name}: leave LIMIT/OFFSET out of the query; page_size sets them")
        self.key_var = options.get("key", "item")
        self.page_size = int(options.get("page_size", DEFAULT_PAGE_SIZE))
        if not 0 < self.page_size <= MAX_PAGE_SIZE:
            raise SourceError(f"{config.name}: page_size must be between 1 and {MAX_PAGE_SIZE}")
        self.max_pages = int(options.get("max_pages", DEFAULT_MAX_PAGES))
        self.timeout = float(options.get("timeout", 60))
        self.fields = {k: ([v] if isinstance(v, str) else list(v)) for k, v in options.get("fields", {}).items()}
        unknown = set(self.fields) - FACT_FIELDS - SPECIAL_FIELDS
        if unknown:
            raise SourceError(f"{config.name}: unknown field(s) in options.fields: {', '.join(sorted(unknown))}")
        if "name" not in self.fields:
            raise SourceError(f"{config.name}: options.fields needs a variable for name")
        self.values = options.get("values", {})
        self.constants = options.get("constants", {})
        self.transport = options.get("transport", "auto")
        if self.transport not in {"auto", "sparqlwrapper", "http"}:
            raise SourceError(f"{config.name}: transport must be auto, sparqlwrapper or http")

    # --- transport -------------------------------------------------------------------------

    def _through_http_client(self) -> bool:
        if self.transport != "auto":
            return self.transport == "http"
        return getattr(self.context.http, "mode", "live") in {"record", "replay"}

    def _select(self, query: str) -> dict:
        if self._through_http_client():
            return self._select_via_http(query)
        if self.context.settings.offline:
            raise SourceError(f"{self.config.name}: offline, and the HTTP client replays no recordings; "
                              "a live SPARQL query is not sent")
        return self._select_via_sparqlwrapper(query)

    def _select_via_http(self, query: str) -> dict:
        if self.context.http is None:
            raise SourceError(f"{self.config.name}: transport 'http' needs the harvest's HTTP client")
        body = urlencode({"query": query}).encode("utf-8")  # same bytes every run: a stable recording key
        response = self.context.http.post(self.endpoint, data=body, headers={
            "Accept": RESULTS_JSON, "Content-Type": "application/x-www-form-urlencoded"})
        try:
            return json.loads(response.content.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SourceError(f"{self.config.name}: the endpoint did not return SPARQL JSON results: {exc}") from exc

    def _select_via_sparqlwrapper(self, query: str) -> dict:
        from SPARQLWrapper import JSON, POST, URLENCODED, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        agent = getattr(self.context.http, "user_agent", None) or USER_AGENT
        client = SPARQLWrapper(self.endpoint, agent=agent)
        client.setMethod(POST)
        client.setRequestMethod(URLENCODED)
        client.setReturnFormat(JSON)
        client.setTimeout(max(1, round(self.timeout)))
        client.setQuery(query)
        try:
            result = client.queryAndConvert()
        except SPARQLWrapperException as exc:
            raise SourceError(f"{self.config.name}: the endpoint refused the query: {str(exc).splitlines()[0]}") from exc
        except (OSError, ValueError) as exc:  # URLError, socket timeout, broken JSON
            raise SourceError(f"{self.config.name}: cannot query {self.endpoint}: {exc}") from exc
        if not isinstance(result, dict):
            raise SourceError(f"{self.config.name}: the endpoint did not return SPARQL JSON results")
        return result

    # --- stages ----------------------------------------------------------------------------

    def pages(self) -> Iterator[list[dict]]:
        """Result rows page by page; stops on a short page or when a page repeats the last one."""
        previous = None
        for number in range(self.max_pages):
            result = self._select(paged(self.query, self.page_size, number * self.page_size))
            try:
                rows = result["results"]["bindings"]
            except (KeyError, TypeError):
                raise SourceError(f"{self.config.name}: the response has no results.bindings") from None
            if not isinstance(rows, list):
                raise SourceError(f"{self.config.name}: results.bindings is not a list")
            if rows and rows == previous:
                return  # the endpoint ignores OFFSET: the same page again
            yield rows
            if len(rows) < self.page_size:
                return
            previous = rows
        raise SourceError(f"{self.config.name}: more than max_pages={self.max_pages} pages; raise it if that is right")

    def gather(self) -> Iterator[RawRecord]:
        """One record per key value; rows of one key are adjacent thanks to ORDER BY, even across pages."""
        current_key, current_rows, emitted = None, [], set()
        for rows in self.pages():
            for row in rows:
                cell = row.get(self.key_var) if isinstance(row, dict) else None
                if not cell or "value" not in cell:
                    raise SourceError(f"{self.config.name}: a result row has no ?{self.key_var} (the key variable)")
                if cell["value"] != current_key:
                    if current_rows:
                        yield self._record(current_key, current_rows, emitted)
                    current_key, current_rows = cell["value"], []
                current_rows.append(row)
        if current_rows:
            yield self._record(current_key, current_rows, emitted)

    def _record(self, key_value: str, rows: list[dict], emitted: set[str]) -> RawRecord:
        key = record_key(key_value)
        if key in emitted:
            raise SourceError(f"{self.config.name}: ?{self.key_var} {key_value} comes back in two places; "
                              "the query's ORDER BY must put the key first")
        emitted.add(key)
        url = key_value if re.match(r"^https?://", key_value) else None
        return RawRecord(key=key, data=rows, url=url)

    def transform(self, record: RawRecord) -> Graph:
        facts = self.facts(record)
        return facts_to_graph(facts, iris=self.iris, reference=self.context.reference,
                              source=self.config.name, key=record.key, record_url=record.url)

    # --- mapping ---------------------------------------------------------------------------

    def _values_of(self, rows: list[dict], variables: list[str]) -> list[tuple[str, dict]]:
        """Distinct values of the variables, in variable order then row order."""
        seen, out = set(), []
        for var in variables:
            for row in rows:
                cell = row.get(var)
                if cell and cell.get("value", "").strip() and (var, cell["value"]) not in seen:
                    seen.add((var, cell["value"]))
                    out.append((cell["value"].strip(), {"var": var, "row": row}))
        return out

    def _mapped(self, field: str, value: str) -> str | None:
        table = self.values.get(field)
        if table:
            for stated, code in table.items():
                if stated.casefold() == value.casefold():
                    return code
        if field == "sectors":
            return sector_code(value)
        return value

    def facts(self, record: RawRecord) -> CollectiveFacts:
        rows = record.data
        found: dict[str, Any] = dict(self.constants)
        for field, variables in self.fields.items():
            values = self._values_of(rows, variables)
            if not values:
                continue
            if field == "coordinates":
                point = next((p for p in (parse_wkt_point(v) for v, _ in values) if p), None)
                if point is None:
                    raise RecordError(f"not a WKT point: {values[0][0]!r}")
                found["latitude"], found["longitude"] = point
            elif field in DATE_FIELDS:
                dates = []
                for value, where in values:
                    precision = where["row"].get(where["var"] + "Precision", {}).get("value")
                    dated = date_with_precision(value, precision)
                    if dated:
                        dates.append(dated)
                if dates:
                    found[field] = min(dates)  # the earliest statement, as precise as stated
            elif field in LIST_FIELDS:
                mapped = [self._mapped(field, v) for v, _ in values]
                found[field] = list(dict.fromkeys([*found.get(field, []), *[m for m in mapped if m]]))
            elif field in {"latitude", "longitude"}:
                try:
                    found[field] = float(values[0][0])
                except ValueError:
                    raise RecordError(f"{field} is not a number: {values[0][0]!r}") from None
            elif field == "is_network":
                found[field] = values[0][0].casefold() in {"true", "1", "yes"}
            else:
                found[field] = self._mapped(field, values[0][0])
        if not found.get("name"):
            raise RecordError(f"no name in {', '.join('?' + v for v in self.fields['name'])}")
        if found.get("legal_form_stated") and "legal_form" not in found:
            found["legal_form"] = legal_form_code(found["legal_form_stated"])
        names = found.get("alternate_names", [])
        found["alternate_names"] = [n for n in names if n != found["name"]]
        found.setdefault("source_url", record.url)
        return CollectiveFacts(**found)
