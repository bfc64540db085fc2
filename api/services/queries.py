"""Every SPARQL query the API runs, in one place (so they can move to the consolidated graph at once).

Queries use prefixed names only; :func:`prologue` declares the prefixes for the configured base.
User values are never pasted in: they are bound variables (``?c``, ``?name``...) passed as rdflib
terms to the store, which writes them in escaped form (``registry.sparql_text.bind``).
"""
from __future__ import annotations

from registry.namespaces import STANDARD_PREFIXES, TOOI_ONT, RegistryIRIs


def prologue(iris: RegistryIRIs) -> str:
    lines = [f"PREFIX cc: <{iris.CC}>", f"PREFIX tooi_ont: <{TOOI_ONT}>"]
    lines += [f"PREFIX {p}: <{ns}>" for p, ns in STANDARD_PREFIXES.items()]
    return "\n".join(lines) + "\n"


# one collective (or network) with its owned nodes (address, geometry, identifiers, events)
# and the source records about it, from every graph
DESCRIBE = """CONSTRUCT { ?s ?p ?o } WHERE {
  { ?c ?p ?o . BIND(?c AS ?s) }
  UNION { ?c ?link ?s . FILTER(isIRI(?s) && STRSTARTS(STR(?s), CONCAT(STR(?c), "#"))) ?s ?p ?o }
  UNION { ?c cc:lifecycleEvent ?s . ?s ?p ?o }
  UNION { ?s foaf:primaryTopic ?c ; ?p ?o }
}"""

EXISTS = "ASK { ?c a ?type }"

# the survivor of merges: the end of the dct:isReplacedBy chain (consolidation's identity graph)
REPLACED_BY = """SELECT ?survivor WHERE {
  ?c dct:isReplacedBy+ ?survivor .
  FILTER NOT EXISTS { ?survivor dct:isReplacedBy ?later }
} ORDER BY ?survivor LIMIT 1"""

# labels of every concept, municipality and province a set of things points to, in one query
LABELS = """SELECT ?thing ?label WHERE {
  VALUES_BLOCK
  ?thing skos:prefLabel ?label .
}"""

# the facts of a collective with the graph and source record each comes from
FACTS_WITH_SOURCES = """SELECT ?p ?o ?g ?record ?source ?page WHERE {
  GRAPH ?g { ?c ?p ?o }
  OPTIONAL { GRAPH ?g { ?record foaf:primaryTopic ?c . OPTIONAL { ?record cc:source ?source }
                        OPTIONAL { ?record prov:wasDerivedFrom ?page } } }
} ORDER BY ?p ?o ?g"""

LIFECYCLE = """SELECT ?event ?type ?date ?year WHERE {
  ?c cc:lifecycleEvent ?event .
  OPTIONAL { ?event cc:eventType ?type } OPTIONAL { ?event cc:eventDate ?date }
  OPTIONAL { ?event cc:eventYear ?year }
} ORDER BY ?year ?event"""

# indicators of one collective over time (sosa observations), one series per indicator
OBSERVATIONS = """SELECT DISTINCT ?indicator ?date ?value WHERE {
  ?observation sosa:hasFeatureOfInterest ?c ; sosa:observedProperty ?indicator ;
      sosa:hasSimpleResult ?value ; cc:referenceDate ?date .
} ORDER BY ?indicator ?date LIMIT 2000"""

# partnerships of one collective with the other parties (collectives, municipalities, networks...)
PARTNERSHIPS = """SELECT ?partnership ?other (SAMPLE(?t) AS ?type) (MIN(?s) AS ?start) (MAX(?e) AS ?end)
       (MIN(?n) AS ?name) (MIN(?code) AS ?cbs) WHERE {
  ?partnership a cc:Partnership ; cc:participant ?c .
  OPTIONAL { ?partnership cc:participant ?other FILTER(?other != ?c)
             OPTIONAL { ?other schema:name ?n } OPTIONAL { ?other cc:cbsMunicipalityCode ?code } }
  OPTIONAL { ?partnership cc:partnershipType ?t }
  OPTIONAL { ?partnership cc:startDate ?s } OPTIONAL { ?partnership cc:endDate ?e }
} GROUP BY ?partnership ?other ORDER BY ?start ?partnership ?other LIMIT 500"""

# search: the page of matching collectives, in a stable order; FILTERS is filled by the service
# from fixed fragments (never from user text). STR() before LCASE: Virtuoso 7.2 refuses LCASE on
# the MIN of long strings ("SR586: Incomplete RDF box"); the order is the same.
# in the order of the smallest name (ORDER_KEY: ?n, or with a name query the smallest matching name
# when a schema:name matched and not only an alternate name)
SEARCH_PAGE = """SELECT ?c (MIN(?n) AS ?name) WHERE {
  ?c a CLASS ; schema:name ?n .
  FILTERS
} GROUP BY ?c ORDER BY LCASE(STR(MIN(ORDER_KEY))) ?c LIMIT_OFFSET"""

SEARCH_COUNT = """SELECT (COUNT(DISTINCT ?c) AS ?total) WHERE {
  ?c a CLASS ; schema:name ?n .
  FILTERS
}"""

# the things among a set of name matches (VALUES_BLOCK, or empty for all) that pass the filters
SEARCH_SET = """SELECT DISTINCT ?c WHERE {
  VALUES_BLOCK
  ?c a CLASS ; schema:name ?n .
  FILTERS
}"""

# the summary fields of a page of collectives, one batched query. FILTER IN, not a second VALUES:
# Oxigraph joins a VALUES ?p block after scanning every ?p (275 ms for 20 collectives at 10k; 1.6 ms so)
SUMMARIES = """SELECT ?c ?p ?o WHERE {
  VALUES_BLOCK
  ?c ?p ?o .
  FILTER(?p IN (schema:name, cc:sector, cc:collectiveType, rov:orgType, cc:societalRole, cc:lifecycleStage,
                cc:municipality, cc:province, cc:cbsMunicipalityCode, schema:foundingDate,
                schema:dissolutionDate, schema:url, cc:kvkNumber, org:memberOf, rdf:type))
}"""

GEOMETRIES = """SELECT ?c ?wkt ?place WHERE {
  VALUES_BLOCK
  OPTIONAL { ?c geo:hasGeometry/geo:asWKT ?wkt }
  OPTIONAL { ?c locn:address/locn:postName ?place }
}"""

# municipalities (reference data in the vocabulary graph)
MUNICIPALITY_BY_CODE = """SELECT ?m ?label ?cbs ?province ?current WHERE {
  ?m cc:cbsMunicipalityCode ?code .
  OPTIONAL { ?m skos:prefLabel ?label }
  BIND(?code AS ?cbs)
  OPTIONAL { ?m cc:province ?province }
  OPTIONAL { ?m cc:currentMunicipality ?current }
}"""

MUNICIPALITY_BY_IRI = """SELECT ?label ?cbs ?province ?current WHERE {
  ?m cc:cbsMunicipalityCode ?cbs .
  OPTIONAL { ?m skos:prefLabel ?label }
  OPTIONAL { ?m cc:province ?province }
  OPTIONAL { ?m cc:currentMunicipality ?current }
}"""

MUNICIPALITY_BY_NAME = """SELECT ?m ?current WHERE {
  ?m cc:cbsMunicipalityCode ?cbs ; skos:prefLabel ?label .
  FILTER(REGEX(STR(?label), ?pattern, "i"))
  OPTIONAL { ?m cc:currentMunicipality ?current }
} ORDER BY BOUND(?current) ?m LIMIT 5"""

PROVINCE_BY_NAME = """SELECT ?p WHERE {
  ?p a tooi_ont:Provincie ; skos:prefLabel ?label .
  FILTER(REGEX(STR(?label), ?pattern, "i"))
} LIMIT 1"""

MUNICIPALITY_SECTORS = """SELECT ?sector (COUNT(DISTINCT ?c) AS ?collectives) WHERE {
  ?c a cc:CitizenCollective ; cc:municipality ?m ; cc:sector ?sector .
} GROUP BY ?sector ORDER BY DESC(?collectives) ?sector"""

MUNICIPALITY_NETWORKS = """SELECT ?network (MIN(?n) AS ?name) (COUNT(DISTINCT ?c) AS ?members) WHERE {
  ?c a cc:CitizenCollective ; cc:municipality ?m ; org:memberOf ?network .
  OPTIONAL { ?network schema:name ?n }
} GROUP BY ?network ORDER BY DESC(?members) ?network"""

MUNICIPALITY_PARTNERSHIPS = """SELECT ?partnership ?type ?c ?start ?end WHERE {
  ?partnership a cc:Partnership ; cc:participant ?m , ?c .
  ?c a cc:CitizenCollective .
  OPTIONAL { ?partnership cc:partnershipType ?type }
  OPTIONAL { ?partnership cc:startDate ?start } OPTIONAL { ?partnership cc:endDate ?end }
} ORDER BY ?partnership LIMIT 500"""

NETWORKS = """SELECT ?network (MIN(?n) AS ?name) (COUNT(DISTINCT ?c) AS ?members) WHERE {
  ?network a cc:Network ; schema:name ?n .
  OPTIONAL { ?c org:memberOf ?network }
} GROUP BY ?network ORDER BY LCASE(STR(MIN(?n))) ?network LIMIT 1000"""

NETWORK_COVERAGE = """SELECT ?province (COUNT(DISTINCT ?c) AS ?members) WHERE {
  ?c org:memberOf ?network ; cc:province ?province .
} GROUP BY ?province ORDER BY DESC(?members) ?province"""

NETWORK_MEMBER_COUNT = "SELECT (COUNT(DISTINCT ?c) AS ?members) WHERE { ?c org:memberOf ?network }"

# reconciliation: candidates by name (and optionally municipality / KvK)
RECONCILE_CANDIDATES = """SELECT ?c (MIN(?n) AS ?name) (SAMPLE(?t) AS ?type) WHERE {
  ?c a ?t ; schema:name ?n .
  VALUES ?t { cc:CitizenCollective cc:Network }
  FILTER(REGEX(?n, ?pattern, "i"))
  FILTERS
} GROUP BY ?c ORDER BY ?c LIMIT 200"""

RECONCILE_BY_KVK = """SELECT ?c (MIN(?n) AS ?name) (SAMPLE(?t) AS ?type) WHERE {
  ?c cc:kvkNumber ?kvk ; a ?t ; schema:name ?n .
  VALUES ?t { cc:CitizenCollective cc:Network }
} GROUP BY ?c LIMIT 10"""

COUNT_COLLECTIVES = "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a cc:CitizenCollective }"
COUNT_NETWORKS = "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a cc:Network }"
