"""What a source says about one collective, and its RDF form.

Every harvester kind reads its own format into :class:`CollectiveFacts`; :func:`facts_to_graph`
writes them in the ontology's terms, so all sources describe collectives the same way.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, SKOS, XSD

from registry.identifiers import mint_id, normalise_gm_code, normalise_kvk, normalise_postcode
from registry.namespaces import ADMS, GEO, LOCN, ORG, ROV, SCHEMA, WD, RegistryIRIs, municipality_iri, province_iri
from registry.reference import Reference, fold

from .base import RecordError


@dataclass
class CollectiveFacts:
    name: str
    is_network: bool = False
    sectors: list[str] = field(default_factory=list)  # codes of the sector scheme
    collective_type: str | None = None
    legal_form: str | None = None  # code of the legal-form scheme
    legal_form_stated: str | None = None
    place: str | None = None
    postcode: str | None = None
    street: str | None = None
    municipality: str | None = None  # any code form, a TOOI IRI or a name
    province: str | None = None  # name or pv code
    founded: str | None = None  # YYYY, YYYY-MM or YYYY-MM-DD
    dissolved: str | None = None
    website: str | None = None
    kvk: str | None = None
    wikidata: str | None = None  # Q-id or entity IRI
    latitude: float | None = None
    longitude: float | None = None
    description: str | None = None
    status: str | None = None  # as stated: running, in development, ...
    alternate_names: list[str] = field(default_factory=list)
    member_of: list[str] = field(default_factory=list)  # IRIs of the networks it is a member of
    source_url: str | None = None  # page the facts were read from


# Value mappings from the words sources use to the code lists (Dutch and English).
LEGAL_FORMS = [
    (r"co[öo]peratie(ve vereniging)?\s*u\.?\s*a\.?|uitsluiting van aansprakelijkheid", "cooperative-ua"),
    (r"co[öo]peratie(ve vereniging)?\s*b\.?\s*a\.?|beperkte aansprakelijkheid", "cooperative-ba"),
    (r"co[öo]peratie(ve vereniging)?\s*w\.?\s*a\.?|wettelijke aansprakelijkheid", "cooperative-wa"),
    (r"informele|informal|geen rechtsvorm|no legal", "informal"),
    (r"co[öo]peratie|co[öo]peratieve|cooperative", "cooperative"),
    (r"stichting|foundation", "foundation"),
    (r"beperkte rechtsbevoegdheid|limited legal capacity", "association-limited"),
    (r"vereniging|association", "association"),
    (r"\bb\.?v\.?\b|besloten vennootschap", "bv"),
]
SECTORS = {
    "energy": "energy", "energie": "energy", "care": "care", "zorg": "care", "welzijn": "care",
    "housing": "housing", "wonen": "housing", "food": "food", "voedsel": "food", "landbouw": "food",
    "mobility": "mobility", "mobiliteit": "mobility", "nature": "nature", "natuur": "nature",
    "circular": "circular", "circulair": "circular", "neighbourhood": "neighbourhood", "buurt": "neighbourhood",
    "leefbaarheid": "neighbourhood", "culture": "culture", "cultuur": "culture", "work": "work", "werk": "work",
    "digital": "digital", "digitaal": "digital", "other": "other", "overig": "other",
}


def legal_form_code(stated: str | None) -> str | None:
    """``coöperatie U.A.`` → ``cooperative-ua``; unknown wording → None (kept as stated)."""
    if not stated:
        return None
    text = fold(stated)
    text = text.replace("cooperatie", "coöperatie")  # fold() dropped the diaeresis
    for pattern, code in LEGAL_FORMS:
        if re.search(pattern, text):
            return code
    return None


def sector_code(stated: str | None) -> str | None:
    return SECTORS.get(fold(stated)) if stated else None


def date_literal(value: str | None) -> tuple[Literal, int] | None:
    """A date with the precision the source gave: ``2019`` is an ``xsd:gYear``, never 2019-01-01."""
    if value is None:
        return None
    text = str(value).strip()
    if re.fullmatch(r"[12][0-9]{3}", text):
        return Literal(text, datatype=XSD.gYear), int(text)
    if re.fullmatch(r"[12][0-9]{3}-(0[1-9]|1[0-2])", text):
        return Literal(text, datatype=XSD.gYearMonth), int(text[:4])
    match = re.fullmatch(r"([12][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]))(T.*)?", text)
    if match:
        return Literal(match.group(1), datatype=XSD.date), int(text[:4])
    raise RecordError(f"not a date: {text!r}")


def wikidata_iri(value: str | None) -> URIRef | None:
    if not value:
        return None
    match = re.search(r"(Q[1-9][0-9]*)$", value.strip())
    return WD[match.group(1)] if match else None


def website_iri(value: str | None) -> URIRef | None:
    if not value:
        return None
    text = value.strip()
    if not re.match(r"^https?://", text, re.I):
        text = "http://" + text
    parts = urlsplit(text)
    if not parts.netloc or re.search(r'[\s<>"{}|\\^`]', text):
        return None
    return URIRef(text)


def collective_iri(iris: RegistryIRIs, source: str, key: str, is_network: bool) -> URIRef:
    """The id a collective gets when this record first introduces it (stable per source key)."""
    return iris.network(mint_id(source, key, prefix="n")) if is_network else iris.collective(mint_id(source, key))


def facts_to_graph(facts: CollectiveFacts, *, iris: RegistryIRIs, reference: Reference,
                   source: str, key: str, record_url: str | None = None,
                   subject: URIRef | None = None) -> Graph:
    """RDF for one source record: the record node and what it says about its collective."""
    cc = iris.CC
    g = iris.bind(Graph())
    record = iris.record(source, key)
    it = subject or collective_iri(iris, source, key, facts.is_network)
    derived_from = URIRef(record_url or facts.source_url) if (record_url or facts.source_url) else None

    g.add((record, RDF.type, cc.SourceRecord))
    g.add((record, FOAF.primaryTopic, it))
    g.add((record, cc.source, Literal(source)))
    g.add((record, cc.recordStatus, iris.concept("record-status", "valid")))
    if derived_from:
        g.add((record, PROV.wasDerivedFrom, derived_from))

    g.add((it, RDF.type, cc.Network if facts.is_network else cc.CitizenCollective))
    g.add((it, RDF.type, SCHEMA.Organization))
    g.add((it, SCHEMA.name, Literal(" ".join(facts.name.split()))))
    for alt in facts.alternate_names:
        g.add((it, SCHEMA.alternateName, Literal(" ".join(alt.split()))))
    for sector in dict.fromkeys(facts.sectors):
        g.add((it, cc.sector, iris.concept("sector", sector)))
    if facts.collective_type:
        g.add((it, cc.collectiveType, iris.concept("collective-type", facts.collective_type)))
    if facts.legal_form:
        g.add((it, ROV.orgType, iris.concept("legal-form", facts.legal_form)))
    if facts.legal_form_stated:
        g.add((it, cc.legalFormStated, Literal(facts.legal_form_stated)))
    if facts.description:
        g.add((it, SCHEMA.description, Literal(facts.description)))
    if derived_from:
        g.add((it, DCTERMS.source, derived_from))
    for network in dict.fromkeys([facts.member_of] if isinstance(facts.member_of, str) else facts.member_of):
        g.add((it, ORG.memberOf, URIRef(network)))

    _add_location(g, it, facts, iris, reference)
    _add_identifiers(g, it, facts, iris)
    for kind, value in (("founding", facts.founded), ("dissolution", facts.dissolved)):
        _add_event(g, it, record, kind, value, iris)
    return g


def _add_location(g: Graph, it: URIRef, facts: CollectiveFacts, iris: RegistryIRIs, reference: Reference) -> None:
    cc = iris.CC
    stated = normalise_gm_code(facts.municipality) if facts.municipality else None
    if facts.municipality and not stated:
        found = reference.municipality(facts.municipality)
        stated = found.code if found else None
    province = reference.province_code(facts.province)
    if stated:
        current = reference.current_code(stated) or stated
        g.add((it, cc.municipalityAsStated, municipality_iri(stated)))
        g.add((it, cc.municipality, municipality_iri(current)))
        g.add((it, cc.cbsMunicipalityCode, Literal(current.upper())))
        known = reference.municipality(current)
        if known and known.province:
            province = known.province
    if province:
        g.add((it, cc.province, province_iri(province)))
    postcode = normalise_postcode(facts.postcode)
    if facts.place or postcode or facts.street:
        address = URIRef(f"{it}#address")
        g.add((it, LOCN.address, address))
        g.add((address, RDF.type, LOCN.Address))
        if facts.place:
            g.add((address, LOCN.postName, Literal(facts.place.strip())))
        if postcode:
            g.add((address, LOCN.postCode, Literal(postcode)))
        if facts.street:
            g.add((address, LOCN.thoroughfare, Literal(facts.street.strip())))
    if facts.latitude is not None and facts.longitude is not None:
        geometry = URIRef(f"{it}#geometry")
        g.add((it, GEO.hasGeometry, geometry))
        g.add((geometry, RDF.type, GEO.Geometry))
        g.add((geometry, GEO.asWKT, Literal(f"POINT({facts.longitude} {facts.latitude})", datatype=GEO.wktLiteral)))


def _add_identifiers(g: Graph, it: URIRef, facts: CollectiveFacts, iris: RegistryIRIs) -> None:
    cc = iris.CC
    website = website_iri(facts.website)
    if website:
        g.add((it, SCHEMA.url, website))
    wikidata = wikidata_iri(facts.wikidata)
    if wikidata:
        g.add((it, SCHEMA.sameAs, wikidata))
    kvk = normalise_kvk(facts.kvk)
    if facts.kvk and not kvk:
        raise RecordError(f"not a KvK number: {facts.kvk!r}")
    if kvk:
        g.add((it, cc.kvkNumber, Literal(kvk)))
        identifier = URIRef(f"{it}#kvk")
        g.add((it, ROV.registration, identifier))
        g.add((identifier, RDF.type, ADMS.Identifier))
        g.add((identifier, SKOS.notation, Literal(kvk)))
        g.add((identifier, ADMS.schemeAgency, Literal("Kamer van Koophandel")))
        g.add((identifier, DCTERMS.creator, URIRef("https://org-id.guide/list/NL-KVK")))


def _add_event(g: Graph, it: URIRef, record: URIRef, kind: str, value: str | None, iris: RegistryIRIs) -> None:
    parsed = date_literal(value)
    if parsed is None:
        return
    cc = iris.CC
    literal, year = parsed
    event = iris.event(mint_id(str(record), kind, prefix="e"))
    g.add((it, cc.lifecycleEvent, event))
    g.add((event, RDF.type, cc.LifecycleEvent))
    g.add((event, RDF.type, ORG.ChangeEvent))
    g.add((event, cc.eventType, iris.concept("event-type", kind)))
    g.add((event, cc.eventDate, literal))
    g.add((event, cc.eventYear, Literal(year)))
    g.add((event, PROV.wasDerivedFrom, record))
    g.add((it, SCHEMA.foundingDate if kind == "founding" else SCHEMA.dissolutionDate, literal))
