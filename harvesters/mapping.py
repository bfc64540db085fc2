"""The mapping every listing kind shares (table, html-list, json-feed): raw values per field → facts.

Options: ``values`` (words the source uses → codes, per field), ``defaults`` (used when a field
is empty), ``patterns`` (a regular expression per field whose first group is the value),
``skip`` (field → values whose rows are left out, e.g. a "Totaal" row) and ``min_items``
(fewer items than this fails the run, so a layout change never empties the graph).

``member_of`` names the network whose member listing this is (``"curated:drentse-kei"``, or the
network's name as the curated list writes it; see :mod:`harvesters.memberships`): every item
becomes ``org:memberOf`` that network. A listing that says per item which network(s) it belongs
to maps that column or selector to the field ``member_of`` (alias ``network``); its words are
references too, translated under ``values.member_of`` where the listing uses other names.

>>> mapping = FieldMapping({"values": {"sector": {"Zon": "energy"}}})
>>> mapping.facts({"name": ["Energiecoöperatie Voorbeelddorp"], "sectors": ["Zon"]}).sectors
['energy']
"""
from __future__ import annotations

import re
from dataclasses import fields
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import quote, urlsplit


from registry.identifiers import slug
from registry.reference import fold

from .base import Harvester, RecordError, SourceError
from .facts import SECTORS, CollectiveFacts, legal_form_code, sector_code
from .memberships import NetworkDirectory

# --------------------------------------------------------------------------------------------
# The mapping every listing kind shares: raw values per field → CollectiveFacts.
# --------------------------------------------------------------------------------------------

FACT_FIELDS = {f.name for f in fields(CollectiveFacts)} - {"source_url"}
FIELDS = FACT_FIELDS | {"link"}  # link: the record's own page on the network's site
ALIASES = {"sector": "sectors", "alternate_name": "alternate_names", "lat": "latitude",
           "lon": "longitude", "lng": "longitude", "url": "website", "gemeente": "municipality",
           "network": "member_of", "networks": "member_of"}
LIST_FIELDS = {"sectors", "alternate_names", "member_of"}
SECTOR_CODES = set(SECTORS.values())
COLLECTIVE_TYPES = {
    "energy-cooperative", "energy-supplier", "care-cooperative", "care-initiative", "housing-cooperative",
    "food-collective", "csa-farm", "herenboeren-farm", "resident-business", "neighbourhood-cooperative",
    "neighbourhood-initiative", "mobility-collective", "village-cooperative", "network", "other",
}
LEGAL_FORMS = {"cooperative", "cooperative-ua", "cooperative-ba", "cooperative-wa", "association",
               "association-limited", "foundation", "bv", "informal"}
# What sources write when they mean "nothing here".
EMPTY = {"", "-", "–", "—", "n.v.t.", "nvt", "n/a", "onbekend", "unknown", "null", "none", "?"}
TRUE_WORDS = {"ja", "yes", "true", "1", "x", "waar", "netwerk", "network", "koepel"}
COMMON_OPTIONS = {"values", "defaults", "patterns", "skip", "min_items", "key", "path", "member_of"}
NETWORK_SEPARATORS = re.compile(r"\s*[,;|]\s*")


def canonical_field(name: str) -> str | None:
    """``sector`` → ``sectors``; unknown names → None."""
    name = ALIASES.get(name, name)
    return name if name in FIELDS else None


def as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def cell_text(value: Any) -> str:
    """One cell or JSON value as text: ``2019.0`` → ``2019``, a datetime at midnight → its date."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value).split())


def normalise_date(text: str) -> str:
    """``01-03-2019`` or ``2019-03-01 00:00:00`` → ``2019-03-01``; anything else is left as stated."""
    match = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", text)
    if match:
        day, month, year = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[ T]00:00(:00)?", text)
    return match.group(1) if match else text


def parse_coordinate(text: str, field: str, limit: float) -> float:
    cleaned = text.replace(",", ".") if text.count(",") == 1 and "." not in text else text
    try:
        number = float(cleaned)
    except ValueError:
        raise RecordError(f"{field} is not a number: {text!r}") from None
    if not -limit <= number <= limit:
        raise RecordError(f"{field} out of range: {text!r}")
    return number


def safe_url(text: str | None) -> str | None:
    """An http(s) URL fit to be an IRI (spaces and quotes percent-encoded), or None."""
    if not text or not re.match(r"^https?://[^/\s]", text.strip(), re.I):
        return None
    return quote(text.strip(), safe=":/?#[]@!$&'()*+,;=%~")


def record_key(*parts: str | None) -> str:
    """A key that is safe inside the record IRI: ``https://example.org/leden/a/`` → ``example-org-leden-a``."""
    texts = []
    for part in parts:
        if not part:
            continue
        if re.match(r"^https?://", part, re.I):
            split = urlsplit(part)
            part = f"{split.netloc}{split.path}" + (f"?{split.query}" if split.query else "")
        texts.append(part)
    return slug(" ".join(texts))


class FieldMapping:
    """Value mappings, defaults, patterns and skip rules from a source's options."""

    def __init__(self, options: dict, networks: Callable[[str], str | None] | None = None):
        self.member_of = [str(r) for r in as_list(options.get("member_of"))]  # the listing's own network(s)
        self.resolve_network = networks  # network reference → IRI, None when it names no network
        self.values = {canonical_field(f): {fold(str(k)): v for k, v in mapping.items()}
                       for f, mapping in (options.get("values") or {}).items() if canonical_field(f)}
        self.defaults = {canonical_field(f): v for f, v in (options.get("defaults") or {}).items()
                         if canonical_field(f)}
        self.patterns = {canonical_field(f): re.compile(p) for f, p in (options.get("patterns") or {}).items()
                         if canonical_field(f)}
        self.skip = {canonical_field(f): {fold(str(v)) for v in as_list(values)}
                     for f, values in (options.get("skip") or {}).items() if canonical_field(f)}
        self.min_items = int(options.get("min_items", 1))

    @staticmethod
    def check(options: dict, allowed: set[str]) -> list[str]:
        """Problems with the shared options (and any option the kind does not know)."""
        problems = [f"unknown option {name!r} (known: {', '.join(sorted(allowed))})"
                    for name in sorted(set(options) - allowed)]
        for group in ("values", "defaults", "patterns", "skip"):
            table = options.get(group, {})
            if not isinstance(table, dict):
                problems.append(f"options.{group} must be a table")
                continue
            for name, value in table.items():
                if not canonical_field(name):
                    problems.append(f"options.{group}: unknown field {name!r}")
                elif group == "values" and not isinstance(value, dict):
                    problems.append(f"options.values.{name} must be a table of stated value = mapped value")
                elif group == "patterns":
                    try:
                        if re.compile(value).groups < 1:
                            problems.append(f"options.patterns.{name} needs one (group) around the value")
                    except (re.error, TypeError) as exc:
                        problems.append(f"options.patterns.{name} is not a regular expression: {exc}")
        for name, value in (options.get("defaults") or {}).items():
            field = canonical_field(name)
            if field == "sectors" and not all(v in SECTOR_CODES for v in as_list(value)):
                problems.append(f"options.defaults.{name}: sector codes are {', '.join(sorted(SECTOR_CODES))}")
            if field == "collective_type" and value not in COLLECTIVE_TYPES:
                problems.append(f"options.defaults.{name}: unknown collective type {value!r}")
        for field, mapping in (options.get("values") or {}).items():
            if canonical_field(field) == "sectors" and isinstance(mapping, dict):
                bad = [v for m in mapping.values() for v in as_list(m) if v and v not in SECTOR_CODES]
                if bad:
                    problems.append(f"options.values.{field}: not sector codes: {', '.join(map(repr, bad))}")
        member_of = as_list(options.get("member_of"))
        if "member_of" in options and (not member_of or not all(isinstance(r, str) and r.strip() for r in member_of)):
            problems.append('options.member_of names the network(s) the listed collectives are members of: '
                            '"SOURCE:KEY" of a curated network or its name, or a list of them')
        min_items = options.get("min_items", 1)
        if not isinstance(min_items, int) or isinstance(min_items, bool) or min_items < 0:
            problems.append("options.min_items must be a whole number ≥ 0")
        return problems

    # reading -----------------------------------------------------------------------------------
    def clean(self, field: str, values: list) -> list[str]:
        """Texts of one field: empty words dropped, the field's pattern applied."""
        result = []
        for value in values:
            text = cell_text(value)
            if fold(text) in EMPTY:
                continue
            pattern = self.patterns.get(field)
            if pattern:
                match = pattern.search(text)
                if not match or not (match.group(1) or "").strip():
                    continue
                text = match.group(1).strip()
            result.append(text)
        return result

    def skipped(self, raw: dict[str, list]) -> bool:
        return any(fold(v) in words for field, words in self.skip.items() for v in self.clean(field, raw.get(field, [])))

    def _mapped(self, field: str, text: str) -> list[str] | None:
        """What the source's word maps to (a list; empty when mapped to nothing), or None if unmapped."""
        mapping = self.values.get(field)
        if mapping is None or fold(text) not in mapping:
            return None
        return [cell_text(v) for v in as_list(mapping[fold(text)]) if v not in (None, "", False)]

    def texts(self, raw: dict[str, list], field: str) -> list[str]:
        out: list[str] = []
        for text in self.clean(field, raw.get(field, [])):
            mapped = self._mapped(field, text)
            out.extend([text] if mapped is None else mapped)
        if not out and field in self.defaults:
            out = [cell_text(v) for v in as_list(self.defaults[field])]
        return out

    def first(self, raw: dict[str, list], field: str) -> str | None:
        found = self.texts(raw, field)
        return found[0] if found else None

    def name(self, raw: dict[str, list]) -> str | None:
        return self.first(raw, "name")

    def key(self, raw: dict[str, list], stated: str | None = None, fallback: str = "item",
            listing_url: str | None = None) -> str:
        """The stated key, else the record's link, else a slug of name and municipality (or place).

        A link on the listing's own host is keyed by its path alone, so keys survive a move of the
        network's site to another domain; links elsewhere (``<place>.herenboeren.nl``) keep their host.
        """
        if stated and fold(stated) not in EMPTY:
            return record_key(stated)
        link = self.first(raw, "link")
        if link:
            split = urlsplit(link)
            if listing_url and split.netloc == urlsplit(listing_url).netloc and (split.path.strip("/") or split.query):
                return record_key(split.path + (f"?{split.query}" if split.query else ""))
            return record_key(link)
        name = self.name(raw)
        if not name:
            return fallback
        return record_key(name, self.first(raw, "municipality") or self.first(raw, "place"))

    # facts -------------------------------------------------------------------------------------
    def networks(self, raw: dict[str, list]) -> list[str]:
        """IRIs of the networks an item is a member of: the listing's own and those the item names."""
        iris: list[str] = []
        for reference in self.member_of:
            iris.append(self._network(reference, reference))
        for text in self.texts(raw, "member_of"):
            whole = self.resolve_network(text) if self.resolve_network else None
            parts = [whole] if whole else [self._network(p, text) for p in NETWORK_SEPARATORS.split(text) if p]
            iris.extend(parts)
        return list(dict.fromkeys(iris))

    def _network(self, reference: str, stated: str) -> str:
        iri = self.resolve_network(reference) if self.resolve_network else None
        if iri is None:
            raise RecordError(f"unknown network {stated!r}: map it under options.values.member_of "
                              f"to SOURCE:KEY of a curated network")
        return iri

    def sectors(self, raw: dict[str, list]) -> list[str]:
        codes: list[str] = []
        for text in self.clean("sectors", raw.get("sectors", [])):
            mapped = self._mapped("sectors", text)
            if mapped is None:  # "Energie, Zorg" → each part on its own
                parts = [p.strip() for p in re.split(r"[,;/|]|\s+(?:en|and|&)\s+", text) if p.strip()]
                mapped = [m for p in parts for m in (self._mapped("sectors", p) or [p])]
            for word in mapped:
                code = word if word in SECTOR_CODES else sector_code(word)
                if not code:
                    raise RecordError(f"unknown sector {word!r}: map it under options.values.sector")
                codes.append(code)
        return codes or [str(v) for v in as_list(self.defaults.get("sectors"))]

    def facts(self, raw: dict[str, list], *, source_url: str | None = None) -> CollectiveFacts:
        name = self.name(raw)
        if not name:
            raise RecordError("the record has no name")
        legal_stated = self.clean("legal_form", raw.get("legal_form", []))
        legal = self.first(raw, "legal_form")
        collective_type = self.first(raw, "collective_type")
        if collective_type and collective_type not in COLLECTIVE_TYPES:
            raise RecordError(f"unknown collective type {collective_type!r}: map it under options.values.collective_type")
        latitude, longitude = self.first(raw, "latitude"), self.first(raw, "longitude")
        network = self.first(raw, "is_network")
        founded, dissolved = self.first(raw, "founded"), self.first(raw, "dissolved")
        return CollectiveFacts(
            name=name,
            is_network=fold(network) in TRUE_WORDS if network else False,
            sectors=self.sectors(raw),
            collective_type=collective_type,
            legal_form=legal if legal in LEGAL_FORMS else legal_form_code(legal),
            legal_form_stated=(self.first(raw, "legal_form_stated") or (legal_stated[0] if legal_stated else None)),
            place=self.first(raw, "place"),
            postcode=self.first(raw, "postcode"),
            street=self.first(raw, "street"),
            municipality=self.first(raw, "municipality"),
            province=self.first(raw, "province"),
            founded=normalise_date(founded) if founded else None,
            dissolved=normalise_date(dissolved) if dissolved else None,
            website=self.first(raw, "website"),
            kvk=self.first(raw, "kvk"),
            wikidata=self.first(raw, "wikidata"),
            latitude=parse_coordinate(latitude, "latitude", 90) if latitude and longitude else None,
            longitude=parse_coordinate(longitude, "longitude", 180) if latitude and longitude else None,
            description=self.first(raw, "description"),
            status=self.first(raw, "status"),
            alternate_names=self.texts(raw, "alternate_names"),
            member_of=self.networks(raw),
            source_url=safe_url(self.first(raw, "link")) or safe_url(source_url),
        )


def read_source_bytes(harvester: Harvester) -> Iterator[tuple[bytes, str | None, Any]]:
    """(content, URL to cite, response) for the local ``path`` or each configured URL."""
    path = harvester.config.options.get("path")
    if path:
        try:
            yield Path(path).expanduser().read_bytes(), harvester.config.url, None
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc}") from exc
        return
    if not harvester.config.all_urls:
        raise SourceError("the source needs a url (or options.path for a local file)")
    if harvester.context.http is None:
        raise SourceError("no HTTP client in the harvest context")
    for url in harvester.config.all_urls:
        response = harvester.context.http.get(url, rate=harvester.config.rate)
        yield response.content, getattr(response, "url", None) or url, response


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------

DEFAULT_COLUMNS: dict[str, list[str]] = {
    "name": ["naam", "name", "organisatie", "organisation", "organization", "naam organisatie",
             "naam coöperatie", "naam cooperatie", "naam initiatief", "initiatief", "coöperatie"],
    "place": ["plaats", "woonplaats", "vestigingsplaats", "place", "city", "town", "kern", "dorp"],
    "municipality": ["gemeente", "municipality", "gemeentecode", "gemeente code", "cbs-code", "cbs code"],
    "province": ["provincie", "province"],
    "postcode": ["postcode", "postal code", "zip"],
    "street": ["adres", "straat", "address", "street"],
    "website": ["website", "webadres", "site", "url", "internet"],
    "founded": ["opgericht", "oprichtingsjaar", "jaar van oprichting", "oprichtingsdatum", "founded", "year founded"],
    "dissolved": ["opgeheven", "dissolved"],
    "kvk": ["kvk", "kvk-nummer", "kvk nummer", "kvknummer", "kvk number", "chamber of commerce"],
    "legal_form": ["rechtsvorm", "legal form", "juridische vorm"],
    "sectors": ["sector", "sectoren", "sectors"],
    "status": ["status", "fase", "stage"],
    "description": ["omschrijving", "beschrijving", "description"],
    "latitude": ["lat", "latitude", "breedtegraad"],
    "longitude": ["lon", "lng", "longitude", "lengtegraad"],
    "wikidata": ["wikidata"],
}


class ListingHarvester(Harvester):
    """A kind whose records are rows or items mapped by :class:`FieldMapping` (table, html-list, json-feed).

    Options are checked when the source is configured (``check_options``) and again here, so a
    bad option stops the run before anything is fetched.
    """

    def __init__(self, config, context):
        super().__init__(config, context)
        self.problems = self.check_options(config.options)
        self._networks: NetworkDirectory | None = None
        if not self.problems:
            self.problems = self.check_references(config.options, self.networks)
        self.mapping = FieldMapping(config.options, self.network_iri) if not self.problems else None

    @classmethod
    def check_options(cls, options: dict) -> list[str]:
        raise NotImplementedError

    @classmethod
    def check_references(cls, options: dict, networks: NetworkDirectory) -> list[str]:
        """Network references in the options (``member_of``, ``values``/``defaults.member_of``) that name no network."""
        references = list(as_list(options.get("member_of")))
        for group in ("values", "defaults"):
            for name, value in (options.get(group) or {}).items():
                if canonical_field(name) == "member_of":
                    mapped = value.values() if group == "values" and isinstance(value, dict) else [value]
                    references += [r for v in mapped for r in as_list(v) if r not in (None, "", False)]
        problems: list[str] = []
        for reference in references:
            reason = networks.problem(reference)
            if reason and f"member_of {reference!r}: {reason}" not in problems:
                problems.append(f"member_of {reference!r}: {reason}")
        return problems

    @property
    def networks(self) -> NetworkDirectory:
        """The curated networks that references resolve against (the harvest's, else the shipped list)."""
        if self._networks is None:
            self._networks = getattr(self.context, "networks", None) or NetworkDirectory.shipped()
        return self._networks

    def network_iri(self, reference: str) -> str | None:
        iri = self.networks.iri(self.iris, reference)
        return str(iri) if iri is not None else None

    def require_valid_options(self) -> None:
        if self.problems:
            raise SourceError("invalid options: " + "; ".join(self.problems))
