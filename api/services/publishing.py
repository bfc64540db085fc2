"""Tools for networks that publish data: parsing what they POST, and validating it."""
from __future__ import annotations

import json
import threading

from fastapi import Request
from rdflib import Graph

from registry.errors import InvalidInput
from registry.namespaces import RegistryIRIs
from registry.untrusted import check_rdf_xml

from .rdf_out import project_context

# media types accepted by /validate → rdflib parser
PARSERS = {
    "text/turtle": "turtle", "application/x-turtle": "turtle", "application/n-triples": "nt",
    "text/plain": "nt", "application/ld+json": "json-ld", "application/json": "json-ld",
    "application/rdf+xml": "xml",
}
MAX_TRIPLES = 50_000


def _local_contexts(node, iris: RegistryIRIs, allowed: set[str]):
    """Replace references to the project's own context by the context itself; refuse any other remote one."""
    if isinstance(node, list):
        return [_local_contexts(n, iris, allowed) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "@context":
            out[key] = _context_value(value, iris, allowed)
        else:
            out[key] = _local_contexts(value, iris, allowed)
    return out


def _context_value(value, iris: RegistryIRIs, allowed: set[str]):
    if isinstance(value, list):
        return [_context_value(v, iris, allowed) for v in value]
    if isinstance(value, str):
        if value in allowed:
            context = project_context(iris)
            if context is not None:
                return context
        raise InvalidInput(f"remote JSON-LD contexts are not fetched ({value[:100]!r}); put the context inline "
                           f"or use the registry's own context")
    return value


def parse(body: bytes, media_type: str, iris: RegistryIRIs, context_urls: set[str]) -> Graph:
    """The posted RDF as a graph; InvalidInput (400) with the parser's message when it is not."""
    parser = PARSERS.get(media_type)
    if parser is None:
        raise InvalidInput("send Turtle, JSON-LD, RDF/XML or N-Triples with a matching Content-Type "
                           f"({', '.join(sorted(PARSERS))})", code="unsupported_media_type")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the RDF is not UTF-8", code="invalid_rdf") from None
    if parser == "xml":
        check_rdf_xml(body)
    if parser == "json-ld":
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise InvalidInput(f"not JSON: {exc}", code="invalid_rdf") from None
        text = json.dumps(_local_contexts(document, iris, context_urls))
    graph = iris.bind(Graph())
    try:
        graph.parse(data=text, format=parser)
    except InvalidInput:
        raise
    except Exception as exc:  # rdflib raises many kinds; the message is about the client's own document
        raise InvalidInput(f"cannot parse the {media_type} document: {str(exc)[:500]}", code="invalid_rdf") from None
    if len(graph) > MAX_TRIPLES:
        raise InvalidInput(f"at most {MAX_TRIPLES} triples per validation; validate per record or per file",
                           code="payload_too_large")
    return graph


_validator_lock = threading.Lock()


def validator(request: Request):
    """The app's validator, built once on first use (parsing the shapes takes a moment)."""
    state = request.app.state
    with _validator_lock:
        if getattr(state, "validator", None) is None:
            from registry.validation import Validator
            state.validator = Validator(state.settings.iris)
    return state.validator
