"""The registry's data model as packaged files: ontology, vocabularies, shapes and JSON-LD context.

The files are written against the default base and moved onto the configured base when loaded.

>>> from registry.namespaces import RegistryIRIs
>>> iris = RegistryIRIs("https://example.org/cc/")
>>> g = load_ontology(iris)
>>> (iris.concept("sector", "energy"), SKOS.inScheme, iris.scheme("sector")) in g
True
"""
from __future__ import annotations

import json
from importlib.resources import files

from rdflib import Graph

from .namespaces import RegistryIRIs

ONTOLOGY_FILES = ("collectives.ttl", "vocabularies.ttl")
SHAPE_FILES = ("core.ttl", "recommended.ttl")
CONTEXT_FILE = "context.jsonld"


def ontology_text(name: str) -> str:
    """Text of a file in the ``ontology`` package (as written, default base)."""
    return files("ontology").joinpath(name).read_text(encoding="utf-8")


def shapes_text(name: str) -> str:
    """Text of a file in the ``shapes`` package (as written, default base)."""
    return files("shapes").joinpath(name).read_text(encoding="utf-8")


def _parse(texts, iris: RegistryIRIs) -> Graph:
    graph = iris.bind(Graph())
    for text in texts:
        graph.parse(data=iris.rebase(text), format="turtle")
    # parsing re-binds the files' own prefixes; keep the registry's (http://schema.org/ etc.)
    return iris.bind(graph)


def load_ontology(iris: RegistryIRIs | None = None) -> Graph:
    """The ``cc:`` ontology and all SKOS concept schemes, on the base of ``iris``."""
    iris = iris or RegistryIRIs()
    return _parse((ontology_text(name) for name in ONTOLOGY_FILES), iris)


def load_vocabularies(iris: RegistryIRIs | None = None) -> Graph:
    """Only the SKOS concept schemes (``vocabularies.ttl``)."""
    iris = iris or RegistryIRIs()
    return _parse([ontology_text("vocabularies.ttl")], iris)


def load_shapes(iris: RegistryIRIs | None = None, *, recommended: bool = True) -> Graph:
    """The SHACL shapes: core (Violation) and, unless ``recommended=False``, recommended (Warning)."""
    iris = iris or RegistryIRIs()
    names = SHAPE_FILES if recommended else SHAPE_FILES[:1]
    return _parse((shapes_text(name) for name in names), iris)


def load_context(iris: RegistryIRIs | None = None) -> dict:
    """The JSON-LD context document (``{"@context": {...}}``), with ``cc:`` on the configured base."""
    iris = iris or RegistryIRIs()
    return json.loads(iris.rebase(ontology_text(CONTEXT_FILE)))
