"""CSV and XLSX tables: a network's export, the Lokale Energie Monitor annex.

The configuration maps columns to what a record says (``CollectiveFacts`` fields); each field
accepts a list of alternative headers, so Dutch and English exports both work::

    [[source]]
    name = "voorbeeld-export"
    kind = "table"
    url = "https://example.org/leden.csv"      # or options.path for a local copy
    [source.options]
    sheet = "Coöperaties"                       # XLSX: name or position (1 = first); default: first sheet with a header
    header_row = 3                              # 1-based; default: detected
    key = ["id", "nummer"]                      # column(s) with a stable key; default: slug of name + municipality/place
    [source.options.columns]
    name = ["naam", "name", "Naam coöperatie"]
    place = ["plaats", "vestigingsplaats"]
    [source.options.values.sector]              # words the source uses → sector codes
    "Zon & wind" = "energy"
    [source.options.defaults]
    sectors = ["energy"]
    collective_type = "energy-cooperative"

The other options (``values``, ``defaults``, ``patterns``, ``skip``, ``min_items``, and
``member_of``: the network whose member list this is, e.g. ``"curated:energie-samen"``) are those
of :mod:`harvesters.mapping`.
"""
from __future__ import annotations

import codecs
import csv
import io
from typing import Any, Iterator

from rdflib import Graph

from registry.reference import fold

from ..base import RawRecord, SourceError
from ..facts import facts_to_graph

from ..mapping import (ListingHarvester, COMMON_OPTIONS, DEFAULT_COLUMNS, FieldMapping, as_list, canonical_field, cell_text,
                       read_source_bytes)

TABLE_OPTIONS = COMMON_OPTIONS | {"columns", "sheet", "header_row", "format", "encoding", "delimiter", "required"}
HEADER_SEARCH_ROWS = 30
DELIMITERS = [",", ";", "\t", "|"]


def header_text(value: Any) -> str:
    return fold(cell_text(value)).rstrip(":*").strip()


def decode_text(content: bytes, encoding: str | None = None) -> str:
    """UTF-8 (with or without BOM) and UTF-16 with BOM; otherwise Windows-1252, then Latin-1."""
    if encoding:
        try:
            return content.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise SourceError(f"cannot decode the table as {encoding}: {exc}") from exc
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16")
    for candidate in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(candidate)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


def detect_delimiter(text: str) -> str:
    """The delimiter giving the most rows of one consistent width (more than one column)."""
    sample = [line for line in text.splitlines()[:40] if line.strip()]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        widths = [len(row) for row in csv.reader(sample, delimiter=delimiter)]
        if not widths:
            continue
        common = max(set(widths), key=lambda w: (widths.count(w), w))
        score = (widths.count(common), common) if common > 1 else (0, 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def table_format(content: bytes, options: dict, name: str | None) -> str:
    stated = options.get("format")
    if stated:
        return stated
    if content.startswith(b"PK\x03\x04"):
        return "xlsx"
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise SourceError("a legacy .xls workbook: save it as .xlsx or CSV")
    if name and name.lower().split("?")[0].endswith((".xlsx", ".xlsm")):
        return "xlsx"
    return "csv"


def csv_sheets(content: bytes, options: dict) -> list[tuple[str, list[list[str]]]]:
    text = decode_text(content, options.get("encoding"))
    delimiter = options.get("delimiter") or detect_delimiter(text)
    try:
        rows = [[cell_text(c) for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:
        raise SourceError(f"malformed CSV: {exc}") from exc
    return [("csv", rows)]


def xlsx_sheets(content: bytes) -> list[tuple[str, list[list[str]]]]:
    from openpyxl import load_workbook
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors for broken files
        raise SourceError(f"not a readable XLSX workbook: {type(exc).__name__}: {exc}") from exc
    try:
        return [(sheet.title, [[cell_text(c) for c in row] for row in sheet.iter_rows(values_only=True)])
                for sheet in workbook.worksheets]
    finally:
        workbook.close()


class TableHarvester(ListingHarvester):
    """Rows of a CSV or XLSX table; every non-empty row is one record."""

    kind = "table"

    @classmethod
    def check_options(cls, options: dict) -> list[str]:
        problems = FieldMapping.check(options, TABLE_OPTIONS)
        columns = options.get("columns", {})
        if not isinstance(columns, dict):
            problems.append("options.columns must be a table of field = header or [headers]")
        else:
            for name, headers in columns.items():
                if not canonical_field(name):
                    problems.append(f"options.columns: unknown field {name!r}")
                elif not all(isinstance(h, str) for h in as_list(headers)) or not as_list(headers):
                    problems.append(f"options.columns.{name} must be a header or a list of headers")
        header_row = options.get("header_row")
        if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
            problems.append("options.header_row is the 1-based row number of the header")
        if options.get("format") not in (None, "csv", "xlsx"):
            problems.append("options.format is csv or xlsx")
        if options.get("delimiter") is not None and len(str(options["delimiter"])) != 1:
            problems.append("options.delimiter is one character")
        for name in as_list(options.get("required", [])):
            if not isinstance(name, str) or not canonical_field(name):
                problems.append(f"options.required: unknown field {name!r}")
        if "sheet" in options and not isinstance(options["sheet"], (str, int)):
            problems.append("options.sheet is a sheet name or its position (1 = first)")
        return problems

    # columns ---------------------------------------------------------------------------------
    def _columns(self) -> dict[str, list[str]]:
        columns = {field: [header_text(h) for h in headers] for field, headers in DEFAULT_COLUMNS.items()}
        for name, headers in (self.config.options.get("columns") or {}).items():
            columns[canonical_field(name)] = [header_text(h) for h in as_list(headers)]
        key = self.config.options.get("key")
        if key:
            columns["_key"] = [header_text(h) for h in as_list(key)]
        return columns

    @staticmethod
    def _match(header: list[str], columns: dict[str, list[str]]) -> dict[str, list[int]]:
        cells = [header_text(c) for c in header]
        found = {}
        for field, aliases in columns.items():
            indexes = [i for alias in aliases for i, cell in enumerate(cells) if cell and cell == alias]
            if indexes:
                found[field] = list(dict.fromkeys(indexes))
        return found

    def _header(self, rows: list[list[str]], columns) -> tuple[int, dict[str, list[int]]] | None:
        stated = self.config.options.get("header_row")
        candidates = [stated - 1] if stated else range(min(HEADER_SEARCH_ROWS, len(rows)))
        best = None
        for index in candidates:
            if index >= len(rows):
                continue
            found = self._match(rows[index], columns)
            if "name" in found and (best is None or len(found) > len(best[1])):
                best = (index, found)
        return best

    def _sheets(self, content: bytes, where: str | None):
        if table_format(content, self.config.options, where or self.config.options.get("path")) == "csv":
            return csv_sheets(content, self.config.options)
        sheets = xlsx_sheets(content)
        wanted = self.config.options.get("sheet")
        if wanted is None:
            return sheets
        if isinstance(wanted, int):
            if not 1 <= wanted <= len(sheets):
                raise SourceError(f"the workbook has {len(sheets)} sheet(s), not a sheet {wanted}")
            return [sheets[wanted - 1]]
        chosen = [s for s in sheets if fold(s[0]) == fold(wanted)]
        if not chosen:
            raise SourceError(f"no sheet {wanted!r} (sheets: {', '.join(s[0] for s in sheets)})")
        return chosen

    # stages ----------------------------------------------------------------------------------
    def gather(self) -> Iterator[RawRecord]:
        self.require_valid_options()
        columns = self._columns()
        required = [canonical_field(f) or f for f in as_list(self.config.options.get("required", ["name"]))]
        count = 0
        for content, url, _ in read_source_bytes(self):
            sheets = self._sheets(content, url)
            for title, rows in sheets:
                header = self._header(rows, columns)
                if header is None:
                    continue
                start, found = header
                missing = [f for f in required if f not in found]
                if missing:
                    raise SourceError(f"sheet {title!r}: no column for {', '.join(missing)}")
                if self.config.options.get("key") and "_key" not in found:
                    raise SourceError(f"sheet {title!r}: no key column {self.config.options['key']!r}")
                for number, row in enumerate(rows[start + 1:], start=start + 2):
                    if not any(cell.strip() for cell in row):
                        continue
                    raw = {field: [row[i] for i in indexes if i < len(row) and row[i].strip()]
                           for field, indexes in found.items()}
                    if self.mapping.skipped(raw):
                        continue
                    stated_key = (raw.pop("_key", None) or [None])[0]
                    count += 1
                    yield RawRecord(key=self.mapping.key(raw, stated_key, fallback=f"row-{number}"),
                                    data=raw, url=url)
                break  # one table per file: the first sheet with a header
            else:
                names = columns["name"]
                raise SourceError(f"no header row with a name column (looked for: {', '.join(names)}) "
                                  f"in {', '.join(repr(s[0]) for s in sheets)}")
        if count < self.mapping.min_items:
            raise SourceError(f"the table has {count} row(s), fewer than min_items = {self.mapping.min_items}")

    def transform(self, record: RawRecord) -> Graph:
        facts = self.mapping.facts(record.data, source_url=record.url)
        return facts_to_graph(facts, iris=self.iris, reference=self.context.reference,
                              source=self.config.name, key=record.key, record_url=facts.source_url)
