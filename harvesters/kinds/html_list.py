"""A network's member list or directory page, read with CSS selectors.

    [[source]]
    name = "voorbeeld-leden"
    kind = "html-list"
    url = "https://example.org/leden/"
    [source.options]
    item = "article.member"               # one element per collective
    next = "a[rel=next]"                  # pagination link; followed until none, a repeat or max_pages
    max_pages = 50
    min_items = 1                         # fewer items fails the run: a layout change must not empty the graph
    [source.options.fields]
    name = "h3"                           # text of the first match inside the item
    link = "h3 a"                         # href, made absolute (link and website default to href)
    place = ".place"
    status = "@data-status"               # an attribute of the item itself
    website = { selector = "a.site", attr = "href" }
    sectors = ".tags li"                  # list fields take every match

A field may list alternatives (the first that gives a value wins). ``values``, ``defaults``,
``patterns``, ``skip``, ``member_of`` and ``key`` (a selector for a stable id) work as in the ``table`` kind;
without a key, a record is keyed by its link, else by a slug of name and place.
"""
from __future__ import annotations

import hashlib
import re
from typing import Iterator
from urllib.parse import urldefrag, urljoin

from bs4 import BeautifulSoup
from bs4.element import CData, NavigableString, Tag
from rdflib import Graph
from soupsieve import SelectorSyntaxError, compile as compile_selector

from ..base import RawRecord, SourceError
from ..facts import facts_to_graph
from ..mapping import ListingHarvester, COMMON_OPTIONS, LIST_FIELDS, FieldMapping, as_list, canonical_field, cell_text

HTML_OPTIONS = COMMON_OPTIONS | {"item", "fields", "next", "max_pages"}
HREF_FIELDS = {"link", "website"}
DEFAULT_MAX_PAGES = 100
ATTRIBUTE = re.compile(r"^(.*?)@([A-Za-z_:][\w:.-]*)$")  # "a.site@href" (an @ inside [...] is left alone)


def parse_spec(spec) -> list[tuple[str, str | None]]:
    """A field's selector(s) as (css, attribute) pairs: ``"a@href"``, ``"@data-x"``, ``{selector, attr}``."""
    pairs = []
    for one in as_list(spec):
        if isinstance(one, dict):
            pairs.append((str(one.get("selector", "")).strip(), one.get("attr")))
        elif ATTRIBUTE.match(str(one)):
            css, attr = ATTRIBUTE.match(str(one)).groups()
            pairs.append((css.strip(), attr))
        else:
            pairs.append((str(one).strip(), None))
    return pairs


def element_text(element: Tag, exclude: set[int] = frozenset()) -> str:
    """The element's text, leaving out nested elements in ``exclude`` (unclosed ``<li>``s nest)."""
    if not exclude:
        return cell_text(element.get_text(" ", strip=True))
    parts = []
    for string in element.find_all(string=True):
        if type(string) not in (NavigableString, CData):
            continue
        parent = string.parent
        while parent is not None and parent is not element and id(parent) not in exclude:
            parent = parent.parent
        if parent is element:
            parts.append(string)
    return cell_text(" ".join(parts))


class HtmlListHarvester(ListingHarvester):
    """Every element matching ``item`` on the listing page(s) is one record."""

    kind = "html-list"

    def __init__(self, config, context):
        super().__init__(config, context)
        options = config.options
        self.fields = {canonical_field(name): parse_spec(spec) for name, spec in (options.get("fields") or {}).items()}
        self.key_spec = parse_spec(options["key"]) if options.get("key") else None

    @classmethod
    def check_options(cls, options: dict) -> list[str]:
        problems = FieldMapping.check(options, HTML_OPTIONS)
        selectors = {"item": options.get("item")}
        if not options.get("item"):
            problems.append("options.item is required: the CSS selector of one listed collective")
        if options.get("next"):
            selectors["next"] = options["next"]
        fields = options.get("fields")
        if not isinstance(fields, dict) or "name" not in fields:
            problems.append("options.fields is required and needs at least name")
            fields = {}
        for name, spec in fields.items():
            if not canonical_field(name):
                problems.append(f"options.fields: unknown field {name!r}")
                continue
            for i, (css, _) in enumerate(parse_spec(spec)):
                selectors[f"fields.{name}[{i}]"] = css
        if options.get("key"):
            for i, (css, _) in enumerate(parse_spec(options["key"])):
                selectors[f"key[{i}]"] = css
        for label, css in selectors.items():
            if css and css not in (".", ":scope"):
                try:
                    compile_selector(css)
                except (SelectorSyntaxError, TypeError, ValueError) as exc:
                    problems.append(f"options.{label}: not a CSS selector: {exc}")
        max_pages = options.get("max_pages", DEFAULT_MAX_PAGES)
        if not isinstance(max_pages, int) or max_pages < 1:
            problems.append("options.max_pages must be a whole number ≥ 1")
        return problems

    # pages -----------------------------------------------------------------------------------
    def _page(self, url: str) -> tuple[str, BeautifulSoup]:
        response = self.context.http.get(url, rate=self.config.rate)
        # html.parser is lenient: unclosed tags and stray markup still give a tree
        return getattr(response, "url", None) or url, BeautifulSoup(response.text, "html.parser")

    def _pages(self, start: str) -> Iterator[tuple[str, BeautifulSoup, list[Tag]]]:
        """The listing's pages, following ``next`` until there is none, it repeats, or a page repeats."""
        max_pages = self.config.options.get("max_pages", DEFAULT_MAX_PAGES)
        seen_urls: set[str] = set()
        seen_pages: set[str] = set()
        url: str | None = start
        while url:
            url = urldefrag(url).url
            if url in seen_urls:
                return
            if len(seen_urls) >= max_pages:
                raise SourceError(f"more than max_pages = {max_pages} listing pages from {start}")
            seen_urls.add(url)
            page_url, soup = self._page(url)
            items = soup.select(self.config.options["item"])
            fingerprint = hashlib.sha256("\x1f".join(map(str, items)).encode()).hexdigest()
            if items and fingerprint in seen_pages:  # a different URL serving a page already read
                return
            seen_pages.add(fingerprint)
            yield page_url, soup, items
            url = self._next(soup, page_url)

    def _next(self, soup: BeautifulSoup, page_url: str) -> str | None:
        selector = self.config.options.get("next")
        if not selector:
            return None
        link = soup.select_one(selector)
        href = link.get("href") if link is not None else None
        return urljoin(page_url, href.strip()) if href and href.strip() else None

    # values ----------------------------------------------------------------------------------
    def _values(self, item: Tag, specs, page_url: str, *, href: bool, many: bool, href_only: bool = False) -> list[str]:
        for css, attr in specs:
            elements = [item] if css in ("", ".", ":scope") else item.select(css)
            values = []
            chosen = elements if many else elements[:1]
            nested = {id(e) for e in chosen} if many and len(chosen) > 1 else set()
            for element in chosen:
                attribute = attr or ("href" if href else None)
                if attribute:
                    if attribute == "href" and element.name != "a" and element.get("href") is None:
                        inner = element.find("a", href=True)
                        element = inner if inner is not None else element
                    value = element.get(attribute)
                    value = " ".join(value) if isinstance(value, list) else value
                    if value and attribute in ("href", "src"):
                        value = urljoin(page_url, value.strip())
                    text = cell_text(value)
                    if not text and not attr and not href_only:  # a website written out as text
                        text = element_text(element)
                else:
                    text = element_text(element, nested - {id(element)})
                if text:
                    values.append(text)
            if values:
                return values
        return []

    def _raw(self, item: Tag, page_url: str) -> dict[str, list[str]]:
        return {field: self._values(item, specs, page_url, href=field in HREF_FIELDS, many=field in LIST_FIELDS,
                                    href_only=field == "link")
                for field, specs in self.fields.items()}

    # stages ----------------------------------------------------------------------------------
    def gather(self) -> Iterator[RawRecord]:
        self.require_valid_options()
        if not self.config.all_urls:
            raise SourceError("the source needs a url")
        if self.context.http is None:
            raise SourceError("no HTTP client in the harvest context")
        for start in self.config.all_urls:
            count = 0
            for page_number, (page_url, _, items) in enumerate(self._pages(start), start=1):
                for position, item in enumerate(items, start=1):
                    raw = self._raw(item, page_url)
                    if self.mapping.skipped(raw):
                        continue
                    stated = self._values(item, self.key_spec, page_url, href=False, many=False) if self.key_spec else []
                    count += 1
                    key = self.mapping.key(raw, stated[0] if stated else None,
                                           fallback=f"page-{page_number}-item-{position}", listing_url=page_url)
                    yield RawRecord(key=key, data={"fields": raw, "page": page_url},
                                    url=(raw.get("link") or [page_url])[0])
            if count < self.mapping.min_items:
                raise SourceError(f"{start}: {count} item(s) match {self.config.options['item']!r}, "
                                  f"fewer than min_items = {self.mapping.min_items} (has the page layout changed?)")

    def transform(self, record: RawRecord) -> Graph:
        facts = self.mapping.facts(record.data["fields"], source_url=record.data["page"])
        return facts_to_graph(facts, iris=self.iris, reference=self.context.reference,
                              source=self.config.name, key=record.key, record_url=facts.source_url)
