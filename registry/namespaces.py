"""Namespaces of the registry.

Standard vocabularies are fixed; the project's own IRIs hang off a configurable base
(``{base}def#Term``, ``{base}def/{scheme}/{code}``, ``{base}id/...``, ``{base}graph/...``).

>>> iris = RegistryIRIs("https://example.org/cc/")
>>> str(iris.concept("sector", "energy"))
'https://example.org/cc/def/sector/energy'
"""
from __future__ import annotations

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SH, SKOS, SOSA, VOID, XSD

DEFAULT_BASE = "https://w3id.org/collectives-nl/"

ORG = Namespace("http://www.w3.org/ns/org#")
ROV = Namespace("http://www.w3.org/ns/regorg#")
# schema.org is used with http://, as most linked-data publishers and the JSON-LD context do.
SCHEMA = Namespace("http://schema.org/")
ADMS = Namespace("http://www.w3.org/ns/adms#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
TOOI = Namespace("https://identifier.overheid.nl/tooi/id/")
TOOI_ONT = Namespace("https://identifier.overheid.nl/tooi/def/ont/")
WD = Namespace("http://www.wikidata.org/entity/")
ESSGLOBAL = Namespace("http://purl.org/essglobal/standard/")

STANDARD_PREFIXES = {
    "org": ORG, "rov": ROV, "schema": SCHEMA, "skos": SKOS, "prov": PROV, "dcat": DCAT,
    "void": VOID, "dct": DCTERMS, "adms": ADMS, "locn": LOCN, "geo": GEO, "sosa": SOSA,
    "foaf": FOAF, "tooi": TOOI, "wd": WD, "essglobal": ESSGLOBAL, "rdf": RDF, "rdfs": RDFS,
    "owl": OWL, "xsd": XSD, "sh": SH,
}


def municipality_iri(code: str) -> URIRef:
    """TOOI IRI of a municipality from a normalised code (``gm0363``)."""
    return TOOI[f"gemeente/{code.lower()}"]


def province_iri(code: str) -> URIRef:
    return TOOI[f"provincie/{code.lower()}"]


class RegistryIRIs:
    """The project's own IRIs under one base."""

    def __init__(self, base: str = DEFAULT_BASE):
        if not base.endswith("/"):
            base += "/"
        self.base = base
        self.CC = Namespace(base + "def#")
        self.SHAPES = Namespace(base + "def/shapes#")

    def concept(self, scheme: str, code: str) -> URIRef:
        return URIRef(f"{self.base}def/{scheme}/{code}")

    def scheme(self, scheme: str) -> URIRef:
        return URIRef(f"{self.base}def/{scheme}")

    def collective(self, ident: str) -> URIRef:
        return URIRef(f"{self.base}id/collective/{ident}")

    def network(self, ident: str) -> URIRef:
        return URIRef(f"{self.base}id/network/{ident}")

    def event(self, ident: str) -> URIRef:
        return URIRef(f"{self.base}id/event/{ident}")

    def partnership(self, ident: str) -> URIRef:
        return URIRef(f"{self.base}id/partnership/{ident}")

    def observation(self, ident: str) -> URIRef:
        return URIRef(f"{self.base}id/observation/{ident}")

    def record(self, source: str, key: str) -> URIRef:
        return URIRef(f"{self.base}id/record/{source}/{key}")

    def graph(self, name: str) -> URIRef:
        return URIRef(f"{self.base}graph/{name}")

    def source_graph(self, source: str) -> URIRef:
        return self.graph(f"source/{source}")

    @property
    def vocabulary_graph(self) -> URIRef:
        return self.graph("vocabulary")

    @property
    def consolidated_graph(self) -> URIRef:
        return self.graph("consolidated")

    @property
    def metadata_graph(self) -> URIRef:
        return self.graph("metadata")

    @property
    def quarantine_graph(self) -> URIRef:
        return self.graph("quarantine")

    @property
    def identity_graph(self) -> URIRef:
        return self.graph("identity")

    @property
    def public_graphs(self) -> tuple[URIRef, ...]:
        """What queries see by default: one entry per collective, with vocabularies and provenance."""
        return (self.consolidated_graph, self.vocabulary_graph, self.identity_graph, self.metadata_graph)

    def bind(self, graph: Graph) -> Graph:
        """Bind every prefix the registry uses (overriding rdflib's https schema.org default)."""
        graph.bind("cc", self.CC, override=True, replace=True)
        for prefix, ns in STANDARD_PREFIXES.items():
            graph.bind(prefix, ns, override=True, replace=True)
        return graph

    def rebase(self, text: str) -> str:
        """Move text written against the default base (ontology, shapes) onto this base."""
        return text if self.base == DEFAULT_BASE else text.replace(DEFAULT_BASE, self.base)


def new_graph(iris: RegistryIRIs) -> Graph:
    return iris.bind(Graph())
