"""Putting values into SPARQL text safely.

User input never reaches a query as raw text: values are rdflib terms, written in their
escaped N-Triples form in place of the variables they bind.

>>> from rdflib import Literal
>>> bind('SELECT ?c WHERE { ?c <http://schema.org/name> ?name }', {"name": Literal('a" } DROP ALL #')})
'SELECT ?c WHERE { ?c <http://schema.org/name> "a\\\\" } DROP ALL #" }'
"""
from __future__ import annotations

import re
from typing import Mapping, NamedTuple

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


# -- a query's own dataset (FROM, FROM NAMED) ----------------------------------------------------

_STRING = (r'"""(?:[^"\\]|\\.|"(?!""))*"""'
           r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
           r'|"(?:[^"\\\n]|\\.)*"'
           r"|'(?:[^'\\\n]|\\.)*'")
# one lexeme at a time: what matters is that a keyword is never read inside a string, an IRI, a
# comment, a variable, a prefixed name (``ex:from``), a blank node label or a language tag (``@from``)
_LEXEME = re.compile(
    rf"(?P<string>{_STRING})"
    r'|(?P<iri><[^<>"{}|^`\\\s]*>)'
    r"|(?P<comment>#[^\n]*)"
    r"|(?P<var>[?$]\w+)"
    r"|(?P<pname>(?:[^\W\d_][\w.\-]*|_)?:(?:[\w\-:%]|\\.|\.(?=[\w\-:%\\]))*)"
    r"|(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)"
    r"|(?P<word>[^\W\d][\w]*)"
    r"|(?P<other>\S)", re.UNICODE)
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


class Dataset(NamedTuple):
    """The graphs a query names itself: ``FROM`` (default) and ``FROM NAMED`` (named).
    ``complete`` is False when some graph could not be read as an absolute IRI."""
    default: tuple[str, ...]
    named: tuple[str, ...]
    complete: bool


def _lexemes(text: str):
    """(kind, text) for each lexeme, comments left out."""
    for match in _LEXEME.finditer(text):
        if match.lastgroup != "comment":
            yield match.lastgroup, match.group(0)


def query_dataset(text: str) -> Dataset | None:
    """The query's own ``FROM`` / ``FROM NAMED`` graphs, or None when it names none.

    >>> query_dataset('PREFIX g: <https://example.org/g/> SELECT * FROM g:a FROM NAMED <https://example.org/b> '
    ...               'WHERE { ?s ?p "FROM <x>" } # FROM <y>')
    Dataset(default=('https://example.org/g/a',), named=('https://example.org/b',), complete=True)
    >>> query_dataset("SELECT ?from WHERE { ?s ex:from ?o }") is None
    True
    """
    prefixes: dict[str, str] = {}
    base: str | None = None
    default: list[str] = []
    named: list[str] = []
    complete, found = True, False
    lexemes = _lexemes(text)
    for kind, value in lexemes:
        if kind != "word":
            continue
        keyword = value.upper()
        if keyword == "PREFIX":
            name, iri = next(lexemes, ("", "")), next(lexemes, ("", ""))
            if name[0] == "pname" and iri[0] == "iri":
                prefixes[name[1].rstrip(":").split(":")[0]] = _resolved(iri[1][1:-1], base) or ""
        elif keyword == "BASE":
            iri = next(lexemes, ("", ""))
            if iri[0] == "iri":
                base = _resolved(iri[1][1:-1], base)
        elif keyword == "FROM":
            found = True
            kind, value = next(lexemes, ("", ""))
            target = default
            if kind == "word" and value.upper() == "NAMED":
                target = named
                kind, value = next(lexemes, ("", ""))
            graph = None
            if kind == "iri":
                graph = _resolved(value[1:-1], base)
            elif kind == "pname":
                prefix, _, local = value.partition(":")
                if prefixes.get(prefix):
                    graph = prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
            if graph is None:
                complete = False
            else:
                target.append(graph)
    if not found:
        return None
    return Dataset(tuple(default), tuple(named), complete)


def has_dataset(text: str) -> bool:
    """Whether the query names its own dataset (``FROM`` or ``FROM NAMED`` outside strings, IRIs
    and comments).

    >>> has_dataset("SELECT * FROM <https://example.org/g> WHERE { ?s ?p ?o }")
    True
    >>> has_dataset('SELECT * WHERE { ?s ?p "from" } # FROM <https://example.org/g>')
    False
    """
    return query_dataset(text) is not None


def _resolved(iri: str, base: str | None) -> str | None:
    if _ABSOLUTE.match(iri):
        return iri
    if base is None:
        return None
    from urllib.parse import urljoin
    return urljoin(base, iri)
