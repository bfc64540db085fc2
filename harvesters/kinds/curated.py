"""The registry's own curated list: real collectives and networks, each row citing its public page.

Columns: name, sector, role (collective | network | supplier), legal_form_stated, place, gm_code,
municipality, province, founded, facts_as_stated, source_url.
"""
from __future__ import annotations

import csv
import io
from importlib import resources
from pathlib import Path
from typing import Iterator

from rdflib import Graph

from registry.identifiers import slug

from ..base import Harvester, RawRecord, RecordError, SourceError
from ..facts import CollectiveFacts, facts_to_graph, legal_form_code, sector_code

SHIPPED_LIST = "curated_collectives.csv"


def collective_type(row: dict, sector: str | None) -> str | None:
    """The kind of collective, from what the row states (sector, role, name)."""
    name = row["name"].casefold()
    role = row.get("role", "").strip()
    if role == "network":
        return "network"
    if role == "supplier":
        return "energy-supplier"
    if sector == "food":
        if "herenboer" in name:
            return "herenboeren-farm"
        return "csa-farm" if "csa" in name else "food-collective"
    if sector == "care":
        return "care-cooperative" if "coöperat" in (name + row.get("legal_form_stated", "")) else "care-initiative"
    if sector == "neighbourhood":
        return "neighbourhood-cooperative" if "coöperat" in name else "neighbourhood-initiative"
    return {"energy": "energy-cooperative", "housing": "housing-cooperative",
            "mobility": "mobility-collective"}.get(sector or "")


def read_list(path: str | None = None) -> str:
    """The text of a curated list: ``path``, or the list shipped with the registry."""
    try:
        if path:
            return Path(path).read_text(encoding="utf-8-sig")
        return resources.files("harvesters.data").joinpath(SHIPPED_LIST).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot read the curated list: {exc}") from exc


def keyed_rows(text: str) -> Iterator[tuple[str, dict]]:
    """Each row with its record key: a slug of the name, made unique (``-2``) within the list."""
    seen: set[str] = set()
    for row in csv.DictReader(io.StringIO(text)):
        name = (row.get("name") or "").strip()
        key = slug(name) if name else f"row-{len(seen) + 1}"
        while key in seen:
            key += "-2"
        seen.add(key)
        yield key, row


class CuratedHarvester(Harvester):
    kind = "curated"

    def gather(self) -> Iterator[RawRecord]:
        for key, row in keyed_rows(read_list(self.config.options.get("path"))):
            yield RawRecord(key=key, data=row, url=row.get("source_url") or None)

    def transform(self, record: RawRecord) -> Graph:
        row = {k: (v or "").strip() for k, v in record.data.items() if k}
        sector = sector_code(row.get("sector"))
        if row.get("sector") and not sector:
            raise RecordError(f"unknown sector {row['sector']!r}")
        facts = CollectiveFacts(
            name=row.get("name", ""),
            is_network=row.get("role") == "network",
            sectors=[sector] if sector else [],
            collective_type=collective_type(row, sector),
            legal_form=legal_form_code(row.get("legal_form_stated")),
            legal_form_stated=row.get("legal_form_stated") or None,
            place=row.get("place") or None,
            municipality=row.get("gm_code") or row.get("municipality") or None,
            province=row.get("province") or None,
            founded=row.get("founded") or None,
            description=row.get("facts_as_stated") or None,
            source_url=row.get("source_url") or None,
        )
        return facts_to_graph(facts, iris=self.iris, reference=self.context.reference,
                              source=self.config.name, key=record.key, record_url=record.url)
