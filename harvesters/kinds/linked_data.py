"""``linked-data``: collectives that networks publish as RDF, or behind a DCAT catalogue.

    [[source]]
    name = "example-network"
    kind = "linked-data"
    url = "https://network.example.org/collectives.ttl"   # or urls = [...]
    [source.options]
    follow_dcat = true       # a catalogue's dcat:distribution -> downloadURL / accessURL is followed
    max_documents = 20       # bound on the documents one run reads (catalogue included)
    types = []               # only nodes of these classes (full IRIs); default: every organisation

The URL is asked for with content negotiation (Turtle, JSON-LD, RDF/XML, N-Triples, TriG, with
q-values); the format comes from the Content-Type (or the file extension when the server says
``text/plain`` or nothing useful). One record per organisation node, keyed by its IRI:

- our own ontology: a ``cc:CitizenCollective`` / ``cc:Network`` passes through with its
  properties, its ``#fragment`` and blank-node parts and its lifecycle events, re-subjected onto
  the collective this record introduces;
- schema.org ``Organization`` (and NGO, LocalBusiness, Corporation, ...), W3C ORG and RegOrg
  descriptions are read into :class:`CollectiveFacts` (name, url, address, founding and
  dissolution dates, sameAs Wikidata, KvK number from identifier / registration, legal form).

JSON-LD never fetches a remote context: the schema.org context (http or https) is replaced by
an embedded one and any other remote context is refused with a per-source error.
"""
from __future__ import annotations

import json
import re
from typing import Iterator
from urllib.parse import urlsplit

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, SKOS
from rdflib.term import Node

from registry.identifiers import normalise_gm_code, normalise_kvk, slug
from registry.namespaces import ADMS, LOCN, ORG, ROV, SCHEMA, TOOI
from registry.untrusted import check_rdf_xml

from ..base import Harvester, RawRecord, RecordError, SourceError
from ..facts import CollectiveFacts, collective_iri, facts_to_graph, legal_form_code

ACCEPT = ("text/turtle, application/ld+json;q=0.9, application/rdf+xml;q=0.8, "
          "application/n-triples;q=0.7, application/trig;q=0.6, text/n3;q=0.5, */*;q=0.1")
MEDIA_FORMATS = {
    "text/turtle": "turtle", "application/x-turtle": "turtle",
    "application/ld+json": "json-ld", "application/json": "json-ld",
    "application/rdf+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "application/n-triples": "nt", "application/trig": "trig", "text/n3": "n3",
    "application/n-quads": "nquads",
}
EXTENSION_FORMATS = {".ttl": "turtle", ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml", ".owl": "xml",
                     ".xml": "xml", ".nt": "nt", ".trig": "trig", ".n3": "n3", ".nq": "nquads"}
SCHEMA_HTTPS = Namespace("https://schema.org/")
SCHEMA_CONTEXT_URLS = re.compile(r"^https?://schema\.org(/|/docs/jsonldcontext\.json(ld)?)?$", re.I)
SCHEMA_CONTEXT = {
    "@vocab": "http://schema.org/", "schema": "http://schema.org/", "id": "@id", "type": "@type",
    **{term: {"@id": f"http://schema.org/{term}", "@type": "@id"}
       for term in ("url", "sameAs", "logo", "image", "mainEntityOfPage", "additionalType", "areaServed")},
}
ORGANISATION_TYPES = {
    *(SCHEMA[t] for t in ("Organization", "NGO", "LocalBusiness", "Corporation", "Consortium", "Project",
                          "OnlineBusiness", "SportsOrganization", "WorkersUnion", "FundingScheme")),
    ORG.Organization, ORG.FormalOrganization, ORG.OrganizationalCollaboration, ROV.RegisteredOrganization,
    FOAF.Organization,
}
NAME_PROPERTIES = (SCHEMA.name, ROV.legalName, SCHEMA.legalName, SKOS.prefLabel, FOAF.name, RDFS.label)
KVK_WORDS = re.compile(r"kvk|kamer van koophandel|chamber of commerce|nl-kvk|handelsregister", re.I)
MAX_COPY_DEPTH = 3


class RemoteContextRefused(ValueError):
    """A JSON-LD document names a remote @context other than schema.org's."""


# --- reading RDF -----------------------------------------------------------------------------

def _local_contexts(value, where: str):
    """Replace schema.org context URLs with the embedded context; refuse any other remote one."""
    if isinstance(value, str):
        if SCHEMA_CONTEXT_URLS.match(value.strip()):
            return SCHEMA_CONTEXT
        raise RemoteContextRefused(f"{where}: the remote JSON-LD context {value!r} is not fetched; "
                                   "embed the context in the document")
    if isinstance(value, list):
        return [_local_contexts(v, where) for v in value]
    if isinstance(value, dict):
        if "@import" in value:
            raise RemoteContextRefused(f"{where}: JSON-LD @import of {value['@import']!r} is not fetched")
        return value
    return value


def without_remote_contexts(document, where: str):
    """A copy of the JSON-LD document in which every @context is local."""
    if isinstance(document, list):
        return [without_remote_contexts(d, where) for d in document]
    if isinstance(document, dict):
        return {k: (_local_contexts(v, where) if k == "@context" else without_remote_contexts(v, where))
                for k, v in document.items()}
    return document


def normalise_schema_org(graph: Graph) -> Graph:
    """``https://schema.org/x`` → ``http://schema.org/x``, the form the registry uses everywhere."""
    out = Graph()
    fix = lambda t: URIRef(SCHEMA + t[len(SCHEMA_HTTPS):]) if isinstance(t, URIRef) and t.startswith(SCHEMA_HTTPS) else t  # noqa: E731
    for s, p, o in graph:
        out.add((fix(s), fix(p), fix(o)))
    return out


def parse_jsonld(document, base: str | None, where: str) -> Graph:
    """JSON-LD (text or parsed) into a graph, with remote contexts refused (:class:`RemoteContextRefused`)."""
    if isinstance(document, (str, bytes)):
        document = json.loads(document)
    local = without_remote_contexts(document, where)
    graph = Graph()
    graph.parse(data=json.dumps(local), format="json-ld", base=base)
    return normalise_schema_org(graph)


def rdf_format(content_type: str, url: str) -> str | None:
    media = content_type.split(";", 1)[0].strip().lower()
    if media in MEDIA_FORMATS:
        return MEDIA_FORMATS[media]
    if media.endswith("+json"):
        return "json-ld"
    if media.endswith("+xml"):
        return "xml"
    path = urlsplit(url).path.lower()
    return next((fmt for ext, fmt in EXTENSION_FORMATS.items() if path.endswith(ext)), None)


def parse_rdf(content: bytes, content_type: str, url: str, where: str) -> Graph:
    """Bytes from ``url`` into a graph; every failure is a :class:`SourceError` naming the URL."""
    fmt = rdf_format(content_type, url)
    if fmt is None:
        raise SourceError(f"{where}: {url} is {content_type or 'of no stated type'}, not an RDF format")
    charset = re.search(r"charset\s*=\s*\"?([^;\s\"]+)", content_type, re.I)
    try:
        if fmt == "json-ld":
            return parse_jsonld(content.decode(charset.group(1) if charset else "utf-8"), url, where)
        graph = Graph()
        if fmt == "xml":
            check_rdf_xml(content)
        graph.parse(data=content, format=fmt, publicID=url)
        return normalise_schema_org(graph)
    except RemoteContextRefused as exc:
        raise SourceError(str(exc)) from exc
    except (UnicodeDecodeError, LookupError) as exc:
        raise SourceError(f"{where}: {url} is not in the encoding it declares ({exc})") from exc
    except Exception as exc:  # rdflib raises many kinds (BadSyntax, SAXParseException, JSONDecodeError ...)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SourceError(f"{where}: {url} is not valid {fmt}: {first}") from exc


# --- reading organisations -------------------------------------------------------------------

def organisation_nodes(graph: Graph, cc: Namespace, types: set[URIRef] | None = None) -> list[Node]:
    wanted = types or (ORGANISATION_TYPES | {cc.CitizenCollective, cc.Network})
    found = {s for t in wanted for s in graph.subjects(RDF.type, t)}
    return sorted(found, key=lambda n: (isinstance(n, BNode), str(n)))


def _text(value: Node | None) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def best_literal(graph: Graph, node: Node, properties) -> str | None:
    """The first property with a value; Dutch, then untagged, then any language."""
    for prop in properties:
        values = [v for v in graph.objects(node, prop) if isinstance(v, Literal) and str(v).strip()]
        for wanted in ("nl", None):
            for v in values:
                if (v.language or None) == wanted or (wanted == "nl" and (v.language or "").startswith("nl")):
                    return str(v).strip()
        if values:
            return str(values[0]).strip()
    return None


def _iri_or_text(graph: Graph, node: Node, prop) -> str | None:
    for value in graph.objects(node, prop):
        if isinstance(value, (URIRef, Literal)) and str(value).strip():
            return str(value).strip()
    return None


def kvk_from(graph: Graph, node: Node, cc: Namespace) -> str | None:
    """A KvK number stated through cc:kvkNumber, schema:identifier or rov:registration."""
    direct = _text(graph.value(node, cc.kvkNumber))
    if direct:
        return direct
    for value in graph.objects(node, SCHEMA.identifier):
        if isinstance(value, Literal):
            match = re.fullmatch(r"(?:NL-KVK-|KvK[:\s-]*)([0-9 .]{7,10})", str(value).strip(), re.I)
            if match:
                return match.group(1)
        else:
            scheme = " ".join(str(v) for p in (SCHEMA.propertyID, SCHEMA.name) for v in graph.objects(value, p))
            if KVK_WORDS.search(scheme):
                return _text(graph.value(value, SCHEMA.value))
    for registration in graph.objects(node, ROV.registration):
        agency = " ".join(str(v) for p in (ADMS.schemaAgency, ADMS.schemeAgency, DCTERMS.creator)
                          for v in graph.objects(registration, p))
        notation = _text(graph.value(registration, SKOS.notation))
        if notation and KVK_WORDS.search(agency):
            return notation
    return None


def facts_from_node(graph: Graph, node: Node, cc: Namespace, legal_form_scheme: str, url: str | None) -> CollectiveFacts:
    """What a schema.org / ORG / RegOrg description says about one organisation."""
    name = best_literal(graph, node, NAME_PROPERTIES)
    if not name:
        raise RecordError(f"the organisation {node if isinstance(node, URIRef) else '(a blank node)'} has no name")
    alternates = {str(v).strip() for p in (SCHEMA.alternateName, SCHEMA.legalName, ROV.legalName)
                  for v in graph.objects(node, p) if isinstance(v, Literal) and str(v).strip()} - {name}
    facts = CollectiveFacts(name=name, alternate_names=sorted(alternates), source_url=url)
    facts.is_network = (node, RDF.type, cc.Network) in graph
    facts.website = _iri_or_text(graph, node, SCHEMA.url) or _iri_or_text(graph, node, FOAF.homepage)
    facts.description = best_literal(graph, node, (SCHEMA.description, DCTERMS.description))
    facts.founded = _text(graph.value(node, SCHEMA.foundingDate))
    facts.dissolved = _text(graph.value(node, SCHEMA.dissolutionDate))
    for same in graph.objects(node, SCHEMA.sameAs):
        if re.match(r"^https?://(www\.)?wikidata\.org/(entity|wiki)/Q[1-9][0-9]*$", str(same)):
            facts.wikidata = str(same)
            break
    facts.kvk = kvk_from(graph, node, cc)
    for address in [*graph.objects(node, SCHEMA.address), *graph.objects(node, LOCN.address)]:
        if isinstance(address, Literal):
            continue
        facts.place = facts.place or best_literal(graph, address, (SCHEMA.addressLocality, LOCN.postName))
        facts.postcode = facts.postcode or best_literal(graph, address, (SCHEMA.postalCode, LOCN.postCode))
        facts.street = facts.street or best_literal(graph, address, (SCHEMA.streetAddress, LOCN.thoroughfare))
        facts.province = facts.province or best_literal(graph, address, (SCHEMA.addressRegion,))
    geo = graph.value(node, SCHEMA.geo)
    if geo is not None:
        try:
            facts.latitude = float(graph.value(geo, SCHEMA.latitude))
            facts.longitude = float(graph.value(geo, SCHEMA.longitude))
        except (TypeError, ValueError):
            facts.latitude = facts.longitude = None
    for prop in (cc.municipality, SCHEMA.areaServed):
        for value in graph.objects(node, prop):
            if isinstance(value, URIRef) and str(value).startswith(str(TOOI["gemeente/"])):
                facts.municipality = normalise_gm_code(str(value))
                break
        if facts.municipality:
            break
    for form in graph.objects(node, ROV.orgType):
        if isinstance(form, URIRef) and str(form).startswith(legal_form_scheme):
            facts.legal_form = str(form)[len(legal_form_scheme):]
        elif isinstance(form, Literal):
            facts.legal_form_stated = str(form).strip()
            facts.legal_form = legal_form_code(facts.legal_form_stated)
        elif label := best_literal(graph, form, (SKOS.prefLabel, RDFS.label)):
            facts.legal_form_stated = label
            facts.legal_form = legal_form_code(label)
    return facts


def record_key_for(graph: Graph, node: Node) -> str:
    """A stable record key: the organisation's IRI without its scheme, or its name for a blank node."""
    if isinstance(node, URIRef):
        parts = urlsplit(str(node))
        return slug(f"{parts.netloc}{parts.path}{'-' + parts.fragment if parts.fragment else ''}")[:150]
    name = best_literal(graph, node, NAME_PROPERTIES)
    return "name-" + slug(name)[:140] if name else ""


# --- our own ontology, passed through ----------------------------------------------------------

def passthrough_graph(source: Graph, node: Node, *, harvester: Harvester, key: str, url: str | None) -> Graph:
    """A cc: description re-subjected onto the collective this record introduces."""
    iris = harvester.iris
    cc = iris.CC
    is_network = (node, RDF.type, cc.Network) in source
    name = best_literal(source, node, NAME_PROPERTIES)
    if not name:
        raise RecordError("the collective has no schema:name")
    # The standard part (record node, name, provenance) comes from the shared writer ...
    facts = CollectiveFacts(name=name, is_network=is_network, source_url=url)
    g = facts_to_graph(facts, iris=iris, reference=harvester.context.reference, source=harvester.config.name,
                       key=key, record_url=url)
    it = collective_iri(iris, harvester.config.name, key, is_network)
    record = iris.record(harvester.config.name, key)
    if isinstance(node, URIRef):
        g.add((it, RDFS.seeAlso, node))
    renamed: dict[Node, URIRef] = {node: it}

    def rename(value: Node, via: Node) -> Node:
        if value in renamed:
            return renamed[value]
        if via == cc.lifecycleEvent and not (isinstance(value, URIRef) and value.startswith(iris.base)):
            renamed[value] = iris.event(f"{it.rsplit('/', 1)[-1]}-{slug(str(value))[-40:]}")
        elif isinstance(value, BNode):
            renamed[value] = URIRef(f"{it}#part-{len(renamed)}")
        elif isinstance(value, URIRef) and isinstance(node, URIRef) and value.startswith(f"{node}#"):
            renamed[value] = URIRef(f"{it}#{value[len(node) + 1:]}")
        else:
            return value
        return renamed[value]

    # ... the rest of what the publisher says is copied, normalised where the registry insists.
    todo, depth = [(node, 0)], {node: 0}
    while todo:
        subject, level = todo.pop()
        for p, o in source.predicate_objects(subject):
            if subject == node and p == SCHEMA.name:
                continue  # written above, whitespace-normalised
            if p == cc.kvkNumber:
                kvk = normalise_kvk(str(o))
                if not kvk:
                    raise RecordError(f"not a KvK number: {str(o)!r}")
                o = Literal(kvk)
            if p == PROV.wasDerivedFrom and subject != node:
                o = record
            target = rename(o, p)
            g.add((renamed[subject], p, target))
            if target != o and o not in depth and level < MAX_COPY_DEPTH:
                depth[o] = level + 1
                todo.append((o, level + 1))
    return g


# --- the harvester -----------------------------------------------------------------------------

class LinkedDataHarvester(Harvester):
    kind = "linked-data"

    def __init__(self, config, context):
        super().__init__(config, context)
        if not config.all_urls:
            raise SourceError(f"{config.name}: a linked-data source needs url or urls")
        options = config.options
        self.follow_dcat = bool(options.get("follow_dcat", True))
        self.max_documents = int(options.get("max_documents", 20))
        self.types = {URIRef(t) for t in options.get("types", [])} or None

    def _read(self, url: str) -> Graph:
        http = self.context.http
        if http is None:
            raise SourceError(f"{self.config.name}: the linked-data kind needs the harvest's HTTP client")
        response = http.get(url, headers={"Accept": ACCEPT}, rate=self.config.rate)
        return parse_rdf(response.content, response.headers.get("Content-Type", ""), response.url or url,
                         self.config.name)

    def documents(self) -> Iterator[tuple[str, Graph]]:
        """Each document read, catalogues followed to their distributions (bounded, no repeats)."""
        queue, seen = list(self.config.all_urls), set()
        while queue:
            url = queue.pop(0)
            if url in seen:
                continue
            if len(seen) >= self.max_documents:
                raise SourceError(f"{self.config.name}: more than max_documents={self.max_documents} documents")
            seen.add(url)
            graph = self._read(url)
            distributions = distribution_urls(graph) if self.follow_dcat else []
            if distributions:
                queue.extend(d for d in distributions if d not in seen)
                continue  # a catalogue: its publisher is not a collective
            yield url, graph

    def gather(self) -> Iterator[RawRecord]:
        keys: set[str] = set()
        for url, graph in self.documents():
            for node in organisation_nodes(graph, self.iris.CC, self.types):
                key = record_key_for(graph, node) or f"unnamed-{len(keys) + 1}"
                if key in keys:
                    continue  # the same organisation in two documents: the first one counts
                keys.add(key)
                yield RawRecord(key=key, data=(graph, node), url=url)

    def transform(self, record: RawRecord) -> Graph:
        graph, node = record.data
        cc = self.iris.CC
        if (node, RDF.type, cc.CitizenCollective) in graph or (node, RDF.type, cc.Network) in graph:
            return passthrough_graph(graph, node, harvester=self, key=record.key, url=record.url)
        facts = facts_from_node(graph, node, cc, str(self.iris.concept("legal-form", "")), record.url)
        return facts_to_graph(facts, iris=self.iris, reference=self.context.reference,
                              source=self.config.name, key=record.key, record_url=record.url)


def distribution_urls(graph: Graph) -> list[str]:
    """Data URLs of a DCAT catalogue's distributions (download URL preferred), RDF ones or unlabelled."""
    urls = []
    for distribution in sorted(set(graph.objects(None, DCAT.distribution)), key=str):
        media = " ".join(str(v) for p in (DCAT.mediaType, DCTERMS.format) for v in graph.objects(distribution, p))
        if media and not any(m in media.lower() for m in (*MEDIA_FORMATS, "turtle", "json-ld", "rdf", "n-triples")):
            continue
        target = graph.value(distribution, DCAT.downloadURL) or graph.value(distribution, DCAT.accessURL)
        if isinstance(target, URIRef) and re.match(r"^https?://", str(target)):
            urls.append(str(target))
    return urls

