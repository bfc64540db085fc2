"""The Accept-header table: q-values, specificity, charset parameters, */*, empty, unknown → 406."""
from __future__ import annotations

import pytest

from api.conneg import NotAcceptable, negotiate, parse_accept, preferred_language

RDF = ["application/ld+json", "text/html", "text/turtle", "application/n-triples", "application/rdf+xml"]
RESULTS = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
           "text/tab-separated-values"]


@pytest.mark.parametrize("accept,offered,expected", [
    (None, RDF, "application/ld+json"),
    ("", RDF, "application/ld+json"),
    ("   ", RDF, "application/ld+json"),
    ("*/*", RDF, "application/ld+json"),
    ("text/turtle", RDF, "text/turtle"),
    ("text/turtle; charset=utf-8", RDF, "text/turtle"),
    ("TEXT/Turtle", RDF, "text/turtle"),
    ("text/*", RDF, "text/html"),
    ("text/*;q=0.5, text/turtle", RDF, "text/turtle"),
    ("text/turtle;q=0.2, application/n-triples;q=0.8", RDF, "application/n-triples"),
    ("application/ld+json;q=0.9, text/turtle", RDF, "text/turtle"),
    ("*/*;q=0.1, text/turtle;q=0.5", RDF, "text/turtle"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", RDF, "text/html"),
    ("text/turtle;q=0, */*", RDF, "application/ld+json"),
    ("application/sparql-results+json, application/sparql-results+xml;q=0.9", RESULTS,
     "application/sparql-results+json"),
    ("application/sparql-results+xml", RESULTS, "application/sparql-results+xml"),
    ("text/csv;q=0.9,text/tab-separated-values", RESULTS, "text/tab-separated-values"),
    ("garbage, text/turtle", RDF, "text/turtle"),
    ("text/turtle;q=abc, application/n-triples;q=0.5", RDF, "application/n-triples"),
    ("text/turtle;q=7, application/n-triples;q=0.5", RDF, "application/n-triples"),
])
def test_accept_table(accept, offered, expected):
    assert negotiate(accept, offered) == expected


@pytest.mark.parametrize("accept", ["image/png", "text/turtle;q=0", "application/json", "*/*;q=0"])
def test_not_acceptable(accept):
    with pytest.raises(NotAcceptable) as caught:
        negotiate(accept, RDF)
    assert caught.value.code == "not_acceptable"


@pytest.mark.parametrize("fmt,expected", [
    ("ttl", "text/turtle"), ("turtle", "text/turtle"), ("jsonld", "application/ld+json"),
    ("nt", "application/n-triples"), ("rdf", "application/rdf+xml"), ("html", "text/html"),
    ("text/turtle", "text/turtle"), ("TTL", "text/turtle"),
])
def test_format_override(fmt, expected):
    assert negotiate("application/ld+json", RDF, fmt) == expected


def test_format_aliases():
    aliases = {"xml": "application/sparql-results+xml"}
    assert negotiate(None, RESULTS, "xml", aliases) == "application/sparql-results+xml"
    with pytest.raises(NotAcceptable):
        negotiate(None, RESULTS, "xml")  # RDF/XML is not offered for results


@pytest.mark.parametrize("fmt", ["png", "csv", "", "x" * 1000])
def test_unknown_format(fmt):
    if not fmt:
        assert negotiate(None, RDF, fmt) == "application/ld+json"  # an empty override is no override
        return
    with pytest.raises(NotAcceptable):
        negotiate(None, RDF, fmt)


def test_huge_header_is_bounded():
    header = ",".join(["application/x-nothing"] * 10_000) + ",text/turtle"
    with pytest.raises(NotAcceptable):
        negotiate(header, RDF)  # entries past the bound are ignored, not parsed
    assert len(parse_accept(header)) <= 64


@pytest.mark.parametrize("header,expected", [
    (None, "en"), ("", "en"), ("nl", "nl"), ("nl-NL,nl;q=0.9,en;q=0.5", "nl"),
    ("en-GB,nl;q=0.4", "en"), ("de,fr", "en"), ("nl;q=0", "en"),
])
def test_language(header, expected):
    assert preferred_language(header) == expected
