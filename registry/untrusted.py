"""Guards for RDF from outside (uploads, harvested documents).

RDF/XML needs no DTD, but tools such as Protégé write one that declares entities for namespace
IRIs (``<!ENTITY owl "http://www.w3.org/2002/07/owl#">``). Those are accepted: plain internal
entities whose values are short text with no reference to other entities. Anything else in a
document type declaration (an external DTD or entity, parameter entities, entities built from
entities) is refused before any parser sees it, so no parser can be made to read local files
(XXE) or expand an entity bomb (pyoxigraph's RDF/XML parser expands internal entities without a
limit); the references in the document may not expand it to more than its own size again.

>>> check_rdf_xml(b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>')
>>> check_rdf_xml(b'<!DOCTYPE rdf:RDF [<!ENTITY ex "https://example.org/">]><rdf:RDF/>')
>>> check_rdf_xml(b'<!DOCTYPE x [<!ENTITY a "b"><!ENTITY c "&a;&a;">]><x/>')
Traceback (most recent call last):
...
registry.errors.InvalidInput: RDF/XML with a document type declaration other than plain entity declarations (an external DTD, external or parameter entities, entities made of entities) is not accepted
"""
from __future__ import annotations

import re

from .errors import InvalidInput

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT = re.compile(rb"<[A-Za-z_]")
_INTERNAL_SUBSET = re.compile(rb"<!DOCTYPE\s+[A-Za-z_][\w:.-]*\s*\[(.*)\]\s*>\s*$", re.DOTALL)
_PLAIN_ENTITY = re.compile(rb"""<!ENTITY\s+([A-Za-z_][\w.-]*)\s+(?:"([^"&%<]*)"|'([^'&%<]*)')\s*>""")
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
MAX_ENTITIES = 200
MAX_ENTITY_VALUE = 512  # bytes: namespace IRIs, not content


def _refuse(why: str, code: str = "xml_dtd_refused"):
    raise InvalidInput(f"RDF/XML with {why} is not accepted", code=code)


def check_rdf_xml(data: bytes | str) -> None:
    """Accept a DTD in the prolog (the only place XML allows one) only if it declares plain entities."""
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
    # UTF-16 documents: look at the ASCII bytes only
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raw = raw.replace(b"\x00", b"")
    root = _ROOT.search(raw)
    prolog = raw[: root.start()] if root else raw
    found = _DOCTYPE.search(prolog)
    if not found:
        return
    subset = _INTERNAL_SUBSET.search(_COMMENT.sub(b"", prolog[found.start():]))
    entities = {m.group(1): len(m.group(2) if m.group(2) is not None else m.group(3))
                for m in _PLAIN_ENTITY.finditer(subset.group(1))} if subset else {}
    if subset is None or _PLAIN_ENTITY.sub(b"", subset.group(1)).strip():
        _refuse("a document type declaration other than plain entity declarations (an external DTD, "
                "external or parameter entities, entities made of entities)")
    if len(entities) > MAX_ENTITIES or any(size > MAX_ENTITY_VALUE for size in entities.values()):
        _refuse(f"more than {MAX_ENTITIES} entities or an entity longer than {MAX_ENTITY_VALUE} bytes",
                code="xml_entity_expansion")
    body = raw[root.start():] if root else b""
    expansion = sum(body.count(b"&" + name + b";") * size for name, size in entities.items())
    if expansion > len(raw):
        _refuse(f"entity references that would expand it by {expansion} bytes (more than its own size)",
                code="xml_entity_expansion")
