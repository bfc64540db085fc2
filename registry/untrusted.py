"""Guards for RDF from outside (uploads, harvested documents).

RDF/XML needs no DTD: a document that declares entities or points at an external DTD is refused
before any parser sees it, so no parser can be made to read local files (XXE) or expand an
entity bomb (pyoxigraph's RDF/XML parser expands internal entities without a limit).

>>> check_rdf_xml(b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>')
>>> check_rdf_xml(b'<!DOCTYPE x [<!ENTITY a "b">]><x/>')
Traceback (most recent call last):
...
registry.errors.InvalidInput: RDF/XML with a document type declaration (DTD, entities) is not accepted
"""
from __future__ import annotations

import re

from .errors import InvalidInput

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT = re.compile(rb"<[A-Za-z_]")


def check_rdf_xml(data: bytes | str) -> None:
    """Refuse a DTD in the prolog (the only place XML allows one)."""
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
    # UTF-16 documents: look at the ASCII bytes only
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raw = raw.replace(b"\x00", b"")
    root = _ROOT.search(raw)
    prolog = raw[: root.start()] if root else raw
    if _DOCTYPE.search(prolog):
        raise InvalidInput("RDF/XML with a document type declaration (DTD, entities) is not accepted",
                           code="xml_dtd_refused")
