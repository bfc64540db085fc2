"""Example queries for the SPARQL page (counts by sector, a municipality's collectives, trends)."""
from __future__ import annotations

from registry.namespaces import RegistryIRIs


def queries(iris: RegistryIRIs) -> list[tuple[str, str]]:
    head = (f"PREFIX cc: <{iris.CC}>\nPREFIX schema: <http://schema.org/>\n"
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n")
    return [
        ("Collectives by sector", head + """SELECT ?sector ?label (COUNT(DISTINCT ?c) AS ?collectives) WHERE {
  ?c a cc:CitizenCollective ; cc:sector ?sector .
  OPTIONAL { ?sector skos:prefLabel ?label FILTER(LANG(?label) = "en") }
} GROUP BY ?sector ?label ORDER BY DESC(?collectives)"""),
        ("Collectives in one municipality (Amsterdam, GM0363)", head + """SELECT ?c ?name WHERE {
  ?c a cc:CitizenCollective ; schema:name ?name ;
     cc:municipality <https://identifier.overheid.nl/tooi/id/gemeente/gm0363> .
} ORDER BY ?name LIMIT 100"""),
        ("Foundings per year (trend)", head + """SELECT ?year (COUNT(DISTINCT ?c) AS ?founded) WHERE {
  ?c a cc:CitizenCollective ; cc:lifecycleEvent ?e .
  ?e cc:eventType <""" + str(iris.concept("event-type", "founding")) + """> ; cc:eventYear ?year .
} GROUP BY ?year ORDER BY ?year"""),
        ("Collectives by province", head + """SELECT ?province ?label (COUNT(DISTINCT ?c) AS ?collectives) WHERE {
  ?c a cc:CitizenCollective ; cc:province ?province .
  OPTIONAL { ?province skos:prefLabel ?label }
} GROUP BY ?province ?label ORDER BY DESC(?collectives)"""),
        ("Sources of each collective", head + """PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?c ?source ?page WHERE {
  ?record foaf:primaryTopic ?c ; cc:source ?source .
  OPTIONAL { ?record prov:wasDerivedFrom ?page }
} LIMIT 100"""),
    ]
