"""``jsonld-in-html``: collectives' own websites, read from their schema.org JSON-LD and meta tags.

    [[source]]
    name = "collective-sites"
    kind = "jsonld-in-html"
    urls = ["https://voorbeelddorp-energie.example.org/"]   # or options.urls
    rate = 0.5

One record per site, keyed by its domain (``voorbeelddorp-energie.example.org``, without
``www.``). Every ``<script type="application/ld+json">`` block is read (single objects, arrays
and ``@graph`` forms, as SEO plugins emit them); the organisation is the node the page's
``WebSite``/``WebPage`` names as publisher or ``about``, else the organisation on the site's own
domain, else the first one. Without JSON-LD, ``og:site_name`` / ``og:title`` / ``<title>`` and the
``description`` meta tag stand in. A malformed JSON-LD block, a page that is not in its declared
encoding, or a page that names no organisation is that site's error, not the run's.
"""
from __future__ import annotations

import json
import re
from typing import Iterator
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from rdflib import Graph, URIRef

from ..base import Harvester, RawRecord, RecordError, SourceError
from ..facts import CollectiveFacts, facts_to_graph
from .linked_data import RemoteContextRefused, facts_from_node, organisation_nodes, parse_jsonld

from registry.namespaces import SCHEMA

HTML_TYPES = ("text/html", "application/xhtml+xml")
ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def site_key(url: str) -> str:
    """``https://www.Example.org/about`` → ``example.org`` (a port other than the default stays)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host = host[4:] if host.startswith("www.") else host
    return f"{host}:{parts.port}" if parts.port and parts.port not in (80, 443) else host


def decode_page(content: bytes, content_type: str) -> str:
    """The page as text in its declared encoding (header, then meta, then UTF-8); strict."""
    declared = re.search(r"charset\s*=\s*\"?([^;\s\"]+)", content_type or "", re.I)
    meta = _META_CHARSET.search(content[:4096])
    encoding = declared.group(1) if declared else (meta.group(1).decode("ascii", "ignore") if meta else "utf-8")
    try:
        return content.decode(encoding)
    except LookupError:
        raise RecordError(f"the page declares an unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as exc:
        raise RecordError(f"the page is not valid {encoding} ({exc.reason} at byte {exc.start})") from None


def jsonld_blocks(soup: BeautifulSoup) -> list[str]:
    return [script.string or script.get_text() for script in soup.find_all("script")
            if (script.get("type") or "").split(";")[0].strip().lower() == "application/ld+json"]


def _meta(soup: BeautifulSoup, *names: str) -> str | None:
    for name in names:
        tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
        if tag and (tag.get("content") or "").strip():
            return " ".join(tag["content"].split())
    return None


def chosen_organisation(graph: Graph, nodes: list, domain: str):
    """The page's own organisation: named by WebSite/WebPage, else on the site's domain, else the first."""
    for page_type in (SCHEMA.WebSite, SCHEMA.WebPage, SCHEMA.AboutPage, SCHEMA.ContactPage):
        for page in graph.subjects(None, page_type):
            for prop in (SCHEMA.publisher, SCHEMA.about, SCHEMA.author, SCHEMA.mainEntity):
                for target in graph.objects(page, prop):
                    if target in nodes:
                        return target
    for node in nodes:
        url = graph.value(node, SCHEMA.url) or (node if isinstance(node, URIRef) else None)
        if url is not None and site_key(str(url)) == domain:
            return node
    return nodes[0] if nodes else None


class JsonLdInHtmlHarvester(Harvester):
    kind = "jsonld-in-html"

    def __init__(self, config, context):
        super().__init__(config, context)
        urls = [*config.all_urls, *config.options.get("urls", [])]
        if not urls:
            raise SourceError(f"{config.name}: a jsonld-in-html source needs urls (the collectives' websites)")
        self.sites: dict[str, str] = {}
        for url in urls:
            if not re.match(r"^https?://\S+$", url) or not site_key(url):
                raise SourceError(f"{config.name}: not an http(s) URL: {url!r}")
            self.sites.setdefault(site_key(url), url)

    def gather(self) -> Iterator[str]:
        yield from self.sites

    def fetch(self, key: str) -> RawRecord:
        http = self.context.http
        if http is None:
            raise SourceError(f"{self.config.name}: the jsonld-in-html kind needs the harvest's HTTP client")
        response = http.get(self.sites[key], headers={"Accept": ACCEPT}, rate=self.config.rate)
        content_type = response.headers.get("Content-Type", "")
        if content_type and not content_type.split(";")[0].strip().lower() in HTML_TYPES:
            raise RecordError(f"{response.url} is {content_type.split(';')[0]}, not an HTML page")
        return RawRecord(key=key, data={"content": response.content, "content_type": content_type},
                         url=response.url or self.sites[key])

    def transform(self, record: RawRecord) -> Graph:
        facts = self.facts(record)
        return facts_to_graph(facts, iris=self.iris, reference=self.context.reference,
                              source=self.config.name, key=record.key, record_url=record.url)

    def facts(self, record: RawRecord) -> CollectiveFacts:
        text = decode_page(record.data["content"], record.data.get("content_type", ""))
        soup = BeautifulSoup(text, "html.parser")
        graph, broken = Graph(), []
        for number, block in enumerate(jsonld_blocks(soup), start=1):
            try:
                graph += parse_jsonld(block, record.url, self.config.name)
            except RemoteContextRefused as exc:
                broken.append(f"JSON-LD block {number}: {exc}")
            except json.JSONDecodeError as exc:
                broken.append(f"JSON-LD block {number} is not valid JSON ({exc.msg}, line {exc.lineno})")
            except Exception as exc:  # rdflib's JSON-LD errors come in many types
                broken.append(f"JSON-LD block {number} cannot be read ({type(exc).__name__}: {exc})")
        nodes = organisation_nodes(graph, self.iris.CC)
        node = chosen_organisation(graph, nodes, record.key)
        if node is not None:
            try:
                facts = facts_from_node(graph, node, self.iris.CC, str(self.iris.concept("legal-form", "")), record.url)
            except RecordError:
                if broken:
                    raise RecordError("; ".join(broken)) from None
                raise
        elif broken:  # a broken block may have held the organisation: say so instead of guessing
            raise RecordError("; ".join(broken))
        else:
            name = _meta(soup, "og:site_name", "og:title") or (soup.title.get_text(" ", strip=True) if soup.title else None)
            if not name:
                raise RecordError("the page names no organisation (no JSON-LD, og:site_name, og:title or title)")
            facts = CollectiveFacts(name=name, description=_meta(soup, "description", "og:description"),
                                    source_url=record.url)
        facts.website = facts.website or _meta(soup, "og:url") or record.url
        facts.description = facts.description or _meta(soup, "description", "og:description")
        return facts
