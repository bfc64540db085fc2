"""The JSON behind a network's map: a list of points, a list nested under a key, or GeoJSON.

    [[source]]
    name = "voorbeeld-kaart"
    kind = "json-feed"
    url = "https://example.org/wp-json/kaart/v1/markers"
    [source.options]
    items = "data.markers"                # dotted path to the list; default: the document or its features
    key = "id"                            # dotted path to a stable id; default: link, else name + place
    next = "links.next"                   # paging: a dotted path to the next URL, or "@link" for a Link header
    [source.options.fields]
    name = ["properties.title", "title"]  # alternatives: the first path with a value wins
    place = "properties.plaats"
    latitude = "geometry.coordinates.1"   # GeoJSON points are read without this
    sectors = "properties.categories.*.name"

Paths are dotted keys and list positions (``geometry.coordinates.1``); ``*`` takes every
element of a list. Text values lose HTML tags and entities (map plugins often keep them).
``values``, ``defaults``, ``patterns``, ``skip``, ``min_items`` and ``member_of`` work as in the ``table`` kind.
"""
from __future__ import annotations

import hashlib
import html
import json
import re
from typing import Any, Iterator
from urllib.parse import urljoin

from rdflib import Graph

from ..base import RawRecord, SourceError
from ..facts import facts_to_graph
from ..mapping import ListingHarvester, COMMON_OPTIONS, FieldMapping, canonical_field, as_list, cell_text, read_source_bytes

JSON_OPTIONS = COMMON_OPTIONS | {"items", "fields", "next", "max_pages"}
DEFAULT_MAX_PAGES = 100
MISSING = object()
TAG = re.compile(r"<[A-Za-z/!][^>]*>")
DEFAULT_FIELDS = {
    "name": ["name", "title", "naam", "properties.name", "properties.title", "properties.naam"],
    "link": ["link", "properties.link"],  # the item's page on the network's site
    "website": ["website", "url", "properties.website", "properties.url"],
    "place": ["place", "plaats", "city", "properties.place", "properties.plaats", "properties.city"],
    "latitude": ["lat", "latitude"],
    "longitude": ["lng", "lon", "longitude"],
}


def resolve(data: Any, path: str) -> list[Any]:
    """Values at a dotted path; ``*`` fans out over a list.

    >>> resolve({"a": [{"b": 1}, {"b": 2}]}, "a.*.b")
    [1, 2]
    >>> resolve({"geometry": {"coordinates": [5.1, 52.0]}}, "geometry.coordinates.1")
    [52.0]
    """
    current = [data]
    for part in path.split(".") if path else []:
        following = []
        for value in current:
            if part == "*":
                following.extend(value if isinstance(value, list) else value.values() if isinstance(value, dict) else [])
            elif isinstance(value, dict) and part in value:
                following.append(value[part])
            elif isinstance(value, list) and re.fullmatch(r"-?\d+", part) and -len(value) <= int(part) < len(value):
                following.append(value[int(part)])
        current = following
    return current


def leaf_texts(values: list[Any]) -> list[str]:
    """Scalars as text (a list contributes its scalars); HTML tags and entities removed."""
    texts = []
    for value in values:
        if isinstance(value, list):
            texts.extend(leaf_texts(value))
        elif isinstance(value, dict) or value is None:
            continue
        else:
            text = str(value) if isinstance(value, str) else cell_text(value)
            if isinstance(value, str):
                text = html.unescape(TAG.sub(" ", text))
            text = cell_text(text)
            if text:
                texts.append(text)
    return texts


def parse_json(content: bytes, where: str) -> Any:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")  # not JSON's encoding, but some feeds use it
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{where}: not JSON ({exc})") from exc


class JsonFeedHarvester(ListingHarvester):
    """Every element of the ``items`` list is one record."""

    kind = "json-feed"

    def __init__(self, config, context):
        super().__init__(config, context)
        self.fields = dict(DEFAULT_FIELDS)
        for name, paths in (config.options.get("fields") or {}).items():
            if canonical_field(name):
                self.fields[canonical_field(name)] = [str(p) for p in as_list(paths)]

    @classmethod
    def check_options(cls, options: dict) -> list[str]:
        problems = FieldMapping.check(options, JSON_OPTIONS)
        fields = options.get("fields", {})
        if not isinstance(fields, dict):
            problems.append("options.fields must be a table of field = path or [paths]")
            fields = {}
        for name, paths in fields.items():
            if not canonical_field(name):
                problems.append(f"options.fields: unknown field {name!r}")
            elif not as_list(paths) or not all(isinstance(p, str) for p in as_list(paths)):
                problems.append(f"options.fields.{name} must be a dotted path or a list of paths")
        for name in ("items", "key", "next"):
            if name in options and not isinstance(options[name], str):
                problems.append(f"options.{name} must be a dotted path")
        max_pages = options.get("max_pages", DEFAULT_MAX_PAGES)
        if not isinstance(max_pages, int) or max_pages < 1:
            problems.append("options.max_pages must be a whole number ≥ 1")
        return problems

    # documents -------------------------------------------------------------------------------
    def _documents(self) -> Iterator[tuple[Any, str | None]]:
        """Each JSON document with its URL, following ``next`` until none, a repeat or max_pages."""
        if self.config.options.get("path") or not self.config.options.get("next"):
            for content, url, _ in read_source_bytes(self):
                yield parse_json(content, url or self.config.options.get("path", "feed")), url
            return
        if self.context.http is None:
            raise SourceError("no HTTP client in the harvest context")
        max_pages = self.config.options.get("max_pages", DEFAULT_MAX_PAGES)
        for start in self.config.all_urls:
            seen: set[str] = set()
            bodies: set[str] = set()
            url: str | None = start
            while url and url not in seen:
                if len(seen) >= max_pages:
                    raise SourceError(f"more than max_pages = {max_pages} feed pages from {start}")
                seen.add(url)
                response = self.context.http.get(url, rate=self.config.rate)
                page_url = getattr(response, "url", None) or url
                digest = hashlib.sha256(response.content).hexdigest()
                if digest in bodies:  # a new URL serving a page already read
                    break
                bodies.add(digest)
                document = parse_json(response.content, page_url)
                yield document, page_url
                url = self._next(document, response, page_url)

    def _next(self, document: Any, response: Any, page_url: str) -> str | None:
        where = self.config.options["next"]
        if where == "@link":
            header = (getattr(response, "headers", None) or {}).get("Link") or (
                getattr(response, "headers", None) or {}).get("link") or ""
            match = re.search(r'<([^>]+)>\s*;\s*rel="?next"?', header)
            found = match.group(1) if match else None
        else:
            found = next(iter(leaf_texts(resolve(document, where))), None)
        return urljoin(page_url, found) if found else None

    def _items(self, document: Any, where: str | None) -> list[Any]:
        path = self.config.options.get("items")
        if path:
            found = resolve(document, path)
            if len(found) != 1 or not isinstance(found[0], list):
                raise SourceError(f"{where}: no list at items = {path!r}")
            return found[0]
        if isinstance(document, list):
            return document
        if isinstance(document, dict) and isinstance(document.get("features"), list):
            return document["features"]
        raise SourceError(f"{where}: the document is not a list; set options.items to the path of the list")

    def _raw(self, item: Any, page_url: str | None) -> dict[str, list[str]]:
        raw = {}
        for field, paths in self.fields.items():
            for path in paths:
                texts = leaf_texts(resolve(item, path))
                if texts:
                    raw[field] = texts
                    break
        if isinstance(item, dict) and "latitude" not in raw and "longitude" not in raw:
            geometry = item.get("geometry") or {}
            coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
            if geometry.get("type") == "Point" and isinstance(coordinates, list) and len(coordinates) >= 2:
                raw["longitude"], raw["latitude"] = [cell_text(coordinates[0])], [cell_text(coordinates[1])]
        for field in ("link", "website"):
            if raw.get(field) and page_url and not re.match(r"^[a-z]+:", raw[field][0], re.I):
                if field == "link" or raw[field][0].startswith("/"):
                    raw[field] = [urljoin(page_url, raw[field][0])]
        return raw

    # stages ----------------------------------------------------------------------------------
    def gather(self) -> Iterator[RawRecord]:
        self.require_valid_options()
        key_path = self.config.options.get("key")
        count = 0
        for document, page_url in self._documents():
            for position, item in enumerate(self._items(document, page_url), start=1):
                raw = self._raw(item, page_url)
                if self.mapping.skipped(raw):
                    continue
                stated = leaf_texts(resolve(item, key_path)) if key_path else []
                count += 1
                key = self.mapping.key(raw, stated[0] if stated else None, fallback=f"item-{count}",
                                       listing_url=page_url)
                yield RawRecord(key=key, data={"fields": raw, "page": page_url},
                                url=(raw.get("link") or [page_url])[0])
        if count < self.mapping.min_items:
            raise SourceError(f"the feed has {count} item(s), fewer than min_items = {self.mapping.min_items}")

    def transform(self, record: RawRecord) -> Graph:
        facts = self.mapping.facts(record.data["fields"], source_url=record.data["page"])
        return facts_to_graph(facts, iris=self.iris, reference=self.context.reference,
                              source=self.config.name, key=record.key, record_url=facts.source_url)
