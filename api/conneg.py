"""Content negotiation: pick one of the media types a resource offers from an ``Accept`` header.

Rules: q-values decide; at equal q the more specific range wins (``text/turtle`` over ``text/*``
over ``*/*``); at equal specificity the server's order of preference wins. Parameters other than
``q`` (``charset=utf-8``) are ignored. An empty header or ``*/*`` gets the server's first choice.
``?format=`` (a short name or a media type) overrides the header, for browsers and curl.

>>> negotiate("text/turtle;q=0.9, application/ld+json", ["text/turtle", "application/ld+json"])
'application/ld+json'
>>> negotiate("", ["text/turtle", "application/ld+json"])
'text/turtle'
"""
from __future__ import annotations

from dataclasses import dataclass

from registry.errors import RegistryError

# short names usable in ?format=, to registered media types
FORMAT_NAMES = {
    "json": "application/json",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "n-triples": "application/n-triples",
    "nq": "application/n-quads",
    "rdf": "application/rdf+xml",
    "rdfxml": "application/rdf+xml",
    "xml": "application/rdf+xml",
    "html": "text/html",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "geojson": "application/geo+json",
    "svg": "image/svg+xml",
    "srj": "application/sparql-results+json",
    "srx": "application/sparql-results+xml",
}

MAX_ACCEPT_LENGTH = 4096
MAX_RANGES = 64


class NotAcceptable(RegistryError):
    code = "not_acceptable"

    def __init__(self, offered: list[str]):
        super().__init__("none of the requested media types can be served; available: " + ", ".join(offered))
        self.offered = offered


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")

    def matches(self, media_type: str) -> bool:
        type_, _, subtype = media_type.partition("/")
        return self.type in ("*", type_) and self.subtype in ("*", subtype)


def parse_accept(header: str | None) -> list[MediaRange]:
    """The ranges of an Accept header; malformed entries are skipped, not fatal.

    >>> [(r.type, r.subtype, r.q) for r in parse_accept("text/*;q=0.5, application/json")]
    [('text', '*', 0.5), ('application', 'json', 1.0)]
    """
    if not header or not header.strip():
        return []
    ranges = []
    for part in header[:MAX_ACCEPT_LENGTH].split(",")[:MAX_RANGES]:
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        type_, slash, subtype = media.partition("/")
        if not slash or not type_ or not subtype or (type_ == "*" and subtype != "*"):
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                if not 0.0 <= q <= 1.0:
                    q = 0.0
        ranges.append(MediaRange(type_, subtype, q))
    return ranges


def format_media_type(value: str, aliases: dict[str, str] | None = None) -> str | None:
    """``ttl`` → ``text/turtle``; a media type stays itself (without parameters)."""
    value = value.strip().lower()
    if aliases and value in aliases:
        return aliases[value]
    if value in FORMAT_NAMES:
        return FORMAT_NAMES[value]
    if "/" in value:
        return value.split(";")[0].strip()
    return None


def negotiate(accept: str | None, offered: list[str], format: str | None = None,
              aliases: dict[str, str] | None = None) -> str:
    """The best of ``offered`` (in server preference order) for this request, or NotAcceptable.

    ``aliases`` give ``?format=`` names a meaning for this resource (``xml`` means SPARQL XML results
    at the endpoint, RDF/XML elsewhere).
    """
    if format:
        wanted = format_media_type(format, aliases)
        if wanted in offered:
            return wanted
        raise NotAcceptable(offered)
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0]
    best, best_key = None, None
    for index, media_type in enumerate(offered):
        matching = [r for r in ranges if r.matches(media_type)]
        if not matching:
            continue
        # the most specific matching range decides this type's q (RFC 9110 §12.5.1)
        top = max(matching, key=lambda r: r.specificity)
        q = min(r.q for r in matching if r.specificity == top.specificity)
        if q <= 0:
            continue
        key = (q, top.specificity, -index)
        if best_key is None or key > best_key:
            best, best_key = media_type, key
    if best is None:
        raise NotAcceptable(offered)
    return best


def with_charset(media_type: str) -> str:
    """The Content-Type header value: text formats say they are UTF-8."""
    if media_type.startswith("text/") or media_type in {"application/n-triples"}:
        return f"{media_type}; charset=utf-8"
    return media_type


def preferred_language(accept_language: str | None, offered: tuple[str, ...] = ("en", "nl")) -> str:
    """``nl-NL,nl;q=0.9,en;q=0.5`` → ``nl``; the first offered language when nothing matches."""
    best, best_q = offered[0], -1.0
    for part in (accept_language or "")[:MAX_ACCEPT_LENGTH].split(",")[:MAX_RANGES]:
        fields = [f.strip() for f in part.split(";")]
        tag = fields[0].lower().split("-")[0]
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag in offered and q > best_q and q > 0:
            best, best_q = tag, q
    return best
