"""The packaged ontology, vocabularies, shapes and JSON-LD context: complete and consistent."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
import rdflib.namespace as rns
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from registry.model import (
    load_context, load_ontology, load_shapes, load_vocabularies, ontology_text, shapes_text,
)
from registry.namespaces import DEFAULT_BASE, ORG, SCHEMA, RegistryIRIs

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "records"

# The code lists other modules rely on: scheme -> codes, exactly.
SCHEMES = {
    "sector": {"energy", "care", "housing", "food", "mobility", "nature", "circular",
               "neighbourhood", "culture", "work", "digital", "other"},
    "collective-type": {"energy-cooperative", "energy-supplier", "care-cooperative", "care-initiative",
                        "housing-cooperative", "food-collective", "csa-farm", "herenboeren-farm",
                        "resident-business", "neighbourhood-cooperative", "neighbourhood-initiative",
                        "mobility-collective", "village-cooperative", "network", "other"},
    "legal-form": {"cooperative", "cooperative-ua", "cooperative-ba", "cooperative-wa", "association",
                   "association-limited", "foundation", "bv", "informal"},
    "role": {"identifier", "educator", "enabler", "go-between"},
    "lifecycle-stage": {"initiative", "founded", "growing", "consolidating", "multi-purpose",
                        "possibly-dormant", "dormant", "dissolved", "merged"},
    "event-type": {"founding", "dissolution", "merger", "stage-transition", "registration",
                   "deregistration", "first-seen", "withdrawn", "renaming", "relocation"},
    "partnership-type": {"right-to-challenge", "subsidy", "municipal-accommodation", "land-or-roof-lease",
                         "co-creation", "covenant", "procurement", "loan-or-guarantee",
                         "network-membership"},
    "indicator": {"members", "households", "volunteers", "solar-kwp", "wind-mw", "heat-connections",
                  "co2-reduction-tonnes"},
    "record-status": {"submitted", "valid", "superseded", "withdrawn"},
}

REQUIRED_CLASSES = {"CitizenCollective", "Network", "LifecycleEvent", "Partnership", "SourceRecord",
                    "MatchDecision"}
REQUIRED_PROPERTIES = {
    "sector", "collectiveType", "societalRole", "lifecycleStage", "stageOrder", "lifecycleEvent",
    "eventType", "fromStage", "toStage", "eventDate", "eventYear", "participant", "partnershipType",
    "startDate", "endDate", "partnerOf", "referenceDate", "municipality", "municipalityAsStated",
    "province", "cbsMunicipalityCode", "kvkNumber", "rsin", "legalFormStated", "recordStatus",
    "firstSeen", "lastSeen", "source", "currentMunicipality", "matchRule", "matchScore",
}

# The terms of the SHACL vocabulary (SHACL Core and SHACL-SPARQL, W3C Recommendation 2017).
SHACL_TERMS = {
    # classes and instances
    "Shape", "NodeShape", "PropertyShape", "ValidationReport", "ValidationResult", "AbstractResult",
    "Severity", "Info", "Warning", "Violation", "NodeKind", "BlankNode", "IRI", "Literal",
    "BlankNodeOrIRI", "BlankNodeOrLiteral", "IRIOrLiteral", "ConstraintComponent", "Parameter",
    "Parameterizable", "Validator", "SPARQLAskValidator", "SPARQLSelectValidator", "SPARQLExecutable",
    "SPARQLAskExecutable", "SPARQLSelectExecutable", "SPARQLConstructExecutable",
    "SPARQLUpdateExecutable", "SPARQLConstraint", "PrefixDeclaration", "PropertyGroup", "this",
    # validation reports
    "conforms", "result", "shapesGraphWellFormed", "resultSeverity", "focusNode", "resultPath",
    "sourceShape", "sourceConstraintComponent", "sourceConstraint", "value", "resultMessage", "detail",
    # graphs and targets
    "shapesGraph", "suggestedShapesGraph", "entailment", "targetNode", "targetClass",
    "targetSubjectsOf", "targetObjectsOf",
    # shapes
    "severity", "message", "deactivated", "path", "inversePath", "alternativePath", "zeroOrMorePath",
    "oneOrMorePath", "zeroOrOnePath", "name", "description", "defaultValue", "group", "order",
    # constraint parameters
    "and", "class", "closed", "ignoredProperties", "datatype", "disjoint", "equals", "in",
    "languageIn", "lessThan", "lessThanOrEquals", "maxCount", "maxExclusive", "maxInclusive",
    "maxLength", "minCount", "minExclusive", "minInclusive", "minLength", "node", "nodeKind", "not",
    "or", "pattern", "flags", "property", "qualifiedMaxCount", "qualifiedMinCount",
    "qualifiedValueShape", "qualifiedValueShapesDisjoint", "uniqueLang", "xone", "hasValue",
    # SPARQL
    "sparql", "select", "ask", "construct", "update", "prefixes", "declare", "prefix", "namespace",
    "parameter", "labelTemplate", "validator", "nodeValidator", "propertyValidator", "optional",
    # constraint components
    *(f"{c}ConstraintComponent" for c in (
        "And", "Class", "Closed", "Datatype", "Disjoint", "Equals", "HasValue", "In", "LanguageIn",
        "LessThan", "LessThanOrEquals", "MaxCount", "MaxExclusive", "MaxInclusive", "MaxLength",
        "MinCount", "MinExclusive", "MinInclusive", "MinLength", "Node", "NodeKind", "Not", "Or",
        "Pattern", "Property", "QualifiedMaxCount", "QualifiedMinCount", "UniqueLang", "Xone", "SPARQL",
    )),
}


@pytest.fixture(scope="module")
def iris() -> RegistryIRIs:
    return RegistryIRIs()


@pytest.fixture(scope="module")
def ontology(iris) -> Graph:
    return load_ontology(iris)


@pytest.fixture(scope="module")
def vocabularies(iris) -> Graph:
    return load_vocabularies(iris)


@pytest.fixture(scope="module")
def shapes(iris) -> Graph:
    return load_shapes(iris)


def _langs(graph: Graph, subject, predicate) -> list[str]:
    return sorted(o.language or "" for o in graph.objects(subject, predicate) if isinstance(o, Literal))


def _declared_cc_terms(ontology: Graph, iris: RegistryIRIs) -> set[str]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)
    return {str(s)[len(str(iris.CC)):] for kind in kinds for s in ontology.subjects(RDF.type, kind)
            if str(s).startswith(str(iris.CC))}


# --- parsing and namespaces ------------------------------------------------------------------

def test_files_parse(ontology, vocabularies, shapes):
    assert len(ontology) > len(vocabularies) > 100
    assert len(shapes) > 100
    assert "@context" in load_context()
    assert ontology_text("collectives.ttl").startswith("#")
    assert shapes_text("core.ttl").startswith("#")


def test_schema_org_is_http_everywhere(ontology, shapes):
    for graph in (ontology, shapes):
        assert dict(graph.namespaces())["schema"] == URIRef("http://schema.org/")
        assert not any("https://schema.org/" in str(term) for triple in graph for term in triple)
    assert load_context()["@context"]["schema"] == "http://schema.org/"


def test_configured_base_moves_everything():
    other = RegistryIRIs("https://example.org/cc/")
    graphs = [load_ontology(other), load_shapes(other)]
    for graph in graphs:
        assert not any(DEFAULT_BASE in str(term) for triple in graph for term in triple)
    assert (other.CC.CitizenCollective, RDFS.subClassOf, ORG.Organization) in graphs[0]
    assert (other.SHAPES.SectorShape, RDF.type, SH.PropertyShape) in graphs[1]
    assert load_context(other)["@context"]["cc"] == str(other.CC)


# --- ontology --------------------------------------------------------------------------------

def test_required_terms_are_declared(ontology, iris):
    for name in REQUIRED_CLASSES:
        assert (iris.CC[name], RDF.type, OWL.Class) in ontology, name
    declared = _declared_cc_terms(ontology, iris)
    assert REQUIRED_PROPERTIES <= declared, REQUIRED_PROPERTIES - declared


def test_alignment_with_standards(ontology, iris):
    assert (iris.CC.CitizenCollective, RDFS.subClassOf, ORG.Organization) in ontology
    assert (iris.CC.Network, RDFS.subClassOf, ORG.Organization) in ontology
    assert (iris.CC.sector, RDFS.subPropertyOf, ORG.classification) in ontology
    assert (iris.CC.partnerOf, RDFS.subPropertyOf, ORG.linkedTo) in ontology
    assert (iris.CC.eventYear, RDFS.range, rns.XSD.integer) in ontology
    assert (iris.CC.CitizenCollective, RDFS.subClassOf, SCHEMA.Organization) in ontology


def test_every_term_has_bilingual_label_and_comment(ontology, iris):
    terms = _declared_cc_terms(ontology, iris)
    assert terms
    for name in terms:
        term = iris.CC[name]
        assert _langs(ontology, term, RDFS.label) == ["en", "nl"], name
        assert _langs(ontology, term, RDFS.comment) == ["en", "nl"], name


# --- vocabularies ----------------------------------------------------------------------------

def test_schemes_have_exactly_the_agreed_codes(vocabularies, iris):
    for scheme, codes in SCHEMES.items():
        assert (iris.scheme(scheme), RDF.type, SKOS.ConceptScheme) in vocabularies, scheme
        members = set(vocabularies.subjects(SKOS.inScheme, iris.scheme(scheme)))
        assert {str(vocabularies.value(c, SKOS.notation)) for c in members} == codes, scheme
        assert members == {iris.concept(scheme, code) for code in codes}, scheme


def test_every_concept_is_complete(vocabularies, iris):
    concepts = set(vocabularies.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) == sum(len(codes) for codes in SCHEMES.values())
    for concept in concepts:
        schemes = list(vocabularies.objects(concept, SKOS.inScheme))
        assert len(schemes) == 1, concept
        assert _langs(vocabularies, concept, SKOS.prefLabel) == ["en", "nl"], concept
        assert "en" in _langs(vocabularies, concept, SKOS.definition), concept
        notations = list(vocabularies.objects(concept, SKOS.notation))
        assert len(notations) == 1 and str(concept) == f"{schemes[0]}/{notations[0]}", concept


def test_concept_schemes_are_labelled(vocabularies):
    for scheme in vocabularies.subjects(RDF.type, SKOS.ConceptScheme):
        assert _langs(vocabularies, scheme, SKOS.prefLabel) == ["en", "nl"], scheme


def test_lifecycle_stages_are_ordered(vocabularies, iris):
    order = {code: vocabularies.value(iris.concept("lifecycle-stage", code), iris.CC.stageOrder)
             for code in SCHEMES["lifecycle-stage"]}
    assert all(isinstance(v, Literal) and v.datatype == rns.XSD.integer for v in order.values())
    assert sorted(int(v) for v in order.values()) == list(range(1, 10))
    assert int(order["initiative"]) == 1 and int(order["founded"]) < int(order["dissolved"])


def test_cooperative_variants_are_narrower(vocabularies, iris):
    for code in ("cooperative-ua", "cooperative-ba", "cooperative-wa"):
        assert (iris.concept("legal-form", code), SKOS.broader,
                iris.concept("legal-form", "cooperative")) in vocabularies


def test_sectors_map_to_essglobal(vocabularies, iris):
    match = vocabularies.value(iris.concept("sector", "energy"), SKOS.closeMatch)
    assert str(match) == "http://purl.org/essglobal/standard/activities-modified/AM50"


# --- every cc: term in use is declared --------------------------------------------------------

# iris.CC.term, a local alias cc.term, CC["term"], and cc:term inside SPARQL text
_PY_PATTERNS = [re.compile(r"\b(?:CC|cc)\.([A-Za-z_]\w*)"), re.compile(r"\bCC\[\s*[\"']([^\"']+)[\"']\s*\]"),
                re.compile(r"(?<![\w/#.-])cc:([A-Za-z_][\w-]*)")]
_NAMESPACE_ATTRIBUTES = set(dir(URIRef("x"))) | {"term"}


def _cc_terms_in_python() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for folder in ("registry", "harvesters", "api"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for pattern in _PY_PATTERNS:
                for name in pattern.findall(text):
                    if name not in _NAMESPACE_ATTRIBUTES:
                        used.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return used


def _cc_terms_in_graph(graph: Graph, iris: RegistryIRIs) -> set[str]:
    prefix = str(iris.CC)
    return {str(t)[len(prefix):] for triple in graph for t in triple
            if isinstance(t, URIRef) and str(t).startswith(prefix) and len(str(t)) > len(prefix)}


def test_cc_terms_used_in_code_are_declared(ontology, iris):
    declared = _declared_cc_terms(ontology, iris)
    undeclared = {name: files for name, files in _cc_terms_in_python().items() if name not in declared}
    assert not undeclared, f"cc: terms used but not declared in ontology/collectives.ttl: {undeclared}"


def test_cc_terms_used_in_shapes_and_fixtures_are_declared(ontology, shapes, iris):
    declared = _declared_cc_terms(ontology, iris)
    used = _cc_terms_in_graph(shapes, iris)
    # SPARQL constraints mention terms inside strings
    for query in shapes.objects(None, SH.select):
        used |= set(re.findall(re.escape(str(iris.CC)) + r"([A-Za-z_]\w*)", str(query)))
    for path in FIXTURES.rglob("*.ttl"):
        used |= _cc_terms_in_graph(Graph().parse(path), iris)
    assert used - declared == set()


# --- shapes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["core.ttl", "recommended.ttl"])
def test_shapes_use_only_shacl_terms(name):
    graph = Graph().parse(data=shapes_text(name), format="turtle")
    unknown = {str(t)[len(str(SH)):] for triple in graph for t in triple
               if isinstance(t, URIRef) and str(t).startswith(str(SH))} - SHACL_TERMS
    assert not unknown, f"not SHACL terms in {name}: {unknown}"


def _property_shapes(shapes: Graph) -> set:
    return set(shapes.subjects(RDF.type, SH.PropertyShape)) | set(shapes.objects(None, SH.property))


def test_property_shapes_are_named_documented_and_have_a_severity(shapes):
    property_shapes = _property_shapes(shapes)
    assert len(property_shapes) > 40
    for shape in property_shapes:
        assert isinstance(shape, URIRef), f"blank property shape in {shapes.value(None, SH.property, shape)}"
        assert (shape, RDF.type, SH.PropertyShape) in shapes, shape
        for predicate in (SH.name, SH.description, SH.message):
            assert _langs(shapes, shape, predicate) == ["en", "nl"], (shape, predicate)
        assert shapes.value(shape, SH.severity) in (SH.Violation, SH.Warning, SH.Info), shape


def test_node_shapes_are_named_and_have_a_severity(shapes):
    for shape in shapes.subjects(RDF.type, SH.NodeShape):
        assert isinstance(shape, URIRef), shape
        assert _langs(shapes, shape, SH.name) == ["en", "nl"], shape
        assert shapes.value(shape, SH.severity) in (SH.Violation, SH.Warning), shape
        if shapes.value(shape, SH.closed) is not None:
            ignored = shapes.value(shape, SH.ignoredProperties)
            assert ignored is not None and RDF.type in list(shapes.items(ignored)), shape
            assert _langs(shapes, shape, SH.message) == ["en", "nl"], shape


def test_severities_per_file(iris):
    core = Graph().parse(data=shapes_text("core.ttl"), format="turtle")
    recommended = Graph().parse(data=shapes_text("recommended.ttl"), format="turtle")
    assert set(core.objects(None, SH.severity)) == {SH.Violation}
    assert set(recommended.objects(None, SH.severity)) == {SH.Warning}


def test_patterns_are_anchored_and_xpath_compatible(shapes):
    patterns = [str(p) for p in shapes.objects(None, SH.pattern)]
    assert len(patterns) >= 8
    for pattern in patterns:
        re.compile(pattern)
        assert "(?" not in pattern, f"lookaround or inline flags are not XPath: {pattern}"
        assert pattern.startswith("^"), pattern


# --- JSON-LD context ---------------------------------------------------------------------------

def test_context_terms_expand_as_intended(iris):
    context = load_context()["@context"]
    assert context["@version"] == 1.1
    assert context["cc"] == str(iris.CC)
    assert "@type" not in context["foundingDate"]  # xsd:date or xsd:gYear: not coerced
    doc = {
        "@context": context,
        "@id": str(iris.collective("c-voorbeeld0001")),
        "@type": ["CitizenCollective", "Organization"],
        "name": "Energiecoöperatie Voorbeelddorp",
        "sector": [str(iris.concept("sector", "energy"))],
        "municipality": "https://identifier.overheid.nl/tooi/id/gemeente/gm0344",
        "foundingDate": {"@value": "2014", "@type": "xsd:gYear"},
        "eventYear": "2014",
    }
    graph = Graph().parse(data=json.dumps(doc), format="json-ld")
    me = iris.collective("c-voorbeeld0001")
    assert (me, RDF.type, iris.CC.CitizenCollective) in graph
    assert (me, RDF.type, SCHEMA.Organization) in graph
    assert (me, SCHEMA.name, Literal("Energiecoöperatie Voorbeelddorp")) in graph
    assert (me, iris.CC.sector, iris.concept("sector", "energy")) in graph
    assert isinstance(graph.value(me, iris.CC.municipality), URIRef)
    assert graph.value(me, SCHEMA.foundingDate).datatype == rns.XSD.gYear
    assert graph.value(me, iris.CC.eventYear).datatype == rns.XSD.integer


def test_context_covers_the_ontology_properties(ontology, iris):
    context = load_context()["@context"]
    mapped = set()
    for value in context.values():
        target = value["@id"] if isinstance(value, dict) else value
        if isinstance(target, str) and target.startswith("cc:"):
            mapped.add(target[3:])
    properties = {str(p)[len(str(iris.CC)):] for kind in (OWL.ObjectProperty, OWL.DatatypeProperty)
                  for p in ontology.subjects(RDF.type, kind) if str(p).startswith(str(iris.CC))}
    assert properties - mapped == set()
