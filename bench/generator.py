"""Synthetic citizen collectives and the source records that describe them, deterministic by seed.

Every collective is obviously fictitious ("Synthetische Energiecoöperatie 000123", KvK numbers
from a reserved-looking 9xxxxxxx range, websites under ``example.org``) but shaped like the real
data: energy-heavy sectors, matching collective types and legal forms, real municipality codes
(from the recorded TOOI register when ``COLLECTIVES_REFERENCE_DIR`` points at it, else a built-in
list), founding years 1986–2025, dissolutions, lifecycle events, partnerships with municipalities,
member-count observations and addresses with postcodes. Each collective has one primary record in
one source; about a quarter also appear in a second source as a duplicate with a name variant,
often without KvK number and sometimes with the municipality code from before a merger.

A record is written exactly as ``harvesters.facts.facts_to_graph`` writes one (the record node,
the collective, its address, identifier and founding/dissolution events, with the same IRIs),
plus what real sources add beyond those facts: societal roles, the current lifecycle stage,
stage transitions, partnerships and observations. Records are N-Quads lines, one named graph per
source (``{base}graph/source/{source}``), and every record starts with its
``<record> rdf:type cc:SourceRecord`` line, so a reader can split a file back into records.

Faults can be injected (``fault_rate``): each faulty record breaks one known core rule, and
``Fault.shape`` names the shape that must report it.

>>> gen = Generator(3, seed=1)
>>> records = list(gen.records())
>>> len(records) >= 3 and all(r.lines[0].split()[1].endswith("#type>") for r in records)
True
>>> [r.lines for r in Generator(3, seed=1).records()] == [r.lines for r in records]
True

Command line (writes ``DIR/{source}.nq`` and ``DIR/manifest.json``)::

    python -m bench.generator --collectives 10000 --seed 1 --out DIR [--faults 0.01]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from harvesters.facts import CollectiveFacts
from registry.identifiers import mint_id
from registry.namespaces import DEFAULT_BASE, RegistryIRIs

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
SCHEMA = "http://schema.org/"
ORG = "http://www.w3.org/ns/org#"
ROV = "http://www.w3.org/ns/regorg#"
LOCN = "http://www.w3.org/ns/locn#"
ADMS = "http://www.w3.org/ns/adms#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
PROV = "http://www.w3.org/ns/prov#"
SOSA = "http://www.w3.org/ns/sosa/"
TOOI = "https://identifier.overheid.nl/tooi/id/"

# sector code -> (weight, collective types, word used in the synthetic name)
SECTORS = {
    "energy": (45, ["energy-cooperative"] * 9 + ["energy-supplier"], "Energiecoöperatie"),
    "care": (12, ["care-cooperative", "care-initiative"], "Zorgcoöperatie"),
    "food": (9, ["food-collective", "csa-farm", "herenboeren-farm"], "Voedselcollectief"),
    "neighbourhood": (10, ["neighbourhood-initiative", "neighbourhood-cooperative", "resident-business",
                           "village-cooperative"], "Buurtinitiatief"),
    "housing": (8, ["housing-cooperative"], "Wooncoöperatie"),
    "mobility": (4, ["mobility-collective"], "Mobiliteitscollectief"),
    "nature": (4, ["other"], "Natuurcollectief"),
    "circular": (3, ["other"], "Repaircollectief"),
    "culture": (2, ["other"], "Cultuurcollectief"),
    "work": (1, ["other"], "Werkcoöperatie"),
    "digital": (1, ["other"], "Digitaal Collectief"),
    "other": (1, ["other"], "Burgercollectief"),
}
LEGAL_FORMS = {  # code -> (wording a source uses, suffix in the legal name)
    "cooperative-ua": ("Coöperatie U.A.", "U.A."), "cooperative-ba": ("Coöperatie B.A.", "B.A."),
    "cooperative": ("Coöperatie", ""), "association": ("Vereniging", ""),
    "association-limited": ("Vereniging met beperkte rechtsbevoegdheid", ""),
    "foundation": ("Stichting", ""), "bv": ("B.V.", "B.V."), "informal": ("Informeel", ""),
}
LEGAL_BY_SECTOR = {
    "energy": [("cooperative-ua", 80), ("cooperative", 10), ("foundation", 6), ("bv", 4)],
    "housing": [("cooperative-ua", 60), ("association", 25), ("foundation", 15)],
    "care": [("cooperative-ua", 45), ("association", 25), ("foundation", 25), ("informal", 5)],
}
LEGAL_DEFAULT = [("foundation", 35), ("association", 25), ("informal", 20), ("cooperative-ua", 15),
                 ("association-limited", 5)]
ROLES = ["enabler", "educator", "identifier", "go-between"]
STAGES = ["initiative", "founded", "growing", "consolidating", "multi-purpose", "dormant"]
PARTNERSHIP_TYPES = ["subsidy", "land-or-roof-lease", "co-creation", "covenant", "municipal-accommodation",
                     "right-to-challenge", "loan-or-guarantee", "procurement"]
STREETS = ["Dorpsstraat", "Kerkstraat", "Molenweg", "Schoolstraat", "Stationsweg", "Zonnelaan", "Windweg",
           "Beukenlaan", "Nieuwstraat", "Markt"]
SOURCES = ("synth-koepel", "synth-gemeenten", "synth-kvk", "synth-wikidata")

# Used where the recorded TOOI register is not available: real current codes with their province,
# and real codes that ended in a merger, with the municipality they became part of.
BUILTIN_MUNICIPALITIES = {
    "gm0014": ("Groningen", "pv20"), "gm0034": ("Almere", "pv24"), "gm0080": ("Leeuwarden", "pv21"),
    "gm0106": ("Assen", "pv22"), "gm0153": ("Enschede", "pv23"), "gm0193": ("Zwolle", "pv23"),
    "gm0200": ("Apeldoorn", "pv25"), "gm0202": ("Arnhem", "pv25"), "gm0228": ("Ede", "pv25"),
    "gm0268": ("Nijmegen", "pv25"), "gm0344": ("Utrecht", "pv26"), "gm0307": ("Amersfoort", "pv26"),
    "gm0363": ("Amsterdam", "pv27"), "gm0392": ("Haarlem", "pv27"), "gm0361": ("Alkmaar", "pv27"),
    "gm0518": ("'s-Gravenhage", "pv28"), "gm0599": ("Rotterdam", "pv28"), "gm0546": ("Leiden", "pv28"),
    "gm0505": ("Dordrecht", "pv28"), "gm0687": ("Middelburg", "pv29"), "gm0718": ("Vlissingen", "pv29"),
    "gm0772": ("Eindhoven", "pv30"), "gm0855": ("Tilburg", "pv30"), "gm0758": ("Breda", "pv30"),
    "gm0796": ("'s-Hertogenbosch", "pv30"), "gm0935": ("Maastricht", "pv31"), "gm0917": ("Heerlen", "pv31"),
    "gm0983": ("Venlo", "pv31"), "gm1680": ("Aa en Hunze", "pv22"), "gm0141": ("Almelo", "pv23"),
    "gm1900": ("Súdwest-Fryslân", "pv21"), "gm0448": ("Texel", "pv27"),
}
BUILTIN_ENDED = {"gm0017": "gm0014", "gm0009": "gm0014", "gm0015": "gm0014", "gm0070": "gm1900",
                 "gm1724": "gm1900", "gm0140": "gm0141"}


@dataclass(frozen=True)
class Municipalities:
    """Current municipalities (code -> name, province) and ended codes (old -> current)."""

    current: dict[str, tuple[str, str]]
    ended: dict[str, str]
    origin: str

    @property
    def codes(self) -> list[str]:
        return sorted(self.current)

    def reference(self):
        """The same table as a ``registry.reference.Reference`` (what ``facts_to_graph`` needs)."""
        from registry.reference import Municipality, Reference

        table = {code: Municipality(code=code, name=name, province=province)
                 for code, (name, province) in self.current.items()}
        for old, new in self.ended.items():
            table[old] = Municipality(code=old, name=f"ended {old}", province=None, end="2000-01-01",
                                      successors={new})
        return Reference(table)


def load_municipalities(reference_dir: str | Path | None = None) -> Municipalities:
    """The recorded TOOI register when present (``gemeenten_current_2023-2025.csv`` and
    ``gemeenten_tooi_wijzigingen.csv``), else the built-in list."""
    directory = Path(reference_dir or os.environ.get("COLLECTIVES_REFERENCE_DIR") or
                     Path(__file__).resolve().parents[2] / "shared" / "data" / "reference")
    current_file = directory / "gemeenten_current_2023-2025.csv"
    if not current_file.is_file():
        return Municipalities(dict(BUILTIN_MUNICIPALITIES), dict(BUILTIN_ENDED), "built-in list")
    current = {}
    with current_file.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            current[row["gm_code"].lower()] = (row["naam"], row["provincie_code"].lower())
    successors: dict[str, set[str]] = {}
    changes = directory / "gemeenten_tooi_wijzigingen.csv"
    if changes.is_file():
        with changes.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                after = set((row.get("generated") or "").split()) | set((row.get("used") or "").split())
                for old in (row.get("invalidated") or "").split():
                    successors.setdefault(old, set()).update(after - {old})
    ended = {}
    for old in successors:
        if old in current:
            continue
        seen, frontier, found = set(), [old], set()
        while frontier:  # follow merges until current municipalities are reached
            code = frontier.pop()
            if code in seen:
                continue
            seen.add(code)
            if code in current:
                found.add(code)
            else:
                frontier.extend(successors.get(code, ()))
        if len(found) == 1:  # an ended code that split over several municipalities is left out
            ended[old] = found.pop()
    return Municipalities(current, ended, str(current_file))


@dataclass(frozen=True)
class Fault:
    kind: str
    shape: str  # local name of the shape in {base}def/shapes# that reports it


FAULTS = [
    Fault("kvk-seven-digits", "KvkNumberShape"), Fault("postcode-with-space", "PostCodeShape"),
    Fault("cbs-code-lowercase", "CbsMunicipalityCodeShape"), Fault("name-trailing-space", "OrganizationNameWhitespaceShape"),
    Fault("dissolved-before-founded", "DissolutionAfterFoundingShape"), Fault("event-year-mismatch", "EventYearMatchesDateShape"),
    Fault("unknown-sector", "SectorShape"), Fault("partnership-one-participant", "ParticipantShape"),
    Fault("observation-extra-property", "ObservationShape"), Fault("municipality-as-literal", "MunicipalityShape"),
    Fault("founding-date-plain-string", "FoundingDateShape"), Fault("two-lifecycle-stages", "LifecycleStageShape"),
]


@dataclass
class SyntheticRecord:
    source: str
    key: str
    collective: int  # index of the true collective
    primary: bool
    lines: list[str]  # N-Quads, the first one typing the record
    facts: CollectiveFacts
    fault: Fault | None = None
    record_url: str = ""


@dataclass
class _Collective:
    index: int
    sectors: list[str]
    collective_type: str
    legal_form: str
    municipality: str
    founded: str
    dissolved: str | None
    kvk: str | None
    extras: dict = field(default_factory=dict)


def _weighted(rng: random.Random, pairs) -> str:
    total = sum(w for _, w in pairs)
    pick = rng.random() * total
    for value, weight in pairs:
        pick -= weight
        if pick < 0:
            return value
    return pairs[-1][0]


_SECTOR_WEIGHTS = [(code, spec[0]) for code, spec in SECTORS.items()]


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def _typed(text: str, datatype: str) -> str:
    return f'{_lit(text)}^^<{XSD}{datatype}>'


def _date(text: str) -> str:
    return _typed(text, "gYear" if len(text) == 4 else "gYearMonth" if len(text) == 7 else "date")


class Generator:
    """``Generator(n, seed)``: ``records()`` yields the source records of ``n`` collectives in order.

    Collective ``i`` depends only on ``(seed, i)``, so any slice can be regenerated on its own.
    """

    def __init__(self, collectives: int, seed: int = 1, *, iris: RegistryIRIs | None = None,
                 fault_rate: float = 0.0, duplicate_rate: float = 0.25,
                 municipalities: Municipalities | None = None, sources: tuple[str, ...] = SOURCES):
        if not 2 <= len(sources) <= 4:
            raise ValueError("records are spread over 2 to 4 sources")
        self.n = collectives
        self.seed = seed
        self.iris = iris or RegistryIRIs()
        self.fault_rate = fault_rate
        self.duplicate_rate = duplicate_rate
        self.municipalities = municipalities or load_municipalities()
        self.sources = sources
        self._codes = self.municipalities.codes
        self._old_by_current: dict[str, list[str]] = {}
        for old, new in sorted(self.municipalities.ended.items()):
            self._old_by_current.setdefault(new, []).append(old)
        base = self.iris.base
        self._cc = base + "def#"
        self._concept = base + "def/"
        self._graphs = {s: f"<{self.iris.source_graph(s)}>" for s in sources}

    # the collectives ---------------------------------------------------------------------------
    def _collective(self, i: int, rng: random.Random) -> _Collective:
        sector = _weighted(rng, _SECTOR_WEIGHTS)
        sectors = [sector]
        if rng.random() < 0.12:
            other = _weighted(rng, _SECTOR_WEIGHTS)
            if other != sector:
                sectors.append(other)
        types = SECTORS[sector][1]
        legal = _weighted(rng, LEGAL_BY_SECTOR.get(sector, LEGAL_DEFAULT))
        # more collectives were founded in recent years (the energy wave after 2010)
        year = 1986 + int(39 * (rng.random() ** 0.55))
        precision = rng.random()
        if precision < 0.45:
            founded = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        elif precision < 0.6:
            founded = f"{year}-{rng.randint(1, 12):02d}"
        else:
            founded = str(year)
        dissolved = None
        if year < 2024 and rng.random() < 0.08:
            dissolved = str(rng.randint(year + 1, 2025))
        kvk = None if legal == "informal" or rng.random() < 0.4 else f"9{i % 10_000_000:07d}"
        return _Collective(i, sectors, rng.choice(types), legal, rng.choice(self._codes), founded, dissolved, kvk)

    def records(self) -> Iterator[SyntheticRecord]:
        for i in range(self.n):
            rng = random.Random(self.seed * 1_000_003 + i)
            c = self._collective(i, rng)
            energy = c.sectors[0] == "energy"
            primary = self.sources[0] if energy or len(self.sources) == 2 else self.sources[1]
            yield self._record(c, rng, primary, f"{i:07d}", primary=True)
            if rng.random() < self.duplicate_rate:
                others = [s for s in self.sources if s != primary]
                yield self._record(c, rng, rng.choice(others), f"d{i:07d}", primary=False)

    # one record ----------------------------------------------------------------------------------
    def facts(self, c: _Collective, rng: random.Random, primary: bool) -> CollectiveFacts:
        word = SECTORS[c.sectors[0]][2]
        name = f"Synthetische {word} {c.index:06d}"
        municipality = c.municipality
        if not primary:
            variant = rng.random()
            if variant < 0.4:
                name = name.lower()
            elif variant < 0.7:
                suffix = LEGAL_FORMS[c.legal_form][1]
                name = f"{name} {suffix}" if suffix else f"{name} (synthetisch)"
            if municipality in self._old_by_current and rng.random() < 0.7:
                municipality = rng.choice(self._old_by_current[municipality])
        elif municipality in self._old_by_current and rng.random() < 0.03:
            municipality = rng.choice(self._old_by_current[municipality])
        full = primary or rng.random() < 0.3
        return CollectiveFacts(
            name=name,
            sectors=list(c.sectors),
            collective_type=c.collective_type,
            legal_form=c.legal_form if full or rng.random() < 0.5 else None,
            legal_form_stated=LEGAL_FORMS[c.legal_form][0] if full and rng.random() < 0.3 else None,
            municipality=municipality.upper(),
            postcode=f"{rng.randint(1000, 9999)}{rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}{rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}"
            if full and rng.random() < 0.45 else None,
            street=f"{rng.choice(STREETS)} {rng.randint(1, 120)}" if full and rng.random() < 0.3 else None,
            place=self.municipalities.current[c.municipality][0] if full and rng.random() < 0.4 else None,
            founded=c.founded if full else c.founded[:4] if rng.random() < 0.5 else None,
            dissolved=c.dissolved,
            website=f"https://c{c.index:06d}.synthetisch.example.org/" if rng.random() < 0.8 else None,
            kvk=c.kvk if primary or rng.random() < 0.4 else None,
        )

    def _record(self, c: _Collective, rng: random.Random, source: str, key: str, *, primary: bool) -> SyntheticRecord:
        iris = self.iris
        facts = self.facts(c, rng, primary)
        # faults go into primary records only: they have every part a fault can break
        fault = (FAULTS[rng.randrange(len(FAULTS))]
                 if primary and self.fault_rate and rng.random() < self.fault_rate else None)
        graph = self._graphs[source]
        out: list[str] = []
        cc, concept = self._cc, self._concept

        def add(s: str, p: str, o: str) -> None:
            out.append(f"{s} <{p}> {o} {graph} .\n")

        record = f"<{iris.record(source, key)}>"
        record_url = f"https://{source}.example.org/records/{key}"
        it_iri = str(iris.collective(mint_id(source, key)))
        it = f"<{it_iri}>"
        derived = f"<{record_url}>"
        add(record, RDF_TYPE, f"<{cc}SourceRecord>")
        add(record, FOAF + "primaryTopic", it)
        add(record, cc + "source", _lit(source))
        add(record, cc + "recordStatus", f"<{concept}record-status/valid>")
        add(record, PROV + "wasDerivedFrom", derived)

        add(it, RDF_TYPE, f"<{cc}CitizenCollective>")
        add(it, RDF_TYPE, f"<{SCHEMA}Organization>")
        add(it, SCHEMA + "name", _lit(facts.name + (" " if fault and fault.kind == "name-trailing-space" else "")))
        for sector in facts.sectors:
            add(it, cc + "sector", f"<{concept}sector/{sector}>")
        if fault and fault.kind == "unknown-sector":
            add(it, cc + "sector", f"<{concept}sector/teleportation>")
        add(it, cc + "collectiveType", f"<{concept}collective-type/{facts.collective_type}>")
        if facts.legal_form:
            add(it, ROV + "orgType", f"<{concept}legal-form/{facts.legal_form}>")
        if facts.legal_form_stated:
            add(it, cc + "legalFormStated", _lit(facts.legal_form_stated))
        add(it, DCT + "source", derived)

        # location, as facts_to_graph writes it: stated code, current code, CBS code, province
        stated = facts.municipality.lower()
        current = self.municipalities.ended.get(stated, stated)
        add(it, cc + "municipalityAsStated", f"<{TOOI}gemeente/{stated}>")
        if fault and fault.kind == "municipality-as-literal":
            add(it, cc + "municipality", _lit(current.upper()))
        else:
            add(it, cc + "municipality", f"<{TOOI}gemeente/{current}>")
        cbs = current.lower() if fault and fault.kind == "cbs-code-lowercase" else current.upper()
        add(it, cc + "cbsMunicipalityCode", _lit(cbs))
        province = self.municipalities.current[current][1]
        add(it, cc + "province", f"<{TOOI}provincie/{province}>")
        if facts.place or facts.postcode or facts.street or (fault and fault.kind == "postcode-with-space"):
            address = f"<{it_iri}#address>"
            add(it, LOCN + "address", address)
            add(address, RDF_TYPE, f"<{LOCN}Address>")
            if facts.place:
                add(address, LOCN + "postName", _lit(facts.place))
            if fault and fault.kind == "postcode-with-space":
                add(address, LOCN + "postCode", _lit(f"{rng.randint(1000, 9999)} ab"))
            elif facts.postcode:
                add(address, LOCN + "postCode", _lit(facts.postcode))
            if facts.street:
                add(address, LOCN + "thoroughfare", _lit(facts.street))

        if facts.website:
            add(it, SCHEMA + "url", f"<{facts.website}>")
        kvk = facts.kvk
        if fault and fault.kind == "kvk-seven-digits":
            add(it, cc + "kvkNumber", _lit(f"{c.index % 10_000_000:07d}"))
        elif kvk:
            add(it, cc + "kvkNumber", _lit(kvk))
            identifier = f"<{it_iri}#kvk>"
            add(it, ROV + "registration", identifier)
            add(identifier, RDF_TYPE, f"<{ADMS}Identifier>")
            add(identifier, SKOS + "notation", _lit(kvk))
            add(identifier, ADMS + "schemeAgency", _lit("Kamer van Koophandel"))
            add(identifier, DCT + "creator", "<https://org-id.guide/list/NL-KVK>")

        dissolved = facts.dissolved
        if fault and fault.kind == "dissolved-before-founded":
            dissolved = str(int(facts.founded[:4]) - 1)
        for kind, value in (("founding", facts.founded), ("dissolution", dissolved)):
            if not value:
                continue
            event = f"<{iris.event(mint_id(str(iris.record(source, key)), kind, prefix='e'))}>"
            year = value[:4]
            if fault and fault.kind == "event-year-mismatch" and kind == "founding":
                year = str(int(year) + 1)
            add(it, cc + "lifecycleEvent", event)
            add(event, RDF_TYPE, f"<{cc}LifecycleEvent>")
            add(event, RDF_TYPE, f"<{ORG}ChangeEvent>")
            add(event, cc + "eventType", f"<{concept}event-type/{kind}>")
            add(event, cc + "eventDate", _date(value))
            add(event, cc + "eventYear", _typed(year, "integer"))
            add(event, PROV + "wasDerivedFrom", record)
            if kind == "founding" and fault and fault.kind == "founding-date-plain-string":
                add(it, SCHEMA + "foundingDate", _lit(value))
            else:
                add(it, SCHEMA + "foundingDate" if kind == "founding" else SCHEMA + "dissolutionDate", _date(value))

        # what real sources add beyond CollectiveFacts: roles, stage, transitions, partnerships, counts
        if primary:
            if rng.random() < 0.5:
                for role in rng.sample(ROLES, rng.randint(1, 2)):
                    add(it, cc + "societalRole", f"<{concept}role/{role}>")
            stage = "dissolved" if dissolved else rng.choice(STAGES[1:])
            if rng.random() < 0.6:
                add(it, cc + "lifecycleStage", f"<{concept}lifecycle-stage/{stage}>")
                if fault and fault.kind == "two-lifecycle-stages":
                    add(it, cc + "lifecycleStage", f"<{concept}lifecycle-stage/initiative>")
            elif fault and fault.kind == "two-lifecycle-stages":
                add(it, cc + "lifecycleStage", f"<{concept}lifecycle-stage/growing>")
                add(it, cc + "lifecycleStage", f"<{concept}lifecycle-stage/initiative>")
            founded_year = int(facts.founded[:4])
            if rng.random() < 0.1 and founded_year < 2024 and not dissolved:
                year = rng.randint(founded_year + 1, 2025)
                event = f"<{iris.event(mint_id(str(iris.record(source, key)), 'growing', prefix='e'))}>"
                add(it, cc + "lifecycleEvent", event)
                add(event, RDF_TYPE, f"<{cc}LifecycleEvent>")
                add(event, cc + "eventType", f"<{concept}event-type/stage-transition>")
                add(event, cc + "fromStage", f"<{concept}lifecycle-stage/founded>")
                add(event, cc + "toStage", f"<{concept}lifecycle-stage/growing>")
                add(event, cc + "eventDate", _typed(str(year), "gYear"))
                add(event, cc + "eventYear", _typed(str(year), "integer"))
            if rng.random() < 0.12 or (fault and fault.kind == "partnership-one-participant"):
                partnership = f"<{iris.partnership(mint_id(str(iris.record(source, key)), 'p', prefix='p'))}>"
                add(partnership, RDF_TYPE, f"<{cc}Partnership>")
                add(partnership, cc + "participant", it)
                if not (fault and fault.kind == "partnership-one-participant"):
                    add(partnership, cc + "participant", f"<{TOOI}gemeente/{current}>")
                add(partnership, cc + "partnershipType", f"<{concept}partnership-type/{rng.choice(PARTNERSHIP_TYPES)}>")
                start = rng.randint(max(founded_year, 2000), 2025)
                add(partnership, cc + "startDate", _typed(str(start), "gYear"))
                if rng.random() < 0.3:
                    add(partnership, cc + "endDate", _typed(str(start + rng.randint(1, 15)), "gYear"))
                add(partnership, PROV + "wasDerivedFrom", record)
            if rng.random() < 0.15 or (fault and fault.kind == "observation-extra-property"):
                year = rng.randint(max(founded_year, 2015), 2025)
                observation = f"<{iris.observation(mint_id(str(iris.record(source, key)), str(year), prefix='o'))}>"
                add(observation, RDF_TYPE, f"<{SOSA}Observation>")
                add(observation, SOSA + "hasFeatureOfInterest", it)
                add(observation, SOSA + "observedProperty", f"<{concept}indicator/members>")
                add(observation, SOSA + "hasSimpleResult", _typed(str(rng.randint(12, 4000)), "integer"))
                add(observation, cc + "referenceDate", _typed(f"{year}-12-31", "date"))
                add(observation, PROV + "wasDerivedFrom", record)
                if fault and fault.kind == "observation-extra-property":
                    add(observation, SCHEMA + "name", _lit("ledental"))
        return SyntheticRecord(source, key, c.index, primary, out, facts, fault, record_url)

    # files ------------------------------------------------------------------------------------------
    def write(self, out_dir: str | Path, progress=None) -> dict:
        """``{source}.nq`` per source plus ``manifest.json``; returns the manifest."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        handles = {s: (out_dir / f"{s}.nq").open("w", encoding="utf-8") for s in self.sources}
        counts = {s: {"records": 0, "quads": 0} for s in self.sources}
        faults: dict[str, int] = {}
        started = time.perf_counter()
        try:
            for n, record in enumerate(self.records(), 1):
                handles[record.source].writelines(record.lines)
                counts[record.source]["records"] += 1
                counts[record.source]["quads"] += len(record.lines)
                if record.fault:
                    faults[record.fault.shape] = faults.get(record.fault.shape, 0) + 1
                if progress and n % 100_000 == 0:
                    progress(n)
        finally:
            for handle in handles.values():
                handle.close()
        manifest = {
            "collectives": self.n, "seed": self.seed, "fault_rate": self.fault_rate, "base": self.iris.base,
            "municipalities": self.municipalities.origin,
            "records": sum(c["records"] for c in counts.values()),
            "quads": sum(c["quads"] for c in counts.values()),
            "sources": {s: {**counts[s], "file": f"{s}.nq", "graph": str(self.iris.source_graph(s))}
                        for s in self.sources},
            "faults_by_shape": dict(sorted(faults.items())),
            "seconds": round(time.perf_counter() - started, 2),
        }
        (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        return manifest


def iter_records(path: str | Path, record_class: str | None = None) -> Iterator[list]:
    """Split an N-Quads file written by the generator into records (lists of pyoxigraph quads).

    A record starts at each ``<x> rdf:type cc:SourceRecord`` quad.
    """
    import pyoxigraph as ox

    record_type = ox.NamedNode(record_class or RegistryIRIs().CC.SourceRecord)
    rdf_type = ox.NamedNode(RDF_TYPE)
    current: list = []
    for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
        if quad.predicate == rdf_type and quad.object == record_type and current:
            yield current
            current = []
        current.append(quad)
    if current:
        yield current


def record_graph(record: SyntheticRecord):
    """One record as an rdflib graph (for tests and for engines that take rdflib graphs)."""
    import pyoxigraph as ox
    from rdflib import Graph

    from registry.store.terms import to_rdflib

    graph = Graph()
    for quad in ox.parse(input="".join(record.lines), format=ox.RdfFormat.N_QUADS):
        graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    return graph


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generator", description=__doc__.split("\n\n")[0])
    parser.add_argument("--collectives", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True, help="directory for {source}.nq and manifest.json")
    parser.add_argument("--faults", type=float, default=0.0, help="share of records with one injected fault")
    parser.add_argument("--sources", type=int, default=4, choices=(2, 3, 4))
    parser.add_argument("--base", default=DEFAULT_BASE)
    args = parser.parse_args(argv)
    generator = Generator(args.collectives, args.seed, iris=RegistryIRIs(args.base), fault_rate=args.faults,
                          sources=SOURCES[:args.sources])
    manifest = generator.write(args.out, progress=lambda n: print(f"{n} records", file=sys.stderr))
    print(json.dumps(manifest, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
