"""Putting values into SPARQL text safely.

User input never reaches a query as raw text: values are rdflib terms, written in their
escaped N-Triples form in place of the variables they bind.

>>> from rdflib import Literal
>>> bind('SELECT ?c WHERE { ?c <http://schema.org/name> ?name }', {"name": Literal('a" } DROP ALL #')})
'SELECT ?c WHERE { ?c <http://schema.org/name> "a\\\\" } DROP ALL #" }'
"""
from __future__ import annotations

import re
from typing import Mapping

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from .errors import InvalidInput

# strings (long and short), IRIs, comments, or a variable
_TOKEN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|<[^<>"{}|^`\\\s]*>'
    r"|#[^\n]*"
    r"|[?$]([A-Za-z_][A-Za-z0-9_]*)"
)
_BAD_IRI = re.compile(r'[<>"{}|^`\\\s]')


def term_text(term: Node) -> str:
    """A term as SPARQL text, refusing IRIs that could break out of ``<...>``."""
    if isinstance(term, URIRef):
        if _BAD_IRI.search(str(term)):
            raise InvalidInput(f"not a valid IRI: {str(term)[:100]!r}")
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()
    if isinstance(term, BNode):
        raise InvalidInput("blank nodes cannot be bound into a query")
    raise InvalidInput(f"cannot bind {type(term).__name__}")


def bind(query: str, bindings: Mapping[str, Node] | None) -> str:
    """Replace each bound variable (outside strings, IRIs and comments) by its value."""
    if not bindings:
        return query
    texts = {name: term_text(value) for name, value in bindings.items()}

    def replace(match: re.Match) -> str:
        name = match.group(1)
        return texts[name] if name in texts else match.group(0)

    return _TOKEN.sub(replace, query)


def values_block(variable: str, terms) -> str:
    """``VALUES ?v { ... }`` for a list of terms, escaped like :func:`bind`."""
    return f"VALUES ?{variable} {{ {' '.join(term_text(t) for t in terms)} }}"


QUERY_FORMS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
# the prologue (comments, BASE, PREFIX) that may precede the first keyword
_PROLOGUE = re.compile(r"(?:\s+|#[^\n]*|BASE\s*<[^>]*>|PREFIX\s+[^\s:]*:\s*<[^>]*>)*", re.IGNORECASE)
_KEYWORD = re.compile(r"[A-Za-z]+")


def leading_keyword(text: str) -> str | None:
    """The first keyword after the prologue, upper-cased.

    >>> leading_keyword("PREFIX ex: <http://example.org/> # hi\\n insert data {}")
    'INSERT'
    """
    match = _KEYWORD.match(text, _PROLOGUE.match(text).end())
    return match.group(0).upper() if match else None


def query_form(text: str) -> str | None:
    """``select``, ``ask``, ``graph`` (CONSTRUCT / DESCRIBE), ``update`` or None when unclear."""
    keyword = leading_keyword(text)
    if keyword in UPDATE_KEYWORDS:
        return "update"
    return QUERY_FORMS.get(keyword or "")
