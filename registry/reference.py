"""Municipalities and provinces from the TOOI registers, with their merge events.

The registers are JSON-LD as published by KOOP. This module turns them into a lookup
(code → municipality, name → code, ended code → current codes) and into RDF for the
vocabulary graph: the published triples plus CBS codes and each ended municipality's successor.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field

import pyoxigraph
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from .identifiers import normalise_gm_code
from .namespaces import RegistryIRIs, TOOI_ONT, municipality_iri, province_iri
from .store.terms import to_rdflib

# The twelve provinces are stable; names and codes as in the TOOI province register.
PROVINCES = {
    "pv20": "Groningen", "pv21": "Fryslân", "pv22": "Drenthe", "pv23": "Overijssel",
    "pv24": "Flevoland", "pv25": "Gelderland", "pv26": "Utrecht", "pv27": "Noord-Holland",
    "pv28": "Zuid-Holland", "pv29": "Zeeland", "pv30": "Noord-Brabant", "pv31": "Limburg",
}
_PROV_ALIASES = {"friesland": "pv21", "brabant": "pv30"}

_ONT = "https://identifier.overheid.nl/tooi/def/ont/"
_PROV = "http://www.w3.org/ns/prov#"


# the combining marks of the Basic Multilingual Plane, removed by one regular expression (a name
# index of 1M collectives folds ~1.2M names); text with characters beyond it goes character by character
_COMBINING_BMP = re.compile("[%s]" % "".join(re.escape(chr(c)) for c in range(0x300, 0x10000)
                                              if unicodedata.combining(chr(c))))
_BEYOND_BMP = re.compile("[\U00010000-\U0010ffff]")


def fold(text: str) -> str:
    """Case- and accent-insensitive key: ``Fryslân`` → ``fryslan``."""
    if text.isascii():
        return text.lower().strip()
    decomposed = unicodedata.normalize("NFKD", text)
    if _BEYOND_BMP.search(decomposed) is None:
        return _COMBINING_BMP.sub("", decomposed).casefold().strip()
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


@dataclass
class Municipality:
    code: str  # gm0363
    name: str
    province: str | None  # pv27
    begin: str | None = None
    end: str | None = None
    successors: set[str] = field(default_factory=set)
    other_names: set[str] = field(default_factory=set)

    @property
    def iri(self) -> URIRef:
        return municipality_iri(self.code)

    @property
    def cbs_code(self) -> str:
        return self.code.upper()

    @property
    def is_current(self) -> bool:
        return self.end is None


@dataclass
class MergeEvent:
    iri: str
    kind: str  # Samenvoeging, Uitbreiding, Herschikking
    date: str
    invalidated: list[str]
    successors: list[str]


def _values(node: dict, key: str) -> list:
    return [v.get("@value", v.get("@id")) for v in node.get(key, [])]


def _first(node: dict, key: str):
    values = _values(node, key)
    return values[0] if values else None


def _code(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


class Reference:
    """What the registry knows of municipalities and provinces (possibly nothing)."""

    def __init__(self, municipalities: dict[str, Municipality] | None = None,
                 events: list[MergeEvent] | None = None, provinces: dict[str, str] | None = None,
                 raw: list[dict] | None = None):
        self.municipalities = municipalities or {}
        self.events = events or []
        self.provinces = provinces or dict(PROVINCES)
        self._raw = raw or []
        self._by_name: dict[str, str] = {}
        for m in sorted(self.municipalities.values(), key=lambda m: m.is_current):
            for name in {m.name, *m.other_names}:
                self._by_name[fold(name)] = m.code  # current municipalities win a shared name

    @property
    def available(self) -> bool:
        return bool(self.municipalities)

    @classmethod
    def from_json(cls, municipalities_json: bytes | str, provinces_json: bytes | str | None = None) -> "Reference":
        nodes = json.loads(municipalities_json)
        municipalities: dict[str, Municipality] = {}
        events: list[MergeEvent] = []
        for node in nodes:
            types = node.get("@type", [])
            if _ONT + "Gemeente" in types:
                code = _first(node, _ONT + "organisatiecode")
                province = _first(node, _ONT + "ligtInProvincie")
                municipalities[code] = Municipality(
                    code=code,
                    name=_first(node, _ONT + "voorkeursnaamExclSoort") or _first(node, _ONT + "officieleNaamExclSoort"),
                    province=_code(province) if province else None,
                    begin=_first(node, _ONT + "begindatum"),
                    end=_first(node, _ONT + "einddatum"),
                    other_names={n for n in _values(node, _ONT + "officieleNaamExclSoort") if n},
                )
            elif node.get(_PROV + "invalidated"):
                events.append(MergeEvent(
                    iri=node["@id"], kind=_code(types[0]) if types else "",
                    date=(_first(node, _ONT + "tijdstipWijziging") or "")[:10],
                    invalidated=[_code(v) for v in _values(node, _PROV + "invalidated")],
                    successors=[_code(v) for v in _values(node, _PROV + "generated") + _values(node, _PROV + "used")],
                ))
        for event in events:
            for old in event.invalidated:
                if old in municipalities:
                    municipalities[old].successors.update(s for s in event.successors if s != old)
        provinces = dict(PROVINCES)
        if provinces_json:
            for node in json.loads(provinces_json):
                code = _first(node, _ONT + "organisatiecode")
                name = _first(node, _ONT + "voorkeursnaamExclSoort")
                if code and name:
                    provinces[code] = name
        return cls(municipalities, events, provinces, raw=nodes)

    # lookups ---------------------------------------------------------------
    def municipality(self, code_or_name: str | None) -> Municipality | None:
        if not code_or_name:
            return None
        code = normalise_gm_code(code_or_name)
        if code:
            return self.municipalities.get(code)
        found = self._by_name.get(fold(code_or_name))
        return self.municipalities.get(found) if found else None

    def current_codes(self, code: str) -> list[str]:
        """The current municipality (or municipalities, after a split) that a code became."""
        code = normalise_gm_code(code) or code
        seen, frontier, result = set(), [code], []
        while frontier:
            c = frontier.pop()
            if c in seen:
                continue
            seen.add(c)
            m = self.municipalities.get(c)
            if m is None or m.is_current or not m.successors:
                if m is None or m.is_current:
                    result.append(c)
                continue
            frontier.extend(sorted(m.successors))
        return sorted(set(result))

    def current_code(self, code: str) -> str | None:
        """The one current municipality a code maps to, or None when unknown or split."""
        codes = self.current_codes(code)
        return codes[0] if len(codes) == 1 else None

    def province_code(self, name_or_code: str | None) -> str | None:
        if not name_or_code:
            return None
        key = fold(name_or_code)
        if key in self.provinces:
            return key
        for code, name in self.provinces.items():
            if fold(name) == key:
                return code
        return _PROV_ALIASES.get(key)

    # RDF --------------------------------------------------------------------
    def to_graph(self, iris: RegistryIRIs) -> Graph:
        """The published register triples plus CBS codes and successors, for the vocabulary graph."""
        graph = iris.bind(Graph())
        if self._raw:
            for triple in pyoxigraph.parse(json.dumps(self._raw), format=pyoxigraph.RdfFormat.JSON_LD):
                graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
        cc = iris.CC
        for code, name in self.provinces.items():
            graph.add((province_iri(code), RDF.type, TOOI_ONT.Provincie))
            graph.add((province_iri(code), SKOS.prefLabel, Literal(name, lang="nl")))
        for m in self.municipalities.values():
            graph.add((m.iri, SKOS.prefLabel, Literal(m.name, lang="nl")))
            graph.add((m.iri, cc.cbsMunicipalityCode, Literal(m.cbs_code)))
            if m.province:
                graph.add((m.iri, cc.province, province_iri(m.province)))
            if not m.is_current:
                for current in self.current_codes(m.code):
                    graph.add((m.iri, cc.currentMunicipality, municipality_iri(current)))
        return graph


def fallback_graph(iris: RegistryIRIs) -> Graph:
    """Without the registers the registry still knows the twelve provinces."""
    return Reference().to_graph(iris)

