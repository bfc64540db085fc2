"""Municipalities and provinces from the reference data in the vocabulary graph.

A municipality is found by ``GM0363``, ``gm0363``, ``0363``, its TOOI IRI or its name; a merged
(ended) municipality answers with the current one it became, and says so.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import Literal, URIRef

from registry.errors import InvalidInput, NotFound
from registry.identifiers import normalise_gm_code
from registry.namespaces import municipality_iri, province_iri
from registry.reference import PROVINCES, fold
from registry.settings import Settings
from registry.store import Store

from . import queries
from .collectives import labels, local_id
from .text import accent_pattern

MAX_NAME = 100
_PROVINCE_CODE = re.compile(r"^pv[0-9]{2}$")


@dataclass
class Municipality:
    iri: str
    code: str  # GM0363
    name: str | None
    province: str | None  # TOOI IRI
    asked: str  # what the client asked for
    merged_from: str | None = None  # the ended municipality's code when the request named one

    def to_dict(self, province_name: str | None = None) -> dict:
        out = {"code": self.code, "iri": self.iri, "name": self.name,
               "province": {"code": local_id(self.province), "iri": self.province, "name": province_name}
               if self.province else None}
        if self.merged_from:
            out["merged_from"] = self.merged_from
        return out


def _by_iri(store: Store, settings: Settings, iri: URIRef, asked: str, depth: int = 0) -> Municipality | None:
    rows = store.select(queries.prologue(settings.iris) + queries.MUNICIPALITY_BY_IRI, {"m": iri})
    if not rows:
        return None
    row = rows[0]
    current = [r["current"] for r in rows if "current" in r]
    if current and depth < 5:
        successor = _by_iri(store, settings, sorted(current)[0], asked, depth + 1)
        if successor is not None:
            successor.merged_from = successor.merged_from or str(row["cbs"])
            return successor
    return Municipality(iri=str(iri), code=str(row["cbs"]), name=str(row["label"]) if "label" in row else None,
                        province=str(row["province"]) if "province" in row else None, asked=asked)


def resolve(store: Store, settings: Settings, text: str) -> Municipality:
    """The current municipality for a code, TOOI IRI or name; NotFound when there is none."""
    text = (text or "").strip()
    if not text or len(text) > 200:
        raise NotFound("no municipality given" if not text else "no such municipality")
    code = normalise_gm_code(text)
    if code and (text.lower().startswith(("gm", "http")) or text.isdigit()):
        found = _by_iri(store, settings, municipality_iri(code), text)
        if found:
            return found
        raise NotFound(f"no municipality with code {code.upper()}")
    if len(text) > MAX_NAME:
        raise NotFound("no such municipality")
    rows = store.select(queries.prologue(settings.iris) + queries.MUNICIPALITY_BY_NAME,
                        {"pattern": Literal(accent_pattern(text, anchored=True))})
    if not rows:
        raise NotFound(f"no municipality named {text!r}")
    found = _by_iri(store, settings, rows[0]["m"], text)
    if found is None:
        raise NotFound(f"no municipality named {text!r}")
    return found


def province(store: Store, settings: Settings, text: str) -> URIRef:
    """A province IRI from its code (``pv27``) or name (``Noord-Holland``, ``Fryslân``/``Friesland``)."""
    key = fold(text or "")
    if _PROVINCE_CODE.match(key):
        return province_iri(key)
    for code, name in PROVINCES.items():
        if fold(name) == key:
            return province_iri(code)
    if key in ("friesland",):
        return province_iri("pv21")
    if key == "brabant":
        return province_iri("pv30")
    if not key or len(key) > MAX_NAME:
        raise InvalidInput("unknown province")
    rows = store.select(queries.prologue(settings.iris) + queries.PROVINCE_BY_NAME,
                        {"pattern": Literal(accent_pattern(text, anchored=True))})
    if rows:
        return rows[0]["p"]
    raise InvalidInput(f"unknown province {text[:100]!r}")


def overview(store: Store, settings: Settings, municipality: Municipality, lang: str = "en") -> dict:
    """Sector breakdown, networks present and partnerships of one municipality."""
    iris = settings.iris
    m = URIRef(municipality.iri)
    sectors = store.select(queries.prologue(iris) + queries.MUNICIPALITY_SECTORS, {"m": m})
    networks = store.select(queries.prologue(iris) + queries.MUNICIPALITY_NETWORKS, {"m": m})
    partnerships = store.select(queries.prologue(iris) + queries.MUNICIPALITY_PARTNERSHIPS, {"m": m})
    label_of = labels(store, iris, [r["sector"] for r in sectors] + [r["type"] for r in partnerships if "type" in r]
                      + ([URIRef(municipality.province)] if municipality.province else []), lang)
    return {
        **municipality.to_dict(label_of.get(municipality.province or "")),
        "sectors": [{"code": local_id(r["sector"]), "iri": str(r["sector"]), "label": label_of.get(str(r["sector"])),
                     "collectives": int(r["collectives"])} for r in sectors],
        "networks": [{"id": local_id(r["network"]), "iri": str(r["network"]),
                      "name": str(r["name"]) if "name" in r else None, "members_here": int(r["members"])}
                     for r in networks],
        "partnerships": [{"iri": str(r["partnership"]), "collective": local_id(r["c"]),
                          "type": label_of.get(str(r["type"])) if "type" in r else None,
                          "start": str(r["start"]) if "start" in r else None,
                          "end": str(r["end"]) if "end" in r else None} for r in partnerships],
    }
