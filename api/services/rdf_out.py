"""Writing RDF for clients: the formats offered for resources, JSON-LD with the project's context."""
from __future__ import annotations

import json

from rdflib import Graph

from registry.namespaces import RegistryIRIs

RDF_MEDIA_TYPES = ["application/ld+json", "text/turtle", "application/n-triples", "application/rdf+xml"]
RDFLIB_FORMATS = {"application/ld+json": "json-ld", "text/turtle": "turtle",
                  "application/n-triples": "nt", "application/rdf+xml": "xml", "application/n-quads": "nquads"}


def project_context(iris: RegistryIRIs) -> dict | None:
    """The project's JSON-LD context (``registry.model.load_context``), or None while it does not exist."""
    try:
        from registry.model import load_context
    except ImportError:
        return None
    try:
        context = load_context(iris)
    except TypeError:
        context = load_context()
    if isinstance(context, (str, bytes)):
        context = json.loads(context)
    return context.get("@context", context) if isinstance(context, dict) else None


def serialize(graph: Graph, media_type: str, iris: RegistryIRIs) -> bytes:
    fmt = RDFLIB_FORMATS[media_type]
    if fmt == "json-ld":
        context = project_context(iris)
        if context is not None:
            return graph.serialize(format="json-ld", context=context, auto_compact=True, encoding="utf-8")
        return graph.serialize(format="json-ld", encoding="utf-8")
    return graph.serialize(format=fmt, encoding="utf-8")
