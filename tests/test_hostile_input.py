"""Hostile RDF is refused before any parser sees it, wherever it enters: store loads, CLI, harvesters."""
import io
from pathlib import Path

import pytest
from rdflib import URIRef

from registry.cli import main
from registry.errors import InvalidInput
from registry.store.oxigraph import OxigraphStore
from registry.untrusted import check_rdf_xml
from registry.validation import parse_rdf_file

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
DOCUMENTS = sorted(HOSTILE.glob("*.rdf"))


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_the_guard_refuses_every_dtd(path):
    with pytest.raises(InvalidInput) as info:
        check_rdf_xml(path.read_bytes())
    assert info.value.code == "xml_dtd_refused"


def test_plain_entities_pass_and_their_expansion_is_bounded():
    head = b'<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!-- namespaces --><!ENTITY ex "https://example.org/">]>'
    check_rdf_xml(head + b'<rdf:RDF><rdf:Description rdf:about="&ex;a"/></rdf:RDF>')
    big = b'<!DOCTYPE r [<!ENTITY a "' + b"a" * 500 + b'">]><r>' + b"&a;" * 1000 + b"</r>"
    with pytest.raises(InvalidInput) as info:
        check_rdf_xml(big)  # 500 kB from 3 kB
    assert info.value.code == "xml_entity_expansion"
    with pytest.raises(InvalidInput) as info:
        check_rdf_xml(b'<!DOCTYPE r [<!ENTITY a "' + b"a" * 600 + b'">]><r/>')
    assert info.value.code == "xml_entity_expansion"
    for declaration in (b'<!ENTITY % p "x">', b'<!ENTITY a PUBLIC "-//x" "http://example.org/x.dtd">',
                        b'<!ELEMENT r ANY>', b'<!ENTITY a "&#38;b;">'):
        with pytest.raises(InvalidInput) as info:
            check_rdf_xml(b"<!DOCTYPE r [" + declaration + b"]><r/>")
        assert info.value.code == "xml_dtd_refused", declaration


def test_the_guard_sees_through_utf16():
    body = (HOSTILE / "entity-bomb.rdf").read_text().encode("utf-16")
    with pytest.raises(InvalidInput):
        check_rdf_xml(body)


def test_the_guard_lets_ordinary_rdf_xml_through():
    check_rdf_xml(b'<?xml version="1.0"?>\n<!-- a comment --><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                  b'<!-- <!ENTITY inside the document is only text --><rdf:Description/></rdf:RDF>')


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_the_store_refuses_to_load_them(path):
    store = OxigraphStore()
    for load in (lambda: store.load(str(path), "rdf", None), lambda: store.load(path.read_bytes(), "rdf", None),
                 lambda: store.load(io.BytesIO(path.read_bytes()), "rdf", None),
                 lambda: store.replace_graph(URIRef("https://example.org/g"), path.read_bytes(), "rdf")):
        with pytest.raises(InvalidInput):
            load()
    assert store.triple_count() == 0


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_validate_refuses_them_with_exit_2(path, capsys):
    with pytest.raises(InvalidInput):
        parse_rdf_file(path)
    assert main(["validate", str(path)]) == 2
    assert "not accepted" in capsys.readouterr().err
