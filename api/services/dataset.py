"""The DCAT + VoID description of the published dataset, with live counts per graph."""
from __future__ import annotations

from datetime import datetime, timezone

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, VOID, XSD

from registry.export import COMPRESS_FORMAT, available_dumps
from registry.settings import Settings
from registry.store import Store

from . import queries

IANA = "http://www.iana.org/assignments/media-types/"
GRAPH_TRIPLES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"


def describe(store: Store, settings: Settings, site: str) -> Graph:
    """``site`` is the public base URL of the API (for endpoint and download links)."""
    iris = settings.iris
    graph = iris.bind(Graph())
    metadata = store.graph(iris.metadata_graph)  # harvest runs and source descriptions, when there are any
    graph += metadata
    dataset = URIRef(f"{iris.base}dataset")
    graph.add((dataset, RDF.type, DCAT.Dataset))
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, DCTERMS.title, Literal("Registry of Dutch citizen collectives", lang="en")))
    graph.add((dataset, DCTERMS.title, Literal("Register van Nederlandse burgercollectieven", lang="nl")))
    graph.add((dataset, DCTERMS.description, Literal(
        "Citizen collectives in the Netherlands (energy, care, housing, food, neighbourhood...) gathered "
        "from public sources, with the provenance of every fact.", lang="en")))
    graph.add((dataset, VOID.uriSpace, Literal(f"{iris.base}id/")))
    graph.add((dataset, VOID.vocabulary, URIRef(str(iris.CC))))
    graph.add((dataset, FOAF.homepage, URIRef(f"{site}/")))
    endpoint = URIRef(f"{site}/sparql")
    graph.add((dataset, VOID.sparqlEndpoint, endpoint))
    service = URIRef(f"{site}/sparql#service")
    graph.add((service, RDF.type, DCAT.DataService))
    graph.add((service, DCAT.endpointURL, endpoint))
    graph.add((service, DCAT.servesDataset, dataset))
    graph.add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    graph.add((dataset, DCAT.distribution, _distribution(graph, site, "sparql", endpoint, None)))
    for name, media in (("collectives.csv", "text/csv"), ("collectives.geojson", "application/geo+json")):
        url = URIRef(f"{site}/collectives?format={name.rsplit('.', 1)[1]}&limit=100")
        graph.add((dataset, DCAT.distribution, _distribution(graph, site, name, url, media)))
    for found in available_dumps(settings):
        url = URIRef(f"{site}/dumps/{found.dump.name}")
        node = _distribution(graph, site, found.dump.name, url, found.dump.media_type)
        graph.add((node, DCAT.downloadURL, url))
        graph.add((node, DCTERMS.description, Literal(found.dump.title, lang="en")))
        graph.add((node, DCAT.compressFormat, URIRef(f"{IANA}{COMPRESS_FORMAT}")))
        graph.add((node, DCAT.byteSize, Literal(found.size, datatype=XSD.nonNegativeInteger)))
        graph.add((node, DCTERMS.modified, Literal(datetime.fromtimestamp(found.modified, timezone.utc)
                                                   .replace(microsecond=0).isoformat(), datatype=XSD.dateTime)))
        graph.add((dataset, DCAT.distribution, node))
        graph.add((dataset, VOID.dataDump, url))
    head = queries.prologue(iris)
    collectives = int(store.select(head + queries.COUNT_COLLECTIVES)[0]["n"])
    networks = int(store.select(head + queries.COUNT_NETWORKS)[0]["n"])
    graph.add((dataset, VOID.entities, Literal(collectives + networks, datatype=XSD.integer)))
    total = 0
    for row in store.select(GRAPH_TRIPLES):
        subset = row["g"]
        count = int(row["n"])
        total += count
        graph.add((dataset, VOID.subset, subset))
        graph.add((subset, RDF.type, VOID.Dataset))
        graph.add((subset, VOID.triples, Literal(count, datatype=XSD.integer)))
    graph.add((dataset, VOID.triples, Literal(total, datatype=XSD.integer)))
    partition = BNode()
    graph.add((dataset, VOID.classPartition, partition))
    graph.add((partition, VOID["class"], iris.CC.CitizenCollective))
    graph.add((partition, VOID.entities, Literal(collectives, datatype=XSD.integer)))
    return graph


def _distribution(graph: Graph, site: str, name: str, url: URIRef, media: str | None) -> URIRef:
    node = URIRef(f"{site}/dataset#{name}")
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add((node, DCAT.accessURL, url))
    graph.add((node, DCTERMS.title, Literal(name)))
    if media:
        graph.add((node, DCAT.mediaType, URIRef(f"{IANA}{media}")))
    else:
        graph.add((node, DCAT.accessService, URIRef(f"{site}/sparql#service")))
    return node
